"""Mastodon listener against real rtoot recordings (fosstodon.org, 2025-07) replayed locally."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer, Reply, load_vcr_yaml

from listeners import listener_class
from listeners.base import Backoff, BrandQuery
from listeners.errors import ListenerError, MalformedResponse, UpstreamError
from listeners.health import is_silent
from listeners.http import HttpClient
from listeners.mastodon import MastodonListener, MastodonSettings, link_params
from storage import Repository, init_db, make_engine

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"
TAG_PATH = "/api/v1/timelines/tag/rstats"
PUBLIC_PATH = "/api/v1/timelines/public"
ACCOUNT_PAGES = "get_account_statuses_limit.yml"


def recorded(name: str) -> list[Reply]:
    """Every recorded response of a cassette, in order (their queries dropped)."""
    return [reply for replies in load_vcr_yaml(FIXTURES / name).values() for reply in replies]


def statuses_of(reply: Reply) -> list[dict[str, Any]]:
    body = reply[2]
    return json.loads(body)  # type: ignore[no-any-return]


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=3, base_s=0.001, cap_s=0.01)) as client:
        yield client


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    engine = make_engine("sqlite:///" + str(tmp_path / "bp.db"))
    init_db(engine)
    repository = Repository(engine)
    repository.sync_source("masto", "mastodon", expected_interval_s=300)
    return repository


def make(server: ReplayServer, http: HttpClient, **settings: Any) -> MastodonListener:
    queries = settings.pop("queries", ())
    values: dict[str, Any] = {"instances": (server.url,), "search": False, **settings}
    return MastodonListener(MastodonSettings(**values), name="masto", http=http, queries=queries)


def run_once(listener: MastodonListener, repo: Repository) -> int:
    try:
        batch = listener.fetch(repo.get_cursor("masto"))
    except ListenerError as exc:
        repo.record_failure("masto", str(exc))
        raise
    return repo.save_mentions("masto", batch.mentions, cursor=batch.cursor).inserted


def test_hashtag_timeline_maps_real_statuses(http: HttpClient) -> None:
    assert listener_class("mastodon") is MastodonListener
    with ReplayServer({("GET", TAG_PATH): recorded("get_timeline_hashtag_default.yml")}) as server:
        batch = make(server, http, hashtags=("#rstats",)).fetch(None)
        (call,) = server.requests
    assert call.path == TAG_PATH and call.query == {"limit": "40"}
    assert len(batch.mentions) == 5
    first = batch.mentions[0]
    assert first.external_id == "https://rstats.me/users/simonpcouch/statuses/114870142137562212"
    assert first.url == "https://rstats.me/@simonpcouch/114870142137562212"
    assert first.author == "simonpcouch@rstats.me"
    assert first.text.startswith("After a month or so of not using Claude Code much to write R")
    assert "<" not in first.text and "#rstats package documentation" in first.text
    # the link's hidden parts are kept, so the full URL survives
    assert "https://www.simonpcouch.com/blog/2025-07-17-claude-code-2/" in first.text
    assert first.published_at == datetime(2025, 7, 17, 19, 7, 48, tzinfo=UTC)
    assert (first.engagement, first.comment_count, first.author_followers) == (1, 0, 656)
    assert first.language == "en" and first.brands == ()
    authors = [m.author for m in batch.mentions]
    assert authors[1:3] == ["useR_conf@mastodon.social", "zkamvar@hachyderm.io"]
    host = server.url.removeprefix("http://")
    assert batch.cursor == {"streams": {f"{host} tag:rstats": {"min_id": "114870142263126875"}}}


def test_replaying_twice_stores_nothing_new(repo: Repository, http: HttpClient) -> None:
    inserted = []
    for _ in range(2):
        with ReplayServer(
            {("GET", PUBLIC_PATH): recorded("get_timeline_public_default.yml")}
        ) as server:
            batch = make(server, http, public_timeline=True).fetch(None)
        inserted.append(repo.save_mentions("masto", batch.mentions, cursor=batch.cursor).inserted)
    assert inserted == [20, 0]


def test_restart_resumes_with_min_id_and_follows_link_prev(
    repo: Repository, http: HttpClient
) -> None:
    """Run 1 reads the newest page; after a restart the stored id is sent as min_id, and
    full pages are followed through Link rel="prev" (real pages of a recorded account)."""
    pages = recorded(ACCOUNT_PAGES)  # 5 pages of 20, newest first, with Link headers
    oldest, older = pages[4], pages[3]
    routes = {("GET", TAG_PATH): [oldest, oldest, older, (200, {}, "[]")]}
    with ReplayServer(routes) as server:
        assert run_once(make(server, http, hashtags=("rstats",), limit=20), repo) == 20
        stored = repo.get_cursor("masto")
        assert stored is not None
        (state,) = stored["streams"].values()
        assert state == {"min_id": "111914731315376237"}  # newest id on that page

        restarted = make(server, http, hashtags=("rstats",), limit=20)
        assert run_once(restarted, repo) == 20  # page repeated (0 new) + the next page (20)
        calls = server.requests_to(TAG_PATH)
    assert "min_id" not in calls[0].query
    assert calls[1].query["min_id"] == "111914731315376237"
    prev = link_params(oldest[1]["link"])["prev"]["min_id"]
    assert calls[2].query["min_id"] == prev == "111914731315376237"
    assert calls[3].query["min_id"] == link_params(older[1]["link"])["prev"]["min_id"]
    assert len(calls) == 4  # the empty page ends the walk
    (state,) = repo.get_cursor("masto")["streams"].values()  # type: ignore[index]
    assert state == {"min_id": "112384593252533832"}


def test_link_header_parsing() -> None:
    header = (
        '<https://x.example/api/v1/timelines/tag/a?limit=5&max_id=11>; rel="next", '
        '<https://x.example/api/v1/timelines/tag/a?limit=5&min_id=22>; rel="prev"'
    )
    assert link_params(header) == {
        "next": {"limit": "5", "max_id": "11"},
        "prev": {"limit": "5", "min_id": "22"},
    }
    assert link_params(None) == {}


def test_rate_limit_budget_spent_stops_paging_without_loss(http: HttpClient) -> None:
    pages = recorded(ACCOUNT_PAGES)
    status, headers, body = pages[4]
    spent = (status, {**headers, "x-ratelimit-remaining": "0"}, body)
    with ReplayServer({("GET", TAG_PATH): [spent]}) as server:
        listener = make(server, http, hashtags=("rstats", "python"), limit=20)
        batch = listener.fetch({"streams": {}})
        assert len(server.requests) == 1  # the second hashtag waits for the next run
    assert len(batch.mentions) == 20
    assert any("rate limit" in w for w in batch.warnings)
    assert list(batch.cursor["streams"].values()) == [{"min_id": "111914731315376237"}]  # type: ignore[index]


def test_429_then_recovery_loses_nothing(http: HttpClient) -> None:
    replies = [(429, {"Retry-After": "0"}, ""), *recorded("get_timeline_hashtag_default.yml")]
    with ReplayServer({("GET", TAG_PATH): replies}) as server:
        batch = make(server, http, hashtags=("rstats",)).fetch(None)
        assert len(server.requests) == 2
    assert len(batch.mentions) == 5


def test_failing_instance_raises_and_is_flagged(repo: Repository, http: HttpClient) -> None:
    with ReplayServer({("GET", TAG_PATH): [(503, {}, "down")]}) as server:
        for _ in range(3):
            with pytest.raises(UpstreamError, match="503"):
                run_once(make(server, http, hashtags=("rstats",)), repo)
    (state,) = repo.source_health()
    assert state.consecutive_failures == 3 and state.cursor is None
    assert is_silent(state, datetime.now(UTC))


def test_non_mastodon_reply_is_malformed(http: HttpClient) -> None:
    routes: dict[tuple[str, str], list[Reply]] = {("GET", TAG_PATH): [(200, {}, "<html>hi</html>")]}
    with ReplayServer(routes) as server, pytest.raises(MalformedResponse, match="instance URL"):
        make(server, http, hashtags=("rstats",)).fetch(None)


def test_search_needs_a_token_and_resumes_with_min_id(http: HttpClient) -> None:
    """No status-search recording exists: the hashtag recording's real statuses are served
    in the documented v2 Search wrapper ``{"accounts": [], "statuses": [...], ...}``."""
    statuses = statuses_of(recorded("get_timeline_hashtag_default.yml")[0])
    body = json.dumps({"accounts": [], "statuses": statuses, "hashtags": []})
    queries = [BrandQuery("Claude", ("Claude Code", "Claude"))]
    with ReplayServer({("GET", "/api/v2/search"): [(200, {}, body)]}) as server:
        without = make(server, http, search=True, queries=queries).fetch(None)
        assert server.requests == [] and without.mentions == []
        assert "access_token" in without.warnings[0]

        listener = make(server, http, search=True, access_token="<TOKEN>", queries=queries)
        batch = listener.fetch(None)
        again = make(server, http, search=True, access_token="<TOKEN>", queries=queries)
        again.fetch(batch.cursor)
        first, second = server.requests
    assert first.headers["Authorization"] == "Bearer <TOKEN>"
    assert first.query["q"] == '"Claude Code" OR Claude' and first.query["type"] == "statuses"
    assert len(batch.mentions) == 5
    assert second.query["min_id"] == "114870142263126875"
