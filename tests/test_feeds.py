"""Feed listener on real recorded feeds (feedjira samples), served from 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import DEMO_FEEDS, FIXTURES
from empty_feed_item import blank_first_item
from replay_server import ReplayServer
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline
from listeners import Backoff, HttpClient, MalformedResponse, NotFound, SourceUnavailable
from listeners.feeds import FeedListener, FeedSettings, parse_feed, unwrap_google_redirect
from sentiment import VaderAnalyzer


def read(path: str) -> bytes:
    base = DEMO_FEEDS if (DEMO_FEEDS / path).exists() else FIXTURES / "feeds"
    return (base / path).read_bytes()


def fast_http() -> HttpClient:
    return HttpClient(backoff=Backoff(attempts=2, base_s=0), sleep=lambda _s: None)


def test_google_alerts_entries_are_unwrapped_and_plain() -> None:
    mentions, warnings = parse_feed(read("google_alerts_atom.xml"), source="ga", url="u")
    assert warnings == []
    assert len(mentions) == 20
    first = mentions[0]
    assert first.title.startswith("Report offers Prediction of Automotive Slack Market")
    assert "<b>" not in first.title and "<b>" not in first.text
    assert first.url.startswith("https://www.aglobalmarketresearch.com/report-offers-prediction")
    assert first.external_id == "tag:google.com,2013:googlealerts/feed:8974135267215335962"
    assert first.published_at == datetime(2019, 7, 10, 11, 53, 37, tzinfo=UTC)
    assert all("google.com/url" not in m.url for m in mentions)


def test_unwrap_leaves_ordinary_links_alone() -> None:
    assert unwrap_google_redirect("https://example.com/url?url=https://x") == (
        "https://example.com/url?url=https://x"
    )


def test_rss_json_feed_and_youtube_parse() -> None:
    rss, _ = parse_feed(read("TechCrunch.xml"), source="tc", url="u")
    assert len(rss) == 20 and all(m.url.startswith("http") for m in rss)
    assert any("Gmail" in m.title for m in rss)
    json_feed, _ = parse_feed(read("json_feed.json"), source="j", url="u")
    assert len(json_feed) == 20
    assert json_feed[0].author == "Brent Simmons" and json_feed[0].language == "en"
    youtube, _ = parse_feed(read("youtube_atom.xml"), source="y", url="u")
    assert youtube and all(m.external_id.startswith("yt:video:") for m in youtube)


def test_invalid_date_is_tolerated() -> None:
    mentions, _ = parse_feed(read("InvalidDateFormat.xml"), source="d", url="u")
    assert [m.title for m in mentions] == [
        "Item 0 with an invalid date",
        "Item 1 with all valid dates",
    ]
    assert mentions[0].published_at == datetime(2017, 10, 16, 15, 10, tzinfo=UTC)


def test_html_page_instead_of_feed_is_a_clear_error() -> None:
    page = b"<html><head><title>Login</title></head><body><p>Please sign in</body></html>"
    with pytest.raises(MalformedResponse, match=r"source 'ga': .* not a readable .*feed"):
        parse_feed(page, source="ga", url="https://x/feed")


def test_truncated_feed_is_malformed() -> None:
    body = read("google_alerts_atom.xml")[:300]
    with pytest.raises(MalformedResponse):
        parse_feed(body, source="ga", url="u")


def test_conditional_get_uses_stored_validators() -> None:
    body = read("HuffPostCanada.xml")
    routes = {
        ("GET", "/feed.xml"): [
            (200, {"ETag": '"v1"', "Last-Modified": "Tue, 10 Nov 2026 10:00:00 GMT"}, body),
            (304, {}, b""),
        ]
    }
    with ReplayServer(routes) as server, fast_http() as http:
        listener = FeedListener(FeedSettings(url=server.url + "/feed.xml"), name="hp", http=http)
        first = listener.fetch(None)
        second = listener.fetch(first.cursor)
        sent = server.requests[1].headers
    assert len(first.mentions) == 2  # the recording holds two items
    assert first.cursor == {"etag": '"v1"', "last_modified": "Tue, 10 Nov 2026 10:00:00 GMT"}
    assert sent.get("If-None-Match") == '"v1"'
    assert sent.get("If-Modified-Since") == "Tue, 10 Nov 2026 10:00:00 GMT"
    assert second.mentions == [] and second.cursor == first.cursor


def test_http_errors_name_the_source() -> None:
    routes = {("GET", "/gone.xml"): [(404, {}, b"")], ("GET", "/down.xml"): [(503, {}, b"")]}
    with ReplayServer(routes) as server, fast_http() as http:
        gone = FeedListener(FeedSettings(url=server.url + "/gone.xml"), name="old", http=http)
        with pytest.raises(NotFound, match="source 'old': HTTP 404"):
            gone.fetch(None)
        down = FeedListener(FeedSettings(url=server.url + "/down.xml"), name="flaky", http=http)
        with pytest.raises(SourceUnavailable, match="source 'flaky': HTTP 503"):
            down.fetch(None)
        assert len(server.requests_to("/down.xml")) == 2, "5xx is retried"


def test_unreachable_host_is_source_unavailable() -> None:
    with fast_http() as http:
        listener = FeedListener(
            FeedSettings(url="http://127.0.0.1:9/feed"), name="nowhere", http=http
        )
        with pytest.raises(SourceUnavailable, match="source 'nowhere': cannot reach"):
            listener.fetch(None)


@pytest.mark.parametrize(
    "name", ["TechCrunch.xml", "google_alerts_atom.xml", "InvalidDateFormat.xml", "json_feed.json"]
)
def test_an_item_without_title_or_text_is_handed_on_not_dropped(name: str) -> None:
    """The intake, not the parser, decides such an item is not stored (and counts it)."""
    whole, _ = parse_feed(read(name), source="s", url="u")
    mentions, _ = parse_feed(blank_first_item(read(name)), source="s", url="u")
    assert len(mentions) == len(whole)
    assert (mentions[0].title, mentions[0].text) == ("", "")
    assert mentions[0].external_id == whole[0].external_id
    assert mentions[1:] == whole[1:]


FEED_CONFIG = """
[database]
url = "sqlite:///{db}"
[[brands]]
name = "Facebook"
own = true
[[sources]]
name = "techcrunch"
type = "feed"
url = "{base}/feed.xml"
[alerts]
max_age_hours = 1000000
[digest]
output_dir = "{out}"
"""


def test_an_empty_feed_item_is_counted_as_skipped_per_source(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    body = blank_first_item(read("TechCrunch.xml"))  # its first item is Angie's List's IPO
    with ReplayServer({("GET", "/feed.xml"): [(200, {}, body)]}) as server:
        path = tmp_path / "bp.toml"
        path.write_text(
            FEED_CONFIG.format(db=tmp_path / "bp.db", base=server.url, out=tmp_path / "out")
        )
        pipeline = Pipeline(load_config(path, env={}), analyzer=VaderAnalyzer())
        with caplog.at_level(logging.WARNING):
            (run,) = pipeline.run_once().sources
    assert run.ok and run.fetched == 20
    assert run.skipped["deleted"] == 1 and run.inserted == 5  # the five naming Facebook
    assert "techcrunch: item 'http://techcrunch.com/?p=446154' is deleted or empty" in caplog.text
    table = CliRunner().invoke(app, ["sources", "--config", str(path)]).stdout
    last_run = table[table.index("Last run:") :]
    row = next(line for line in last_run.splitlines() if line.startswith("techcrunch"))
    assert row.split()[1:3] == ["20", "5"] and "deleted 1" in row, table
