"""GitHub listener against a real recorded ``/search/issues`` reply served from 127.0.0.1.

The recording is octokit/fixtures' ``search-issues`` scenario (GitHub's reply of
2018-06-03, normalized by octokit: ids, dates and the token replaced); see
tests/fixtures/github/README.md. Body and headers are served as recorded.
"""

from __future__ import annotations

import ast
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer

from domain.records import InvalidRecord, SkipReason, check_mention
from listeners import listener_class
from listeners.base import Backoff, BrandQuery
from listeners.errors import AccessDenied, MalformedResponse, RateLimited, UpstreamError
from listeners.github import GitHubListener, GitHubSettings, issue_to_mention
from listeners.http import HttpClient

FIXTURE = Path(__file__).parent / "fixtures" / "github" / "search-issues.normalized-fixture.json"
(RECORDED,) = json.loads(FIXTURE.read_text(encoding="utf-8"))
BODY = json.dumps(RECORDED["response"])
HEADERS: dict[str, str] = dict(RECORDED["headers"])
PATH = "/search/issues"
# PyGithub's replay of a real search of 2014-03-03 (30 items, 19 pull requests): the file
# holds the request and, on lines 9 and 10, the response headers and body
PYGITHUB = (FIXTURE.parent / "Search.testSearchIssues.txt").read_text(encoding="utf-8")
PYGITHUB_HEADERS: dict[str, str] = dict(ast.literal_eval(PYGITHUB.split("\n")[8]))
PYGITHUB_BODY = PYGITHUB.split("\n")[9]
REPO = "octokit-fixture-org/search-issues"
QUERIES = [BrandQuery("Sesame", ("sesame",))]
TOKEN = "ghp_TESTTOKEN0123456789abcdefghijklmnopq"


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=3, base_s=0.001, cap_s=0.01)) as client:
        yield client


def make(server: ReplayServer, http: HttpClient, **settings: Any) -> GitHubListener:
    values: dict[str, Any] = {"base_url": server.url, "repos": (REPO,)}
    return GitHubListener(
        GitHubSettings(**{**values, **settings}), name="gh", http=http, queries=QUERIES
    )


def test_maps_the_recorded_search_reply(http: HttpClient) -> None:
    assert listener_class("github") is GitHubListener
    with ReplayServer({("GET", PATH): [(200, HEADERS, BODY)]}) as server:
        batch = make(server, http).fetch(None)
        (call,) = server.requests  # first run: one page
    # the recorded request's query, plus issues-only; sorted by update, newest first
    assert call.query["q"] == f"sesame repo:{REPO} is:issue"
    assert (call.query["sort"], call.query["order"], call.query["page"]) == ("updated", "desc", "1")
    assert "Authorization" not in call.headers  # no token configured
    assert batch.item_count == 2 and len(batch.mentions) == 2
    second, first = batch.mentions
    assert (second.external_id, second.title, second.author) == (
        "1000",
        "Sesame seeds split without a pop!",
        "octokit-fixture-user-b",
    )
    assert second.text == "I’ve waited all year long, but there was no pop 😭"
    assert second.url == f"https://github.com/{REPO}/issues/2"
    assert (first.external_id, first.title, first.author) == (
        "1001",
        "The doors don’t open",
        "octokit-fixture-user-a",
    )
    assert first.text == 'I tried "open sesame" as seen on Wikipedia but no luck!'
    for mention in batch.mentions:
        assert mention.published_at == datetime(2017, 10, 10, 16, 0, tzinfo=UTC)
        assert (mention.comment_count, mention.engagement) == (42, None)
    assert first.extra == {
        "kind": "issue",
        "repo": REPO,
        "number": 1,
        "state": "open",
        "labels": [],
        "author_association": "MEMBER",
        "updated_at": "2017-10-10T16:00:00Z",
    }
    assert batch.cursor == {
        "streams": {"Sesame": {"since": "2017-10-10T16:00:00Z", "ids": ["1000", "1001"]}}
    }
    assert batch.warnings == []  # X-RateLimit-Remaining was 29


def test_maps_the_2014_recording_issues_only_unless_asked(http: HttpClient) -> None:
    """Another date and shape: in 2014 issues carried ``pull_request`` with null links."""
    assert PYGITHUB.startswith("https\nGET\napi.github.com\nNone\n/search/issues?sort=comments")
    assert PYGITHUB_HEADERS["x-ratelimit-remaining"] == "29"
    with ReplayServer({("GET", PATH): [(200, PYGITHUB_HEADERS, PYGITHUB_BODY)]}) as server:
        batch = make(server, http, repos=()).fetch(None)
    assert batch.item_count == 30  # what the search returned ...
    assert [m.author for m in batch.mentions] == [  # ... of which 11 are issues
        "kiyoto",
        "CPkmn",
        "mlucy",
        "rsa",
        "Amit86",
        "wisesimpson",
        "CrymsonZX",
        "fredhy91",
        "coffeemug",
        "JoSchaap",
        "cjsoftuk",
    ]
    assert {m.extra["kind"] for m in batch.mentions} == {"issue"}
    assert [m.comment_count for m in batch.mentions][:4] == [220, 179, 164, 151]
    spec = batch.mentions[0]
    assert spec.title == (
        "Discussions on the upcoming MessagePack spec that adds the string type to the protocol."
    )
    assert spec.url == "https://github.com/msgpack/msgpack/issues/128"
    assert spec.published_at == datetime(2013, 2, 24, 19, 31, 10, tzinfo=UTC)
    assert spec.text.startswith(
        "This issue continues the discussion that started in [this issue]"
        "(https://github.com/msgpack/msgpack/issues/121), which has grown interminably long."
        "\n\n* [Here is the link]"
    )
    assert (spec.extra["repo"], spec.extra["labels"], spec.extra["state"]) == (
        "msgpack/msgpack",
        ["Spec"],
        "closed",
    )
    crash = batch.mentions[4]
    assert crash.title == "[GDB-Backtrace] Collision BIH::intersectRay<VMAP::GModelRayCallback>"
    assert crash.extra["labels"] == ["HasBacktrace", "Priority-Critical"]
    assert "void Spell::update(uint32 difftime)\n{\n    // update pointers" in crash.text
    assert not any("\r" in m.text for m in batch.mentions)  # \r\n line ends made \n
    # the cursor covers everything the search returned (a pull request is the newest)
    assert batch.cursor == {
        "streams": {"Sesame": {"since": "2014-03-03T03:10:17Z", "ids": ["26274278"]}}
    }
    with ReplayServer({("GET", PATH): [(200, PYGITHUB_HEADERS, PYGITHUB_BODY)]}) as server:
        everything = make(server, http, include_pull_requests=True).fetch(None)
        assert "is:issue" not in server.requests[0].query["q"]
    kinds = [m.extra["kind"] for m in everything.mentions]
    assert (len(kinds), kinds.count("pull_request")) == (30, 19)


def test_resumes_with_updated_qualifier_and_drops_what_it_had(http: HttpClient) -> None:
    cursor = {"streams": {"Sesame": {"since": "2017-10-10T16:00:00Z", "ids": ["1000", "1001"]}}}
    with ReplayServer({("GET", PATH): [(200, HEADERS, BODY)]}) as server:
        batch = make(server, http, per_page=2).fetch(cursor)
        calls = server.requests
    # total_count 2 fits in one page of 2: no second request
    assert [c.query["q"] for c in calls] == [
        f"sesame repo:{REPO} is:issue updated:>=2017-10-10T16:00:00Z"
    ]
    assert batch.mentions == [] and batch.cursor == cursor
    # a cursor newer than everything served (this server ignores updated:>=): nothing kept
    later = {"streams": {"Sesame": {"since": "2018-01-01T00:00:00Z", "ids": []}}}
    with ReplayServer({("GET", PATH): [(200, HEADERS, BODY)]}) as server:
        batch = make(server, http).fetch(later)
    assert batch.mentions == [] and batch.cursor == later


def test_more_than_six_terms_are_split_into_queries_github_accepts(http: HttpClient) -> None:
    terms = ("sesame", "open sesame", "a", "b", "c", "d", "e")
    with ReplayServer({("GET", PATH): [(200, HEADERS, BODY)]}) as server:
        listener = GitHubListener(
            GitHubSettings(base_url=server.url),
            name="gh",
            http=http,
            queries=[BrandQuery("Sesame", terms)],
        )
        batch = listener.fetch(None)
        queries = [r.query["q"] for r in server.requests]
    assert queries == ['sesame OR "open sesame" OR a OR b OR c OR d is:issue', "e is:issue"]
    assert batch.cursor is not None and set(batch.cursor["streams"]) == {"Sesame", "Sesame#2"}
    assert len(batch.mentions) == 2  # the same two issues, once


def test_token_goes_in_a_header_and_never_into_logs_or_errors(
    http: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with ReplayServer({("GET", PATH): [(200, HEADERS, BODY)]}) as server:
        make(server, http, token=TOKEN).fetch(None)
        (call,) = server.requests
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in call.target
    with (
        ReplayServer({("GET", PATH): [(401, {}, "")]}) as server,
        pytest.raises(AccessDenied) as denied,
    ):
        make(server, http, token=TOKEN).fetch(None)
    with (
        ReplayServer({("GET", PATH): [(403, {"X-RateLimit-Remaining": "5"}, "")]}) as server,
        pytest.raises(AccessDenied) as refused,
    ):
        make(server, http, token=TOKEN).fetch(None)
    for text in (str(denied.value), str(refused.value), caplog.text):
        assert TOKEN not in text
    assert "GITHUB_TOKEN" in str(refused.value)
    assert TOKEN not in repr(GitHubSettings(token=TOKEN))


def test_403_with_spent_rate_limit_is_rate_limited_until_reset(http: HttpClient) -> None:
    reset = int(time.time()) + 40
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)}
    with ReplayServer({("GET", PATH): [(403, headers, "")]}) as server:
        with pytest.raises(RateLimited) as caught:
            make(server, http).fetch(None)
        assert len(server.requests) == 1  # not retried within the run
    assert caught.value.retry_after is not None and 30 < caught.value.retry_after <= 40
    assert "'gh'" in str(caught.value) and "GITHUB_TOKEN" in str(caught.value)


def test_spent_budget_stops_paging_and_keeps_the_other_brands_cursor(http: HttpClient) -> None:
    spent = {**HEADERS, "x-ratelimit-remaining": "0"}
    queries = [*QUERIES, BrandQuery("Doors", ("doors",))]
    old = {"Doors": {"since": "2017-01-01T00:00:00Z", "ids": []}}
    with ReplayServer({("GET", PATH): [(200, spent, BODY)]}) as server:
        listener = GitHubListener(
            GitHubSettings(base_url=server.url), name="gh", http=http, queries=queries
        )
        batch = listener.fetch({"streams": old})
        assert len(server.requests) == 1  # the second brand waits for the next run
    assert len(batch.mentions) == 2
    assert batch.cursor is not None and batch.cursor["streams"]["Doors"] == old["Doors"]
    assert len(batch.warnings) == 1 and "rate limit spent" in batch.warnings[0]


def test_429_and_5xx_are_retried_then_reported(http: HttpClient) -> None:
    routes = {("GET", PATH): [(429, {"Retry-After": "0"}, ""), (502, {}, ""), (200, HEADERS, BODY)]}
    with ReplayServer(routes) as server:
        assert len(make(server, http).fetch(None).mentions) == 2
        assert len(server.requests) == 3
    with ReplayServer({("GET", PATH): [(503, {}, "")]}) as server:
        with pytest.raises(UpstreamError):
            make(server, http).fetch(None)
        assert len(server.requests) == 3
    with (
        ReplayServer({("GET", PATH): [(429, {"Retry-After": "0"}, "")]}) as server,
        pytest.raises(RateLimited),
    ):
        make(server, http).fetch(None)


def test_malformed_reply_names_the_source(http: HttpClient) -> None:
    for body in ('{"message": "hi"}', "<html>login</html>", '{"items": [{"title": "x"}]}'):
        with (
            ReplayServer({("GET", PATH): [(200, {}, body)]}) as server,
            pytest.raises(MalformedResponse, match="source 'gh': unexpected reply from GitHub"),
        ):
            make(server, http).fetch(None)


def test_an_item_without_title_and_body_is_counted_as_deleted_by_the_intake() -> None:
    """The recorded issue with its text removed (as GitHub shows a blanked issue)."""
    item = dict(RECORDED["response"]["items"][1])
    assert check_mention(issue_to_mention("gh", item)).title == "The doors don’t open"
    for blank in ({**item, "title": "", "body": None}, {**item, "title": " ", "body": ""}):
        with pytest.raises(InvalidRecord) as refused:
            check_mention(issue_to_mention("gh", blank))
        assert refused.value.reason is SkipReason.DELETED
