"""The lxml fast path for plain RSS/Atom feeds (listeners/feeds_fast.py, issue 14) returns
exactly what the feedparser path returns, on the real feeds we have: the feedjira sample
feeds (MIT; tests/fixtures/feeds and brandpulse/demo_data/feeds, see their README) and, when
present, the same collection in ../shared/data/sources/feeds."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO_FEEDS, FIXTURES, SHARED_DATA
from empty_feed_item import blank_first_item

import listeners.feeds
from listeners.feeds import parse_feed
from listeners.feeds_fast import parse_plain_xml

FEEDS = sorted(
    {
        p.name: p
        for base in (SHARED_DATA / "sources" / "feeds", FIXTURES / "feeds", DEMO_FEEDS)
        for p in base.glob("*.xml")
    }.values()
)


def feedparser_path(body: bytes, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What parse_feed returns with the fast path switched off (feedparser reads it)."""
    with monkeypatch.context() as patch:
        patch.setattr(listeners.feeds, "parse_plain_xml", lambda *_a, **_k: None)
        mentions, _warnings = parse_feed(body, source="news", url="https://example.test/feed")
    return list(mentions)


@pytest.mark.parametrize("path", FEEDS, ids=lambda p: p.name)
def test_fast_path_records_equal_feedparsers(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = path.read_bytes()
    fast = parse_plain_xml(body, source="news")
    if fast is not None:
        assert fast == feedparser_path(body, monkeypatch)
        mentions, warnings = parse_feed(body, source="news", url="https://example.test/feed")
        assert (mentions, warnings) == (fast, [])


@pytest.mark.parametrize("name", ["TechCrunch.xml", "google_alerts_atom.xml"])
def test_an_item_without_title_or_text_keeps_the_fast_path_and_equal_records(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = blank_first_item((DEMO_FEEDS / name).read_bytes())
    fast = parse_plain_xml(body, source="news")
    assert fast is not None and (fast[0].title, fast[0].text) == ("", "")
    assert fast == feedparser_path(body, monkeypatch)


def test_the_plain_feeds_take_the_fast_path_and_the_others_feedparser() -> None:
    taken = {p.name for p in FEEDS if parse_plain_xml(p.read_bytes(), source="news") is not None}
    # TechCrunch (RSS 2.0, 200 KB: where feedparser is slowest) and Google Alerts (Atom).
    assert {"TechCrunch.xml", "google_alerts_atom.xml"} <= taken
    # YouTube's media:group (feedparser reads media:description as the summary), an
    # unparseable date, XHTML content and unknown item elements go to feedparser.
    assert not taken & {
        "youtube_atom.xml",
        "InvalidDateFormat.xml",
        "DuplicateContentAtomFeed.xml",
        "HuffPostCanada.xml",
    }


def test_non_feeds_and_broken_xml_are_left_to_feedparser() -> None:
    techcrunch = (DEMO_FEEDS / "TechCrunch.xml").read_bytes()
    assert parse_plain_xml(techcrunch[: len(techcrunch) // 2], source="news") is None
    assert parse_plain_xml(b"<html><body>login</body></html>", source="news") is None
