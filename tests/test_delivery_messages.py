"""Golden tests of the per-alert message (text and HTML) and the heartbeat line: what a
recipient sees, byte for byte, with hostile scraped text kept inert."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.build import build_alert_digest
from digest.message import alert_message, clean, heartbeat_message, safe_link
from storage.records import AlertItem, SourceHealth, StoredMention

GOLDEN = Path(__file__).parent / "fixtures" / "golden"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
UPDATE = os.environ.get("BRANDPULSE_UPDATE_GOLDEN") == "1"


def hostile_mention(**overrides: object) -> StoredMention:
    values: dict[str, object] = {
        "id": 42,
        "source": "appstore-us",
        "external_id": "r-42",
        "url": "javascript:alert(document.cookie)",
        "author": "mallory\r\nBcc: everyone@example.com\u202e",
        "title": "Worst update <script>alert('x')</script>",
        "text": "The app crashes on start & support ignores me. <img src=x onerror=alert(1)>",
        "published_at": NOW - timedelta(hours=3),
        "collected_at": NOW,
        "brands": ("Acme",),
        "rating": 1.0,
        "engagement": 12,
        "comment_count": None,
        "author_followers": None,
        "content_hash": "h42",
        "language": "en",
        "label": "negative",
        "score": -0.82,
        "confidence": 0.91,
        "model": "multilingual@1.2.0",
        "topic": "crashes, start",
        "overridden": False,
    }
    values.update(overrides)
    return StoredMention(**values)  # type: ignore[arg-type]


def view(mention: StoredMention, urgency: float = 87.4):  # type: ignore[no-untyped-def]
    health = [
        SourceHealth(
            name="appstore-us",
            kind="appstore",
            enabled=True,
            disabled_reason=None,
            last_run_at=NOW,
            last_success_at=NOW,
            last_item_count=10,
            last_error=None,
            last_error_at=None,
            consecutive_failures=0,
            expected_interval_s=1800,
        )
    ]
    digest = build_alert_digest(
        title="t",
        alerts=[AlertItem(7, "Acme", urgency, NOW, mention)],
        thank_you=[],
        health=health,
        silent=[],
        now=NOW,
    )
    return digest.alerts[0]


def check_golden(name: str, content: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"{path} did not exist and was written: review it and run again")
    assert content == path.read_text(encoding="utf-8"), f"{name} changed (see {path})"


def test_per_alert_message_golden_and_escaped() -> None:
    doc = alert_message(view(hostile_mention()), title="BrandPulse")
    check_golden("alert_message.txt", doc.text)
    check_golden("alert_message.html", doc.html)
    check_golden("alert_message.subject.txt", doc.subject + "\n")
    assert "<script>" not in doc.html and "&lt;script&gt;" in doc.html
    assert "<img" not in doc.html and "&lt;img" in doc.html
    assert 'href="javascript' not in doc.html
    assert "javascript:" not in doc.html and "javascript:" not in doc.text
    assert "No safe link" in doc.html and "(no safe link" in doc.text
    for text in (doc.text, doc.html, doc.subject):
        assert "\r" not in text and "\u202e" not in text
    assert "\nBcc:" not in doc.text, "an author's CRLF cannot start a new line"
    assert doc.subject == "BrandPulse: Acme: negative review on appstore-us (urgency 87)"


def test_http_links_stay_links_and_escalations_say_overdue() -> None:
    doc = alert_message(
        view(hostile_mention(url="https://apps.apple.com/us/review?id=1&x=<b>")),
        title="BrandPulse",
        escalation=True,
        overdue_since="2026-11-22 10:00 UTC",
    )
    assert 'href="https://apps.apple.com/us/review?id=1&amp;x=&lt;b&gt;"' in doc.html
    assert doc.subject.startswith("BrandPulse: OVERDUE: Acme")
    assert "Still open past its reply time (due 2026-11-22 10:00 UTC)." in doc.text


def test_heartbeat_golden() -> None:
    doc = heartbeat_message(
        title="BrandPulse",
        since=NOW - timedelta(days=1),
        healthy=3,
        total=4,
        warnings=("reddit: failing (2 run(s) in a row) — HTTP 403 <b>",),
    )
    check_golden("heartbeat.txt", doc.text)
    check_golden("heartbeat.html", doc.html)
    assert "&lt;b&gt;" in doc.html


def test_clean_and_safe_link() -> None:
    assert clean("a\r\nb\u202ec\x00d") == "a bcd"
    assert safe_link("https://x.example/a") == "https://x.example/a"
    assert safe_link(" JavaScript:alert(1)") is None
    assert safe_link("data:text/html;base64,PHNjcmlwdD4=") is None
    assert safe_link("java\nscript:alert(1)") is None
