"""Hacker News listener against real Algolia HN Search replies served from 127.0.0.1.

The replies were recorded from hn.algolia.com in 2014 (query "apple", one hit each); see
tests/fixtures/hn/README.md for their source. The listener is configured like the
recorded request (``tags``, ``hitsPerPage``) so each recording answers its own query.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer

from listeners import listener_class
from listeners.base import Backoff, BrandQuery
from listeners.errors import MalformedResponse, RateLimited
from listeners.hackernews import HackerNewsListener, HackerNewsSettings, hit_to_mention
from listeners.http import HttpClient
from listeners.matching import BrandMatcher, BrandTerms

FIXTURES = Path(__file__).parent / "fixtures" / "hn"
# GET /api/v1/search_by_date?hitsPerPage=1&tags=(comment)&query=apple
COMMENT = (FIXTURES / "search_by_date_comment_apple.json").read_text()
# GET /api/v1/search_by_date?hitsPerPage=1&tags=(story)&query=apple
STORY = (FIXTURES / "search_by_date_story_apple.json").read_text()
# GET /api/v1/search?hitsPerPage=1&tags=(comment)&query=apple (relevance order)
RELEVANT_COMMENT = (FIXTURES / "search_comment_apple.json").read_text()
PATH = "/api/v1/search_by_date"
QUERIES = [BrandQuery("Apple", ("apple",))]


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=3, base_s=0.001, cap_s=0.01)) as client:
        yield client


def make(server: ReplayServer, http: HttpClient, **settings: Any) -> HackerNewsListener:
    values = {"base_url": server.url + "/api/v1", "tags": "(comment)", "hits_per_page": 1}
    return HackerNewsListener(
        HackerNewsSettings(**{**values, **settings}), name="hn", http=http, queries=QUERIES
    )


def recorded(tags: str) -> str:
    """The route key of the recorded request, plus the page the listener adds."""
    return f"{PATH}?query=apple&tags={tags}&hitsPerPage=1&page=0"


def test_maps_a_recorded_comment(http: HttpClient) -> None:
    assert listener_class("hackernews") is HackerNewsListener
    with ReplayServer({("GET", recorded("(comment)")): [(200, {}, COMMENT)]}) as server:
        batch = make(server, http).fetch(None)
        (call,) = server.requests  # first run: one page, although the reply says 1000
    assert call.query == {"query": "apple", "tags": "(comment)", "hitsPerPage": "1", "page": "0"}
    (comment,) = batch.mentions
    assert comment.external_id == "7913465"
    assert comment.url == "https://news.ycombinator.com/item?id=7913465"
    assert comment.text.startswith("There's a bit more to it than might appear at first blush.")
    assert "what moves mean.\nAn opening bounce on the Black Sea" in comment.text
    assert "very different than Yorkshire. If you don't have" in comment.text
    assert (comment.title, comment.author) == ("The Board Game of the Alpha Nerds", "bhickey")
    assert comment.published_at == datetime(2014, 6, 18, 23, 5, 17, tzinfo=UTC)
    assert (comment.engagement, comment.comment_count) == (1, None)
    assert comment.extra == {
        "kind": "comment",
        "link_url": "http://grantland.com/features/diplomacy-the-board-game-of-the-alpha-nerds/",
        "story_id": 7913183,
        "parent_id": 7913221,
    }
    assert batch.cursor == {"streams": {"Apple|apple": {"since": 1403132717, "ids": ["7913465"]}}}


def test_maps_a_recorded_ask_hn_story(http: HttpClient) -> None:
    with ReplayServer({("GET", recorded("(story)")): [(200, {}, STORY)]}) as server:
        (story,) = make(server, http, tags="(story)").fetch(None).mentions
    assert story.external_id == "7913319"
    assert story.title == "Ask HN: What can I do to find more leads for freelancing?"
    assert story.author == "notastartup"
    # entities (&#x2F;, &#x27;) decoded, <p> as line breaks
    assert "a portfolio website http://appsonify.com in hopes" in story.text
    assert "more clients.\nI've gotten lucky" in story.text
    assert story.text.endswith("Any advice or feedback is greatly appreciated.")
    assert story.published_at == datetime(2014, 6, 18, 22, 29, 32, tzinfo=UTC)
    assert (story.engagement, story.comment_count) == (3, 0)
    # a text post has "url": "" — no link, not an empty one
    assert story.extra == {"kind": "story", "link_url": None, "story_id": None, "parent_id": None}


def test_typo_tolerant_hits_are_dropped_by_the_brand_matcher() -> None:
    """Algolia answered "apple" with "appear" and "appreciated" (see the recorded
    highlights); the listener keeps every hit and brand matching decides."""
    matcher = BrandMatcher(
        [BrandTerms("Apple", ("apple",)), BrandTerms("Microsoft", ("Microsoft",))]
    )
    fuzzy = [json.loads(body)["hits"][0] for body in (COMMENT, STORY)]
    highlights = [
        h["_highlightResult"][k]["value"]
        for h, k in zip(fuzzy, ("comment_text", "story_text"), strict=True)
    ]
    assert "might <em>appe</em>ar at first" in highlights[0]
    assert "greatly <em>appre</em>ciated." in highlights[1]
    for hit in fuzzy:
        mention = hit_to_mention("hn", hit)
        assert matcher.match(mention.title, mention.text) == ()
    real = hit_to_mention("hn", json.loads(RELEVANT_COMMENT)["hits"][0])
    assert real.author == "pg" and "hurt Apple's reputation" in real.text
    assert matcher.match(real.title, real.text) == ("Apple", "Microsoft")


def test_resumes_from_cursor_without_repeating_the_last_second(http: HttpClient) -> None:
    cursor = {"streams": {"Apple|apple": {"since": 1403132717, "ids": ["7913465"]}}}
    with ReplayServer({("GET", PATH): [(200, {}, COMMENT)]}) as server:
        batch = make(server, http, max_pages=2).fetch(cursor)
        calls = server.requests
    assert [c.query["numericFilters"] for c in calls] == ["created_at_i>=1403132717"] * 2
    assert [c.query["page"] for c in calls] == ["0", "1"]
    # this server ignores the filter; the listener still drops what it already had
    assert batch.mentions == []
    assert batch.cursor == cursor
    # the recorded reply claims nbPages=1000: the listener stops at max_pages and says so
    assert len(batch.warnings) == 1 and "more than 2 new items" in batch.warnings[0]


def test_429_then_recovery_and_persistent_failure(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(429, {"Retry-After": "0"}, ""), (200, {}, COMMENT)]}) as s:
        assert len(make(s, http).fetch(None).mentions) == 1
    with ReplayServer({("GET", PATH): [(429, {"Retry-After": "0"}, "")]}) as server:
        with pytest.raises(RateLimited):
            make(server, http).fetch(None)
        assert len(server.requests) == 3


def test_malformed_reply(http: HttpClient) -> None:
    routes = {("GET", PATH): [(200, {}, '{"message": "hi"}')]}
    with ReplayServer(routes) as server, pytest.raises(MalformedResponse):
        make(server, http).fetch(None)


def test_no_queries_no_requests(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(200, {}, COMMENT)]}) as server:
        settings = HackerNewsSettings(base_url=server.url + "/api/v1")
        batch = HackerNewsListener(settings, name="hn", http=http, queries=()).fetch(None)
        assert server.requests == [] and batch.mentions == []
