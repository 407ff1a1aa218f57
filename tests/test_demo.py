"""``brandpulse demo`` on its bundled real recordings: what a new user sees.

One demo run (module fixture) is inspected through the database and the CLI: alerts from
several source kinds and languages, none for a 4-5 star review or deleted content; the
replay server answered every request from a recording; the labeled posts the demo serves
are classified mostly as their annotators labeled them; a second run stores and alerts
nothing new; ``--notify`` sends the alerts to a local webhook receiver.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.demo import DEMO_DATA, demo_routes
from brandpulse.pipeline import open_repository
from domain.kinds import source_kind
from storage.records import AlertItem

runner = CliRunner()
DELETED = {"[deleted]", "[removed]", ""}
DemoRun = tuple[Path, str, list[str]]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One demo run: (output folder, what it printed, warnings of ``brandpulse.demo``)."""
    out = tmp_path_factory.mktemp("demo")
    collect = _Collect()
    demo_logger = logging.getLogger("brandpulse.demo")
    demo_logger.addHandler(collect)
    try:
        result = runner.invoke(app, ["demo", "--output", str(out)])
    finally:
        demo_logger.removeHandler(collect)
    assert result.exit_code == 0, result.output
    return out, result.output, collect.messages


def open_alerts(out: Path) -> tuple[list[AlertItem], dict[str, str]]:
    """Every alert of the demo database, most urgent first, and source name → type."""
    config = load_config(out / "brandpulse.toml")
    repo = open_repository(config)
    alerts = repo.pending_alerts("test:nowhere", since=datetime(1970, 1, 1, tzinfo=UTC))
    return alerts, {s.name: s.type for s in config.sources}


def export(out: Path) -> list[dict[str, Any]]:
    result = runner.invoke(
        app, ["export", "--format", "jsonl", "--config", str(out / "brandpulse.toml")]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_alerts_span_source_kinds_and_languages(demo_run: DemoRun) -> None:
    out, _, _ = demo_run
    alerts, types = open_alerts(out)
    kinds = {types[a.mention.source] for a in alerts}
    languages = {a.mention.language for a in alerts}
    assert {"googleplay", "appstore", "social_feed", "hackernews"} <= kinds, kinds
    assert {"en", "ar", "bg", "ja"} <= languages, languages
    # Customers' posts and reviews, not only press: most alerts call for a public reply.
    voices = [source_kind(types[a.mention.source]).voice for a in alerts]
    assert sum(v != "article" for v in voices) > len(voices) / 2
    # Every own brand with recorded complaints is in the queue.
    assert {"Twitter", "REALITY", "Kino Arena", "Apple", "Slack"} <= {a.brand for a in alerts}


def test_no_alert_for_a_good_review_or_deleted_content(demo_run: DemoRun) -> None:
    out, _, _ = demo_run
    alerts, _ = open_alerts(out)
    assert alerts
    for alert in alerts:
        assert alert.mention.rating is None or alert.mention.rating <= 3, alert.mention.text
        assert (alert.mention.text or "").strip() not in DELETED
    # The 5-star Google Play review and the 4-star App Store review are stored, not alerted.
    rows = export(out)
    good = [r for r in rows if r["rating"] is not None and r["rating"] >= 4]
    assert len(good) == 2
    assert not {r["id"] for r in good} & {a.mention.id for a in alerts}


def test_every_request_was_answered_by_a_recording(demo_run: DemoRun) -> None:
    """The replay server had a recording for everything the sources asked (no 404), and
    every source ran."""
    _, output, warnings = demo_run
    assert not [w for w in warnings if "no recording" in w], warnings
    assert "FAILED" not in output and "failed" not in output
    for name in (
        "reddit", "reddit-askreddit", "hackernews", "mastodon", "appstore-reality-jp",
        "googleplay-twitter", "arabic-tweets", "bulgarian-reviews", "google-alerts-slack",
        "bluesky", "github", "stackoverflow", "youtube-comments",
    ):  # fmt: skip
        line = next(ln for ln in output.splitlines() if ln.strip().startswith(name + ":"))
        assert " items, " in line and " new" in line, line


def test_served_labeled_posts_are_real_and_mostly_classified_as_labeled(
    demo_run: DemoRun,
) -> None:
    out, _, _ = demo_run
    by_text = {r["text"]: r for r in export(out)}
    agree = total = 0
    for name in ("arabic_tweets", "bulgarian_reviews"):
        posts = json.loads((DEMO_DATA / "labeled" / f"{name}.json").read_text("utf-8"))
        labels = json.loads((DEMO_DATA / "labeled" / f"{name}.labels.json").read_text())
        assert set(labels) == {p["ref"] for p in posts}
        for post in posts:
            row = by_text[post["text"]]  # stored unchanged
            total += 1
            agree += row["label"] == labels[post["ref"]]
    assert total == 16
    assert agree >= 12, f"{agree}/{total} labels agree"


def test_thank_you_list_is_customers_not_press(demo_run: DemoRun) -> None:
    out, _, _ = demo_run
    digest = (out / "digests" / "digest.txt").read_text(encoding="utf-8")
    thanks = digest[digest.index("SAY THANK YOU") :].split("\n\n")[0]
    entries = [line for line in thanks.splitlines() if line.startswith("- ")]
    assert len(entries) >= 3, thanks
    press = ("google-alerts-slack", "techcrunch", "inessential-blog", "youtube-channel")
    assert not [e for e in entries if any(f"| {p} |" in e for p in press)], entries
    assert any("googleplay-twitter" in e for e in entries)  # the 5-star review


def test_output_ends_with_the_queue_and_the_commands(demo_run: DemoRun) -> None:
    out, output, _ = demo_run
    tail = output[output.index("Top of the queue") :]
    assert "Google Play" in tail and "App Store" in tail
    assert "brandpulse export" in tail and str(out / "brandpulse.toml") in tail
    assert "--notify" in tail
    first = tail.splitlines()[1]
    assert first.lstrip().startswith("1. [")


def test_second_run_stores_and_alerts_nothing_new(demo_run: DemoRun) -> None:
    out, _, _ = demo_run
    before = export(out)
    alerts_before, _ = open_alerts(out)
    again = runner.invoke(app, ["demo", "--output", str(out)])
    assert again.exit_code == 0, again.output
    assert "Alerts: 0 raised this run" in again.output
    assert len(export(out)) == len(before)
    assert [a.alert_id for a in open_alerts(out)[0]] == [a.alert_id for a in alerts_before]


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(json.loads(body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A local HTTP receiver for apprise's json:// URLs; yields (URL, bodies received)."""
    received: list[dict[str, Any]] = []
    handler = type("Handler", (_Receiver,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"json://127.0.0.1:{server.server_address[1]}/", received
    finally:
        server.shutdown()
        server.server_close()


def test_notify_sends_the_alerts_to_an_apprise_url(
    demo_run: DemoRun, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    out, _, _ = demo_run
    url, received = webhook
    result = runner.invoke(app, ["demo", "--output", str(out), "--notify", url])
    assert result.exit_code == 0, result.output
    assert len(received) == 1
    message = received[0]
    assert "Twitter is just very buggy" in message["message"]
    assert "negative mentions to answer" in message["title"]
    # Delivered once: the next run sends nothing new to the same URL.
    again = runner.invoke(app, ["demo", "--output", str(out), "--notify", url])
    assert again.exit_code == 0, again.output
    assert len(received) == 1
    # The URL is used for the run only: the follow-up config does not carry it.
    assert url not in (out / "brandpulse.toml").read_text()


def test_routes_cover_every_configured_source() -> None:
    """Each source of the demo config has a recording behind its URL or API path."""
    routes, pages = demo_routes()
    text = (DEMO_DATA / "demo.toml").read_text()
    for page in pages:
        assert page.rsplit("/", 1)[-1] in text
    assert ("POST", "/api/v1/access_token") in routes
    assert ("POST", "/_/PlayStoreUi/data/batchexecute") in routes
