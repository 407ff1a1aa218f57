"""``brandpulse demo`` on its bundled real recordings: what a new user sees.

One demo run (module fixture) is inspected through the database and the CLI: alerts from
several source kinds and languages, none for a 4-5 star review or deleted content; the
replay server answered every request from a recording; the labeled posts the demo serves
are classified mostly as their annotators labeled them; a second run stores and alerts
nothing new and keeps handled and dismissed alerts closed; ``--notify`` sends the alerts
to a local webhook receiver.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.demo import DEMO_DATA, demo_routes
from domain.kinds import crawl_type

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


def inbox(out: Path, state: str = "open") -> list[dict[str, Any]]:
    """``brandpulse inbox --format json --state STATE`` on the demo database."""
    result = runner.invoke(
        app,
        ["inbox", "--format", "json", "--state", state, "--config", str(out / "brandpulse.toml")],
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def source_types(out: Path) -> dict[str, str]:
    """Source and crawl name → stored source type (``crawl:amazon`` for an Amazon crawl)."""
    config = load_config(out / "brandpulse.toml")
    types = {s.name: s.type for s in config.sources}
    return types | {c.name: crawl_type(c.spider) for c in config.crawls}


def export(out: Path) -> list[dict[str, Any]]:
    result = runner.invoke(
        app, ["export", "--format", "jsonl", "--config", str(out / "brandpulse.toml")]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_inbox_opens_with_customers_in_several_languages(demo_run: DemoRun) -> None:
    out, _, _ = demo_run
    items = inbox(out)
    types = source_types(out)
    sources = {types[i["source"]] for i in items}
    assert {"googleplay", "appstore", "social_feed", "hackernews", "crawl:amazon"} <= sources
    assert {i["source_kind"] for i in items} == {"post", "review", "article"}
    assert {"en", "ar", "bg", "ja"} <= {i["language"] for i in items}
    # Customers' posts and reviews first, not press: the top five are reviews and posts.
    assert all(i["source_kind"] != "article" for i in items[:5]), items[:5]
    assert all(i["state"] == "open" for i in items)
    # Every own brand with recorded complaints is in the queue.
    own = {"Twitter", "REALITY", "Kino Arena", "Apple", "Slack", "Lenovo"}
    assert own <= {i["brand"] for i in items}


def test_no_alert_for_a_good_review_or_deleted_content(demo_run: DemoRun) -> None:
    out, _, _ = demo_run
    every = inbox(out, "all")
    assert every
    for item in every:
        assert item["rating"] is None or item["rating"] <= 3, item["text"]
        assert (item["text"] or "").strip() not in DELETED
    # The 5-star Google Play and Amazon reviews and the 4-star App Store reviews (REALITY,
    # and Google, a competitor) are stored, not alerted.
    rows = export(out)
    good = [r for r in rows if r["rating"] is not None and r["rating"] >= 4]
    assert len(good) == 4
    assert not {r["id"] for r in good} & {i["mention_id"] for i in every}
    assert not [r for r in rows if (r["text"] or "").strip() in DELETED - {""}]


def test_every_request_was_answered_by_a_recording(demo_run: DemoRun) -> None:
    """The replay server had a recording for everything the sources asked (no 404), and
    every source ran."""
    _, output, warnings = demo_run
    assert not [w for w in warnings if "no recording" in w], warnings
    assert "FAILED" not in output and "failed" not in output
    for name in (
        "reddit", "reddit-askreddit", "hackernews", "mastodon", "appstore-reality-jp",
        "appstore-google-us", "googleplay-twitter", "arabic-tweets", "bulgarian-reviews",
        "google-alerts-slack", "bluesky", "github", "stackoverflow", "youtube-comments",
        "amazon-lenovo-flex5",
    ):  # fmt: skip
        line = next(ln for ln in output.splitlines() if ln.strip().startswith(name + ":"))
        assert " items, " in line and " new" in line, line


def test_competitor_report_compares_each_client_with_its_competitors(demo_run: DemoRun) -> None:
    """The agency's report: one comparison per client (competitors_of in demo.toml), each
    with one "(you)"; star ratings of at least three brands, from recorded reviews."""
    out, _, _ = demo_run
    data = json.loads((out / "digests" / "competitors.json").read_text(encoding="utf-8"))
    comparisons = {c["own_brand"]: c for c in data["comparisons"]}
    assert list(comparisons) == ["Slack", "Apple", "Twitter", "Kino Arena", "REALITY", "Lenovo"]
    for own, comparison in comparisons.items():
        assert [b["brand"] for b in comparison["brands"] if b["is_own"]] == [own]
    assert {b["brand"] for b in comparisons["Apple"]["brands"]} == {"Apple", "Samsung", "Google"}
    # A client no brand competes with (competitors_of) is compared with nobody: alone.
    assert [b["brand"] for b in comparisons["Lenovo"]["brands"]] == ["Lenovo"]
    assert {b["brand"] for b in comparisons["Slack"]["brands"]} == {
        "Slack", "Microsoft Teams", "Discord",
    }  # fmt: skip
    rated = {b["brand"]: b for b in data["brands"] if b["reviews"]}
    assert {"REALITY", "Twitter", "Google", "Lenovo"} <= set(rated), rated.keys()
    (lenovo,) = rated["Lenovo"]["review_sources"]
    assert (lenovo["source"], lenovo["kind"], lenovo["reviews"]) == (
        "amazon-lenovo-flex5", "crawl:amazon", 2,
    )  # fmt: skip
    assert lenovo["stars"] == {"1": 1, "2": 0, "3": 0, "4": 0, "5": 1}
    google = rated["Google"]["review_sources"][0]
    assert (google["source"], google["reviews"]) == ("appstore-google-us", 6)
    assert google["stars"] == {"1": 3, "2": 2, "3": 0, "4": 1, "5": 0}
    html = (out / "digests" / "competitors.html").read_text(encoding="utf-8")
    assert html.count('<h2 class="cmp">') == 6 and "Samsung (you)" not in html


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
    # the 5-star Amazon review (Sergio M.'s, recorded on the Lenovo Flex 5 product page)
    assert any("| amazon-lenovo-flex5 | Sergio M. |" in e for e in entries), entries


def test_amazon_crawl_alerts_the_one_star_review_not_the_five_star_one(
    demo_run: DemoRun,
) -> None:
    """The Amazon spider's crawl of the recorded Lenovo Flex 5 product page (/dp/): its
    1-star review ("DO NOT UPDATE THE BIOS", R3DNSUPMLBILDY) is an open alert for Lenovo,
    its 5-star review (R2FDN0ZKCNDDLZ) is stored and not alerted."""
    out, _, _ = demo_run
    alerts = [i for i in inbox(out, "all") if i["source"] == "amazon-lenovo-flex5"]
    assert [(a["brand"], a["rating"], a["state"]) for a in alerts] == [("Lenovo", 1.0, "open")]
    assert alerts[0]["author"] == "Daniel G. Alexis"
    assert alerts[0]["text"].startswith("Be careful with this, DO NOT UPDATE THE BIOS")
    rows = [r for r in export(out) if r["source"] == "amazon-lenovo-flex5"]
    assert sorted((r["external_id"], r["rating"]) for r in rows) == [
        ("R2FDN0ZKCNDDLZ", 5.0), ("R3DNSUPMLBILDY", 1.0),
    ]  # fmt: skip
    five = next(r for r in rows if r["rating"] == 5.0)
    assert five["id"] not in {a["mention_id"] for a in alerts}


def test_output_ends_with_the_queue_and_the_commands(demo_run: DemoRun) -> None:
    out, output, _ = demo_run
    tail = output[output.index("Inbox: ") :]
    assert "googleplay-tw" in tail and "appstore-real" in tail
    followup = str(out / "brandpulse.toml")
    for command in ("brandpulse inbox --config", "brandpulse handle", "brandpulse dismiss"):
        assert command in tail, command
    assert followup in tail and "--notify" in tail
    top = inbox(out)[0]
    assert f"#{top['id']} " in tail.splitlines()[3]  # the table's first row


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
    # the crawls' start URLs are served pages (with the server's robots.txt)
    base = "http://127.0.0.1:8765"  # start URLs must be absolute http(s) URLs
    config = load_config(
        DEMO_DATA / "demo.toml", env={"BRANDPULSE_DEMO_URL": base, "BRANDPULSE_DEMO_DIR": "/x"}
    )
    assert config.crawls
    for crawl in config.crawls:
        assert all(url.removeprefix(base) in pages for url in crawl.urls), crawl.urls
    assert "/robots.txt" in pages


def test_second_run_stores_nothing_new_and_keeps_handled_and_dismissed_closed(
    demo_run: DemoRun,
) -> None:
    out, _, _ = demo_run
    config = str(out / "brandpulse.toml")
    before = export(out)
    items = inbox(out)
    first, second = items[0], items[1]
    handled = runner.invoke(
        app, ["handle", str(first["id"]), "--note", "Replied", "--by", "kim", "--config", config]
    )
    assert handled.exit_code == 0, handled.output
    dismissed = runner.invoke(
        app, ["dismiss", str(second["id"]), "--reason", "not-negative", "--config", config]
    )
    assert dismissed.exit_code == 0, dismissed.output
    again = runner.invoke(app, ["demo", "--output", str(out)])
    assert again.exit_code == 0, again.output
    assert "Alerts: 0 raised this run" in again.output  # nothing re-alerted
    assert len(export(out)) == len(before)  # nothing stored twice
    shown = again.output[again.output.index("Inbox: ") :]
    assert f"Inbox: {len(items) - 2} open alerts" in shown
    assert f"#{first['id']} " not in shown and f"#{second['id']} " not in shown
    assert [i["id"] for i in inbox(out)] == [i["id"] for i in items[2:]]
    assert [i["note"] for i in inbox(out, "handled")] == ["Replied"]
    assert [i["dismiss_reason"] for i in inbox(out, "dismissed")] == ["not-negative"]


def test_epilogue_commands_run_where_the_demo_was_started(tmp_path: Path) -> None:
    """After `make demo` the virtual environment is not activated: the printed follow-up
    commands must be the path the demo was started by, not a bare `brandpulse` that the
    shell cannot find."""
    from brandpulse.demo_report import command_prefix

    program = tmp_path / ".venv" / "bin" / "brandpulse"
    program.parent.mkdir(parents=True)
    program.write_text("#!/bin/sh\n", "utf-8")
    program.chmod(0o755)
    assert command_prefix(str(program)) == str(program)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{program.parent}{os.pathsep}{os.environ.get('PATH', '')}")
        assert command_prefix(str(program)) == "brandpulse"
    assert command_prefix("/usr/lib/python3/pytest") == "brandpulse"
