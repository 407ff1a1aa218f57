"""Reddit listener against real PRAW recordings served by a local replay server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import prawcore
import pytest
import requests
from replay_server import ReplayServer, Reply, load_praw_cassette

from listeners import LISTENER_TYPES, listener_class
from listeners.base import Backoff, BrandQuery
from listeners.errors import (
    AccessDenied,
    ListenerError,
    RateLimited,
    SourceDisabled,
    UpstreamError,
)
from listeners.health import is_silent
from listeners.http import HttpClient
from listeners.reddit import RedditListener, RedditSettings, search_query, translate_error
from storage import Repository, init_db, make_engine

FIXTURES = Path(__file__).parent / "fixtures" / "reddit"
COMMENTS = FIXTURES / "TestSubredditStreams.test_comments__with_pause.json"
SUBMISSIONS = FIXTURES / "TestSubredditStreams.test_submissions.json"
SEARCH = FIXTURES / "TestSubreddit.test_search.json"
TOKEN: Reply = (
    200,
    {"Content-Type": "application/json"},
    json.dumps(
        {"access_token": "<ACCESS_TOKEN>", "token_type": "bearer", "expires_in": 3600, "scope": "*"}
    ),
)
JSON = {"Content-Type": "application/json"}


def routes(*cassettes: Path) -> dict[tuple[str, str], list[Reply]]:
    out: dict[tuple[str, str], list[Reply]] = {("POST", "/api/v1/access_token"): [TOKEN]}
    for cassette in cassettes:
        for key, replies in load_praw_cassette(cassette).items():
            out.setdefault(key, []).extend(replies)
    return out


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    engine = make_engine("sqlite:///" + str(tmp_path / "bp.db"))
    init_db(engine)
    repository = Repository(engine)
    repository.sync_source("reddit", "reddit", expected_interval_s=600)
    return repository


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=3, base_s=0.001, cap_s=0.01)) as client:
        yield client


def listener(
    server: ReplayServer,
    http: HttpClient,
    *,
    queries: Sequence[BrandQuery] = (),
    **settings: Any,
) -> RedditListener:
    values: dict[str, Any] = {
        "client_id": "<CLIENT_ID>",
        "client_secret": "<CLIENT_SECRET>",
        "oauth_url": server.url,
        "reddit_url": server.url,
        "search": bool(queries),
        **settings,
    }
    return RedditListener(RedditSettings(**values), name="reddit", http=http, queries=queries)


def run_once(lst: RedditListener, repo: Repository) -> int:
    """What the composition root does: fetch from the stored cursor; store or record."""
    try:
        batch = lst.fetch(repo.get_cursor("reddit"))
    except ListenerError as exc:
        repo.record_failure("reddit", str(exc))
        raise
    return repo.save_mentions(
        "reddit", batch.mentions, cursor=batch.cursor, item_count=batch.item_count
    ).inserted


def health(repo: Repository) -> Any:
    return next(h for h in repo.source_health() if h.name == "reddit")


def test_registered_and_settings_reject_unknown_keys() -> None:
    assert LISTENER_TYPES["reddit"] == "listeners.reddit:RedditListener"
    assert listener_class("reddit") is RedditListener
    with pytest.raises(ValueError, match="subreddit"):
        RedditSettings(subreddit="kakapo")  # type: ignore[call-arg]


def test_comments_replay_maps_real_comments(http: HttpClient) -> None:
    with ReplayServer(routes(COMMENTS)) as server:
        batch = listener(server, http, subreddits=("kakapo",), submissions=False).fetch(None)
        token_call, listing_call = server.requests
    assert token_call.path == "/api/v1/access_token"
    assert token_call.headers["Authorization"].startswith("Basic ")
    assert "grant_type=client_credentials" in token_call.body.decode()
    assert listing_call.path == "/r/kakapo/comments/"
    assert listing_call.query["limit"] == "100" and "before" not in listing_call.query
    assert listing_call.headers["Authorization"] == "bearer <ACCESS_TOKEN>"

    assert len(batch.mentions) == 16 and batch.item_count == 16
    first = batch.mentions[0]
    assert first.external_id == "t1_dgauydy"
    assert first.author == "butt_woman"
    assert first.text == "i lick it"
    assert first.title.startswith("KAKAPO CALLS: I spent 100 days")
    assert first.url == (
        "https://www.reddit.com/r/kakapo/comments/654eqk/"
        "kakapo_calls_i_spent_100_days_last_year_making/dgauydy/"
    )
    assert first.published_at == datetime(2017, 4, 15, 16, 48, 28, tzinfo=UTC)
    assert first.engagement == 2 and first.brands == ()
    assert first.extra["subreddit"] == "kakapo"
    assert {m.external_id for m in batch.mentions} >= {"t1_dg8ievl", "t1_cg7r41r"}
    assert batch.cursor == {
        "streams": {"comments:kakapo": {"newest": "t1_dgauydy", "newest_utc": 1492274908.0}}
    }


def test_replaying_twice_stores_nothing_new(repo: Repository, http: HttpClient) -> None:
    inserted = []
    for _ in range(2):
        with ReplayServer(routes(COMMENTS)) as server:
            batch = listener(server, http, subreddits=("kakapo",), submissions=False).fetch(None)
        inserted.append(repo.save_mentions("reddit", batch.mentions, cursor=batch.cursor).inserted)
    assert inserted == [16, 0]
    assert health(repo).total_mentions == 16


def test_restart_resumes_from_stored_cursor_without_gap(repo: Repository, http: HttpClient) -> None:
    """Recorded: /r/kakapo/comments/ page, then an empty `before` page, then a newer one."""
    with ReplayServer(routes(COMMENTS)) as server:
        assert run_once(listener(server, http, subreddits=("kakapo",), submissions=False), repo)
        # restart: a new listener, cursor read back from the database
        assert repo.get_cursor("reddit") == {
            "streams": {"comments:kakapo": {"newest": "t1_dgauydy", "newest_utc": 1492274908.0}}
        }
        fresh = listener(server, http, subreddits=("kakapo",), submissions=False)
        assert run_once(fresh, repo) == 1
        resumed = server.requests_to("/r/kakapo/comments/")[1:]
    assert resumed[0].query["before"] == "t1_dgauydy"
    assert "before" not in resumed[1].query  # anchor check: empty page → one plain page
    stored = {m.external_id: m for m in repo.mentions()}
    assert (stored["t1_dgd9bcm"].author, stored["t1_dgd9bcm"].text) == ("elnuno", "Nice one :)")
    assert repo.get_cursor("reddit") == {
        "streams": {"comments:kakapo": {"newest": "t1_dgd9bcm", "newest_utc": 1492415114.0}}
    }
    assert health(repo).total_mentions == 17


def test_submissions_resume_with_before(repo: Repository, http: HttpClient) -> None:
    with ReplayServer(routes(SUBMISSIONS)) as server:
        assert run_once(listener(server, http, subreddits=("all",), comments=False), repo) == 100
        fresh = listener(server, http, subreddits=("all",), comments=False)
        batch = fresh.fetch(repo.get_cursor("reddit"))
        second = server.requests_to("/r/all/new")[1]
    assert second.query["before"] == "t3_5jo13y"
    assert [m.external_id for m in batch.mentions] == [
        "t3_5jo144",
        "t3_5jo143",
        "t3_5jo141",
        "t3_5jo140",
    ]
    top = batch.mentions[0]
    assert (top.external_id, top.author) == ("t3_5jo144", "3joan")
    assert top.title.startswith("Newly discovered disease could hold key to Alzheim")
    assert top.url.startswith("https://www.reddit.com/r/UpliftingNews/comments/5jo144/")
    assert top.comment_count == 0 and top.engagement == 1
    assert batch.cursor == {
        "streams": {"new:all": {"newest": "t3_5jo144", "newest_utc": 1482373052.0}}
    }


def test_search_per_brand(http: HttpClient) -> None:
    queries = [BrandQuery("PRAW", ("praw oauth search",))]
    with ReplayServer(routes(SEARCH)) as server:
        batch = listener(server, http, queries=queries).fetch(None)
        (call,) = server.requests_to("/r/all/search/")
    assert call.query["q"] == '"praw oauth search"'
    assert call.query["sort"] == "new" and call.query["restrict_sr"] == "false"
    assert len(batch.mentions) == 6
    by_id = {m.external_id: m for m in batch.mentions}
    hit = by_id["t3_3gpbiu"]
    assert hit.author == "dClauzel"
    assert hit.title.startswith("[PRAW][OAuth2Util] Problem using get_banned()")
    assert hit.comment_count == 21 and hit.engagement == 0
    assert "search:PRAW" in batch.cursor["streams"]  # type: ignore[index]


def test_search_query_syntax() -> None:
    assert search_query(["Acme", "Acme Cloud", " "]) == 'Acme OR "Acme Cloud"'


def test_429_then_recovery_loses_nothing(http: HttpClient) -> None:
    rules = routes(COMMENTS)
    rules[("GET", "/r/kakapo/comments/")].insert(0, (429, {"Retry-After": "0"}, ""))
    with ReplayServer(rules) as server:
        batch = listener(server, http, subreddits=("kakapo",), submissions=False).fetch(None)
        calls = server.requests_to("/r/kakapo/comments/")
    assert len(calls) == 2
    assert len(batch.mentions) == 16


def test_persistent_429_raises_keeps_cursor_and_flags_silent(
    repo: Repository, http: HttpClient
) -> None:
    with ReplayServer(routes(COMMENTS)) as server:
        run_once(listener(server, http, subreddits=("kakapo",), submissions=False), repo)
    cursor = repo.get_cursor("reddit")
    failing = {
        ("POST", "/api/v1/access_token"): [TOKEN],
        ("GET", "/r/kakapo/comments/"): [(429, {"Retry-After": "0"}, "")],
    }
    with ReplayServer(failing) as server:
        for attempt in range(1, 4):
            with pytest.raises(RateLimited) as info:
                run_once(listener(server, http, subreddits=("kakapo",), submissions=False), repo)
            assert info.value.source == "reddit"
            assert health(repo).consecutive_failures == attempt
        assert len(server.requests_to("/r/kakapo/comments/")) == 9  # 3 runs x 3 attempts
    assert repo.get_cursor("reddit") == cursor
    state = health(repo)
    assert "429" in (state.last_error or "")
    assert is_silent(state, datetime.now(UTC))


def test_partial_failure_raises_and_cursor_stays(repo: Repository, http: HttpClient) -> None:
    """Comments succeed, the brand search keeps failing: the whole fetch fails."""
    rules = routes(COMMENTS)
    rules[("GET", "/r/all/search/")] = [(429, {"Retry-After": "0"}, "")]
    with ReplayServer(rules) as server:
        lst = listener(
            server,
            http,
            subreddits=("kakapo",),
            submissions=False,
            queries=[BrandQuery("A", ("a",))],
        )
        with pytest.raises(RateLimited):
            run_once(lst, repo)
    assert repo.get_cursor("reddit") is None
    assert health(repo).total_mentions == 0


def test_403_is_access_denied_without_retry(http: HttpClient) -> None:
    rules = {
        ("POST", "/api/v1/access_token"): [TOKEN],
        ("GET", "/r/kakapo/comments/"): [(403, JSON, '{"message": "Forbidden", "error": 403}')],
    }
    with ReplayServer(rules) as server:
        with pytest.raises(AccessDenied, match="client id/secret"):
            listener(server, http, subreddits=("kakapo",), submissions=False).fetch(None)
        assert len(server.requests_to("/r/kakapo/comments/")) == 1


def test_bad_credentials_at_token_endpoint_are_access_denied(http: HttpClient) -> None:
    rules = {("POST", "/api/v1/access_token"): [(401, JSON, '{"error": "invalid_client"}')]}
    with ReplayServer(rules) as server, pytest.raises(AccessDenied):
        listener(server, http, subreddits=("kakapo",)).fetch(None)


def test_missing_credentials_disable_the_source(http: HttpClient) -> None:
    with ReplayServer({}) as server:
        lst = listener(server, http, subreddits=("kakapo",), client_id="", client_secret="")
        with pytest.raises(SourceDisabled, match="REDDIT_CLIENT_ID") as info:
            lst.fetch(None)
        assert server.requests == []
    assert "REDDIT_CLIENT_SECRET" in info.value.hint


def test_rate_limit_headers_delay_the_next_request(http: HttpClient) -> None:
    """Reddit's X-Ratelimit-* headers are obeyed (prawcore waits for the reset)."""
    rules = routes(COMMENTS)
    status, headers, body = rules[("GET", "/r/kakapo/comments/")][0]
    spent = {**headers, "x-ratelimit-remaining": "0", "x-ratelimit-used": "100"}
    rules[("GET", "/r/kakapo/comments/")][0] = (status, {**spent, "x-ratelimit-reset": "1"}, body)
    with ReplayServer(rules) as server:
        lst = listener(server, http, subreddits=("kakapo",), submissions=False)
        batch = lst.fetch(None)
        started = time.monotonic()
        lst.fetch(batch.cursor)  # same PRAW session: must wait for the window to reset
        waited = time.monotonic() - started
    assert waited >= 0.9


def _response(status: int, headers: Mapping[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response._content = b"{}"
    return response


def test_prawcore_errors_translate_in_one_place() -> None:
    assert isinstance(
        translate_error(prawcore.ServerError(_response(503)), source="r"), UpstreamError
    )
    limited = translate_error(
        prawcore.TooManyRequests(_response(429, {"retry-after": "7"})), source="r"
    )
    assert isinstance(limited, RateLimited) and limited.retry_after == 7.0
    assert isinstance(translate_error(prawcore.Forbidden(_response(403)), source="r"), AccessDenied)
    assert translate_error(prawcore.Forbidden(_response(403)), source="r").source == "r"
