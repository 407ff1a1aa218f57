"""App Store listener on a real customer-reviews feed subset (DayBySay/Reviewer fixture)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from replay_server import ReplayServer

from listeners import listener_class
from listeners.appstore import AppStoreListener, AppStoreSettings
from listeners.base import Backoff
from listeners.errors import NotFound, RateLimited
from listeners.http import HttpClient
from storage import Repository, init_db, make_engine

FEED = Path(__file__).parent / "fixtures" / "appstore" / "customerreviews_jp_1404176564.json"
BODY = FEED.read_text()
PAGE1 = "/jp/rss/customerreviews/page=1/id=1404176564/sortBy=mostRecent/json"


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=3, base_s=0.001, cap_s=0.01)) as client:
        yield client


def make(server: ReplayServer, http: HttpClient) -> AppStoreListener:
    settings = AppStoreSettings(app_id="1404176564", country="jp", base_url=server.url)
    return AppStoreListener(settings, name="ios", http=http, queries=())


def test_maps_real_reviews_with_ratings(http: HttpClient) -> None:
    assert listener_class("appstore") is AppStoreListener
    with ReplayServer({("GET", PAGE1): [(200, {}, BODY)]}) as server:
        batch = make(server, http).fetch(None)
        (call,) = server.requests
    assert call.path == PAGE1
    assert [m.external_id for m in batch.mentions] == [
        "6290024630",
        "6285559638",
        "6282758619",
        "6281770599",
    ]
    first, second = batch.mentions[:2]
    assert (first.author, first.title, first.rating) == ("ヤミ。", "神アプリ", 4.0)
    assert first.text.startswith("とにかく周りの人皆んなが暖かく")
    assert "\n面白い人がたくさんいるので" in first.text
    assert first.url == "https://itunes.apple.com/jp/review?id=1404176564&type=Purple%20Software"
    assert first.engagement == 0 and first.extra["app_version"] == "3.4.3"
    assert first.published_at is None  # this recording has no per-entry "updated"
    assert (second.rating, second.title) == (2.0, "ストーキング機能を消して…")
    assert [m.rating for m in batch.mentions] == [4.0, 2.0, 1.0, 1.0]
    assert batch.cursor == {"newest_id": "6290024630"}


def test_restart_reads_only_newer_reviews_and_stores_nothing_twice(
    tmp_path: Path, http: HttpClient
) -> None:
    engine = make_engine("sqlite:///" + str(tmp_path / "bp.db"))
    init_db(engine)
    repo = Repository(engine)
    repo.sync_source("ios", "appstore")
    older = json.loads(BODY)
    older["feed"]["entry"] = older["feed"]["entry"][1:]  # the feed as it was one review ago
    with ReplayServer(
        {("GET", PAGE1): [(200, {}, json.dumps(older)), (200, {}, BODY), (200, {}, BODY)]}
    ) as server:
        for expected in (3, 1, 0):
            batch = make(server, http).fetch(repo.get_cursor("ios"))
            saved = repo.save_mentions("ios", batch.mentions, cursor=batch.cursor)
            assert saved.inserted == expected
    assert repo.get_cursor("ios") == {"newest_id": "6290024630"}


def test_empty_feed_warns_on_first_run(http: HttpClient) -> None:
    body = json.dumps({"feed": {"author": {"name": {"label": "iTunes Store"}}}})
    with ReplayServer({("GET", PAGE1): [(200, {}, body)]}) as server:
        batch = make(server, http).fetch(None)
    assert batch.mentions == [] and "check app_id" in batch.warnings[0]
    assert batch.cursor is None


def test_errors_map_and_recover(http: HttpClient) -> None:
    with ReplayServer({("GET", PAGE1): [(429, {"Retry-After": "0"}, ""), (200, {}, BODY)]}) as s:
        assert len(make(s, http).fetch(None).mentions) == 4
    limited = {("GET", PAGE1): [(429, {"Retry-After": "0"}, "")]}
    with ReplayServer(limited) as server, pytest.raises(RateLimited):
        make(server, http).fetch(None)
    with ReplayServer({}) as server, pytest.raises(NotFound):
        make(server, http).fetch(None)
