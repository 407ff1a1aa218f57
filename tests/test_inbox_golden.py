"""Golden tests of the rendered inbox: the 80-column table and the JSON Lines records.

Built from real reviews and a real post (tests/inbox_data.py) in every state the inbox
has, with fixed times. Set BRANDPULSE_UPDATE_GOLDEN=1 to rewrite the files after an
intended change, then read the diff.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from inbox_data import NOW, appstore_mentions, googleplay_mentions, hn_mentions
from rich.cells import cell_len

from digest.inbox import JSON_FIELDS, InboxItem, render_table
from digest.urgency import urgency_breakdown
from storage import Mention, StoredMention, content_hash

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("BRANDPULSE_UPDATE_GOLDEN") == "1"


def stored(
    m: Mention, mention_id: int, label: str, score: float, confidence: float
) -> StoredMention:
    return StoredMention(
        id=mention_id,
        source=m.source,
        external_id=m.external_id,
        url=m.url,
        author=m.author,
        title=m.title,
        text=m.text,
        published_at=m.published_at or NOW - timedelta(hours=5),
        collected_at=NOW,
        brands=m.brands,
        rating=m.rating,
        engagement=m.engagement,
        comment_count=m.comment_count,
        author_followers=m.author_followers,
        content_hash=content_hash(m.title, m.text),
        language=m.language or "en",
        label=label,
        score=score,
        confidence=confidence,
        model="fixture@1",
        topic=None,
        overridden=False,
    )


def items() -> list[InboxItem]:
    gp = {m.author.split()[0]: m for m in googleplay_mentions()}
    jp = appstore_mentions()
    hn = hn_mentions()[0]
    rows = [
        # (mention, id, label, score, confidence, kind, state, extra)
        (gp["Crazy"], 11, "negative", -0.8, 0.9, "review", "open", {}),
        (gp["Dexydexa"], 12, "negative", 0.0, 0.6, "review", "open", {"overdue": True}),
        (jp[1], 13, "negative", -0.6, 0.45, "review", "assigned", {"assignee": "maria"}),
        (jp[2], 14, "negative", -0.9, 0.95, "review", "snoozed", {}),
        (gp["Aeo"], 15, "positive", 0.8, 0.7, "review", "watch", {"mismatch": True}),
        (hn, 16, "negative", -0.3, 0.42, "post", "dismissed", {}),
        (jp[3], 17, "negative", -0.5, 0.7, "review", "handled", {}),
    ]
    out = []
    for n, (m, mid, label, score, conf, kind, state, extra) in enumerate(rows, 1):
        s = stored(m, mid, label, score, conf)
        created = NOW - timedelta(hours=2 * n)
        breakdown = urgency_breakdown(s, now=NOW, kind=kind, copies=2 if n == 1 else 0)
        due = created + timedelta(hours=24) if state in ("open", "assigned", "snoozed") else None
        overdue = bool(extra.get("overdue"))
        if overdue:
            due = NOW - timedelta(hours=3)
        out.append(
            InboxItem(
                alert_id=100 + n,
                brand=m.brands[0],
                mention=s,
                source_kind=kind,  # type: ignore[arg-type]
                label=label,
                confidence=conf,
                urgency=breakdown.score,
                reasons=breakdown.reasons,
                state=state,
                created_at=created,
                now=NOW,
                components=breakdown.components,
                mismatch=bool(extra.get("mismatch")),
                watch_reason=(
                    "rated 2/5 but the text reads clearly positive: check before replying"
                    if state == "watch"
                    else None
                ),
                assignee=extra.get("assignee"),  # type: ignore[arg-type]
                snoozed_until=NOW + timedelta(hours=20) if state == "snoozed" else None,
                sla_due_at=due,
                overdue=overdue,
                closed_at=NOW - timedelta(hours=1) if state in ("handled", "dismissed") else None,
                closed_by="kim" if state in ("handled", "dismissed") else None,
                note="replied in the App Store" if state == "handled" else None,
                dismiss_reason="not-our-brand" if state == "dismissed" else None,
            )
        )
    return out


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"{path} missing: run with BRANDPULSE_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


def test_golden_inbox_table_fits_80_columns() -> None:
    table = render_table(items(), width=80, title="Inbox: 7 alerts (all)")
    assert max(cell_len(line) for line in table.splitlines()) <= 80
    for alert_id in range(101, 108):
        assert f"#{alert_id}" in table
    assert "OVERDUE 3h" in table and "@maria" in table and "look" in table
    assert "dismissed: not-our-brand" in table
    check("inbox_table.txt", table)


def test_golden_inbox_json_lines() -> None:
    lines = [json.dumps(i.record(), ensure_ascii=False, sort_keys=False) for i in items()]
    required = {
        "id", "mention_id", "brand", "source", "source_kind", "language", "url", "author",
        "text", "rating", "label", "confidence", "urgency", "reasons", "state", "assignee",
        "sla_due_at", "overdue", "created_at",
    }  # fmt: skip
    for line in lines:
        record = json.loads(line)
        assert required <= set(record) and tuple(record) == JSON_FIELDS
    check("inbox.jsonl", "\n".join(lines) + "\n")


@pytest.mark.parametrize("width", [60, 100])
def test_table_fits_other_widths(width: int) -> None:
    table = render_table(items(), width=width)
    assert max(cell_len(line) for line in table.splitlines()) <= width


def test_scraped_brackets_and_control_characters_are_shown_as_text() -> None:
    """A post may contain rich markup-like brackets or terminal escape sequences: the table
    shows the brackets literally and never passes escapes to the terminal."""
    base = items()[0]
    hostile = replace(
        base,
        mention=replace(
            base.mention, text="[bold red]pay now[/bold red] [/oops] \x1b[31mred\x1b[0m done"
        ),
        assignee=None,
    )
    table = render_table([hostile], width=80)
    assert "[bold red]pay now[/bold red] [/oops]" in table
    assert "\x1b" not in table


def test_an_undated_post_says_so_instead_of_an_age() -> None:
    """A post without a publication date (the labeled social feeds) is aged from collection:
    the reason says "undated", never "0 min old" as if it had just been written."""
    hn = hn_mentions()[0]
    dated = stored(hn, 1, "negative", -0.6, 0.8)
    undated = replace(dated, published_at=None, collected_at=NOW - timedelta(minutes=20))
    assert any(r.endswith(" old") for r in urgency_breakdown(dated, now=NOW).reasons)
    reasons = urgency_breakdown(undated, now=NOW).reasons
    assert "undated, collected 20 min ago" in reasons
    assert not any(r.endswith(" old") for r in reasons)
