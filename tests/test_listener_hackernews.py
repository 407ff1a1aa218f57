"""Hacker News listener against a local Algolia stand-in (schema-built fixture, see README)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from replay_server import ReplayServer

from listeners import listener_class
from listeners.base import Backoff, BrandQuery
from listeners.errors import MalformedResponse, RateLimited
from listeners.hackernews import HackerNewsListener, HackerNewsSettings
from listeners.http import HttpClient

FIXTURE = (Path(__file__).parent / "fixtures" / "hn" / "search_by_date.json").read_text()
PATH = "/api/v1/search_by_date"
QUERIES = [BrandQuery("ExampleCorp", ("ExampleCorp",))]
EMPTY = json.dumps({"hits": [], "nbHits": 0, "page": 0, "nbPages": 0, "hitsPerPage": 100})


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=3, base_s=0.001, cap_s=0.01)) as client:
        yield client


def make(server: ReplayServer, http: HttpClient) -> HackerNewsListener:
    settings = HackerNewsSettings(base_url=server.url + "/api/v1")
    return HackerNewsListener(settings, name="hn", http=http, queries=QUERIES)


def test_maps_stories_and_comments(http: HttpClient) -> None:
    assert listener_class("hackernews") is HackerNewsListener
    with ReplayServer({("GET", PATH): [(200, {}, FIXTURE)]}) as server:
        batch = make(server, http).fetch(None)
        (call,) = server.requests
    assert call.query == {
        "query": "ExampleCorp",
        "tags": "(story,comment)",
        "hitsPerPage": "100",
        "page": "0",
    }
    comment, story = batch.mentions
    assert comment.external_id == "40000002"
    assert comment.url == "https://news.ycombinator.com/item?id=40000002"
    assert (
        comment.text
        == "We moved off ExampleCorp last year & never looked back.\nSupport took weeks."
    )
    assert comment.title == "Show HN: An ExampleCorp alternative"
    assert comment.engagement is None and comment.extra["kind"] == "comment"
    assert story.title == "Show HN: An ExampleCorp alternative" and story.author == "example_author"
    assert (story.engagement, story.comment_count) == (42, 7)
    assert story.published_at == datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    assert batch.cursor == {
        "streams": {"ExampleCorp|ExampleCorp": {"since": 1767348005, "ids": ["40000002"]}}
    }


def test_resumes_from_cursor_without_repeating_the_last_second(http: HttpClient) -> None:
    cursor = {"streams": {"ExampleCorp|ExampleCorp": {"since": 1767348005, "ids": ["40000002"]}}}
    with ReplayServer({("GET", PATH): [(200, {}, FIXTURE)]}) as server:
        batch = make(server, http).fetch(cursor)
        (call,) = server.requests
    assert call.query["numericFilters"] == "created_at_i>=1767348005"
    # the server ignored the filter here; the listener still drops what it already had
    assert [m.external_id for m in batch.mentions] == ["40000001"]
    assert batch.cursor == cursor


def test_429_then_recovery_and_persistent_failure(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(429, {"Retry-After": "0"}, ""), (200, {}, FIXTURE)]}) as s:
        assert len(make(s, http).fetch(None).mentions) == 2
    with ReplayServer({("GET", PATH): [(429, {"Retry-After": "0"}, "")]}) as server:
        with pytest.raises(RateLimited):
            make(server, http).fetch(None)
        assert len(server.requests) == 3


def test_malformed_reply(http: HttpClient) -> None:
    routes = {("GET", PATH): [(200, {}, '{"message": "hi"}')]}
    with ReplayServer(routes) as server, pytest.raises(MalformedResponse):
        make(server, http).fetch(None)


def test_no_queries_no_requests(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(200, {}, EMPTY)]}) as server:
        settings = HackerNewsSettings(base_url=server.url + "/api/v1")
        batch = HackerNewsListener(settings, name="hn", http=http, queries=()).fetch(None)
        assert server.requests == [] and batch.mentions == []
