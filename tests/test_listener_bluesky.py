"""Bluesky listener against a real recorded ``app.bsky.feed.searchPosts`` reply from 127.0.0.1.

The recording is the vcr cassette of the R package bskyr (``q=redistricting``,
2025-05-19, 25 posts and the AppView's ``RateLimit-*`` headers); see
tests/fixtures/bluesky/README.md. It is loaded with ``load_vcr_yaml`` and served on
the endpoint's path whatever the query, since the listener adds ``sort`` and ``limit``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer, load_vcr_yaml

from domain.records import InvalidRecord, SkipReason, check_mention
from listeners import listener_class
from listeners.base import Backoff, BrandQuery
from listeners.bluesky import BlueskyListener, BlueskySettings, post_to_mention
from listeners.errors import AccessDenied, MalformedResponse, RateLimited, UpstreamError
from listeners.http import HttpClient

CASSETTE = Path(__file__).parent / "fixtures" / "bluesky" / "f_search.yml"
PATH = "/xrpc/app.bsky.feed.searchPosts"
((RECORDED,),) = load_vcr_yaml(CASSETTE).values()
STATUS, HEADERS, BODY = RECORDED
POSTS = json.loads(BODY)["posts"]
QUERIES = [BrandQuery("Redistricting", ("redistricting",))]
# the same search recorded by bskyr's httptest2 fixtures in December 2023 (23 posts)
DEC_2023 = (CASSETTE.parent / "app.bsky.feed.searchPosts-5d343d.json").read_text(encoding="utf-8")
FIRST_URI = "at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m"


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=3, base_s=0.001, cap_s=0.01)) as client:
        yield client


def make(
    server: ReplayServer, http: HttpClient, queries: list[BrandQuery] = QUERIES, **settings: Any
) -> BlueskyListener:
    return BlueskyListener(
        BlueskySettings(**{"base_url": server.url, **settings}),
        name="bsky",
        http=http,
        queries=queries,
    )


def test_the_recording_is_what_the_tests_expect() -> None:
    assert (STATUS, HEADERS["RateLimit-Remaining"]) == (200, "2983")
    assert len(POSTS) == 25 and json.loads(BODY)["cursor"] == "25"


def test_maps_the_recorded_search(http: HttpClient) -> None:
    assert listener_class("bluesky") is BlueskyListener
    with ReplayServer({("GET", PATH): [RECORDED]}) as server:
        batch = make(server, http).fetch(None)
        (call,) = server.requests  # first run: one page, although the reply has a cursor
    assert call.query == {"q": "redistricting", "sort": "latest", "limit": "50"}
    assert batch.item_count == 25
    # 4 of the 25 authors carry "!no-unauthenticated": their posts are not stored
    assert len(batch.mentions) == 21
    authors = Counter(m.author for m in batch.mentions)
    assert authors["uhackett.bsky.social"] == 4 and authors["mcpli.bsky.social"] == 3
    assert authors["socpaperbot.bsky.social"] == 3
    skipped = {"bathshebablue", "rachel99marta", "stemgal", "humanbeinghuman"}
    assert not skipped & {a.split(".")[0] for a in authors}
    first = batch.mentions[0]
    assert first.external_id == FIRST_URI
    assert first.url == "https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m"
    assert first.published_at == datetime(2025, 5, 19, 17, 10, 9, 561858, tzinfo=UTC)
    assert first.text.startswith("Ends Versus Means: Public Opinion on Congressional Redistricting")
    assert first.language is None  # that bot sets no langs
    thread = next(m for m in batch.mentions if m.external_id.endswith("/3lpjy3eabqs2l"))
    assert thread.author == "mcpli.bsky.social"
    assert thread.extra["display_name"] == "Michael Li (李之樸)"
    assert "Posting them here in a thread 🧵\n\nFirst up, the brief of the LULAC" in thread.text
    assert (thread.engagement, thread.comment_count, thread.language) == (13 + 6 + 0, 1, "en")
    assert thread.published_at == datetime(2025, 5, 19, 16, 20, 29, 109000, tzinfo=UTC)
    quoted = next(m for m in batch.mentions if m.author == "brendannyhan.bsky.social")
    assert quoted.text.startswith('"we find an 8.2 p.p. increase')
    assert (
        quoted.extra["link"] == "https://www.nber.org/system/files/working_papers/w33801/w33801.pdf"
    )
    rude = next(m for m in batch.mentions if m.author == "bodyballistics.bsky.social")
    assert rude.extra["author_labels"] == ["rude"] and rude.extra["display_name"] is None
    assert batch.cursor == {
        "streams": {
            "Redistricting|redistricting": {
                "since": "2025-05-19T17:10:09.813Z",
                "uris": [FIRST_URI],
            }
        }
    }
    assert batch.warnings == [
        "4 posts not stored: their authors asked not to be shown to logged-out viewers "
        "(!no-unauthenticated; respect_no_unauthenticated = false keeps them)"
    ]


def test_maps_the_december_2023_recording(http: HttpClient) -> None:
    """Another day and an older reply shape (no ``quoteCount``, ``hitsTotal`` given)."""
    with ReplayServer({("GET", PATH): [(200, {}, DEC_2023)]}) as server:
        batch = make(server, http).fetch(None)
    assert batch.item_count == 23 and len(batch.mentions) == 22  # jonnypants opted out
    assert batch.warnings[0].startswith("1 posts not stored")
    by_author = Counter(m.author for m in batch.mentions)
    assert by_author["dailykos.bsky.social"] == 2 and by_author["lwvsf.bsky.social"] == 2
    assert "jonnypants.bsky.social" not in by_author
    first = batch.mentions[0]
    assert (first.author, first.comment_count, first.engagement) == (
        "planetcarnival.bsky.social",
        0,
        1,
    )
    assert first.published_at == datetime(2023, 12, 14, 0, 37, 20, 615000, tzinfo=UTC)
    assert first.text == (
        "I was upset last year when redistricting meant he was no longer my representative."
        "\n\n(Athough, TBH, the district was pretty Gerrymandered...or Jerrymandered, as it were)."
    )
    takei = next(m for m in batch.mentions if m.author == "georgetakei.bsky.social")
    assert (takei.engagement, takei.comment_count) == (130 + 19, 3)  # likes + reposts
    assert takei.extra["quotes"] is None
    feed = next(m for m in batch.mentions if m.author == "progressivepower.bsky.social")
    assert feed.published_at == datetime(2023, 12, 13, 20, 37, 3, tzinfo=UTC)  # no fraction
    assert feed.language is None
    assert batch.mentions[-1].published_at == datetime(2023, 12, 13, 5, 51, 38, 668000, tzinfo=UTC)
    assert batch.cursor == {
        "streams": {
            "Redistricting|redistricting": {
                "since": "2023-12-14T00:37:20.615Z",
                "uris": ["at://did:plc:xrs7uicyfcp5qbnhnqy7kucb/app.bsky.feed.post/3kghpycppiw2n"],
            }
        }
    }


def test_opted_out_authors_can_be_kept_when_configured(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [RECORDED]}) as server:
        batch = make(server, http, respect_no_unauthenticated=False).fetch(None)
    assert len(batch.mentions) == 25
    stemgal = next(m for m in batch.mentions if m.author == "stemgal.bsky.social")
    assert stemgal.extra["display_name"] == "Carrie  🗳️ 💙♿"
    assert stemgal.text.endswith('"art of redistricting". 💔')
    crlf = next(m for m in batch.mentions if m.author == "humanbeinghuman.bsky.social")
    assert crlf.published_at == datetime(2025, 5, 19, 2, 3, 20, 286393, tzinfo=UTC)


def test_resumes_with_since_and_drops_what_it_had(http: HttpClient) -> None:
    state = {"since": "2025-05-19T17:10:09.813Z", "uris": [FIRST_URI]}
    cursor = {"streams": {"Redistricting|redistricting": state}}
    with ReplayServer({("GET", PATH): [RECORDED]}) as server:
        batch = make(server, http, max_pages=3).fetch(cursor)
        (call,) = server.requests  # the page already reaches what we had: no second page
    # asked from 15 minutes earlier: since filters on creation time, the cursor on indexing
    assert call.query["since"] == "2025-05-19T16:55:09.813Z"
    assert batch.mentions == [] and batch.cursor == cursor


def test_pages_with_the_reply_cursor_until_it_reaches_known_posts(http: HttpClient) -> None:
    state = {"since": "2025-05-19T00:00:00.000Z", "uris": []}
    with ReplayServer({("GET", PATH): [RECORDED]}) as server:
        batch = make(server, http, max_pages=2).fetch(
            {"streams": {"Redistricting|redistricting": state}}
        )
        calls = server.requests
    assert [c.query.get("cursor") for c in calls] == [None, "25"]
    assert len(batch.warnings) == 2 and "more than 50 new posts" in batch.warnings[0]
    assert len(batch.mentions) == 21  # the second (same) page adds nothing new


def test_spent_rate_limit_stops_searching_and_keeps_cursors(http: HttpClient) -> None:
    status, headers, body = RECORDED
    spent = (status, {**headers, "RateLimit-Remaining": "0"}, body)
    queries = [*QUERIES, BrandQuery("Gerrymander", ("gerrymander",))]
    old = {"Gerrymander|gerrymander": {"since": "2025-01-01T00:00:00.000Z", "uris": []}}
    with ReplayServer({("GET", PATH): [spent]}) as server:
        batch = make(server, http, queries).fetch({"streams": old})
        assert len(server.requests) == 1
    assert len(batch.mentions) == 21
    assert batch.cursor is not None
    assert batch.cursor["streams"]["Gerrymander|gerrymander"] == old["Gerrymander|gerrymander"]
    assert batch.warnings == [
        "4 posts not stored: their authors asked not to be shown to logged-out viewers "
        "(!no-unauthenticated; respect_no_unauthenticated = false keeps them)",
        "Bluesky rate limit spent (resets at 1747676784); "
        "the remaining searches wait for the next run",
    ]


def test_search_refused_without_a_session_names_the_fix(http: HttpClient) -> None:
    with (
        ReplayServer({("GET", PATH): [(403, {}, "")]}) as server,
        pytest.raises(AccessDenied, match="source 'bsky': Bluesky search refused") as caught,
    ):
        make(server, http).fetch(None)
    assert "Jetstream" in str(caught.value)


def test_429_and_5xx_are_retried_then_reported(http: HttpClient) -> None:
    routes = {("GET", PATH): [(429, {"Retry-After": "0"}, ""), (502, {}, ""), RECORDED]}
    with ReplayServer(routes) as server:
        assert len(make(server, http).fetch(None).mentions) == 21
        assert len(server.requests) == 3
    with ReplayServer({("GET", PATH): [(503, {}, "")]}) as server:
        with pytest.raises(UpstreamError, match="source 'bsky'"):
            make(server, http).fetch(None)
        assert len(server.requests) == 3
    with (
        ReplayServer({("GET", PATH): [(429, {}, "")]}) as server,
        pytest.raises(RateLimited),
    ):
        make(server, http).fetch(None)


def test_malformed_reply_names_the_source(http: HttpClient) -> None:
    for body in ('{"cursor": "25"}', "<html>", '{"posts": [{"cid": "x"}]}'):
        with (
            ReplayServer({("GET", PATH): [(200, {}, body)]}) as server,
            pytest.raises(MalformedResponse, match="source 'bsky': unexpected reply from Bluesky"),
        ):
            make(server, http).fetch(None)


def test_a_post_without_text_is_counted_as_deleted_by_the_intake() -> None:
    """A recorded post with its text removed, as an image-only post comes: the listener
    hands it on, the intake's check refuses it as deleted (and counts it)."""
    post = POSTS[0]
    mention = post_to_mention("bsky", post)
    assert mention is not None and check_mention(mention).text == mention.text
    blank = post_to_mention("bsky", {**post, "record": {**post["record"], "text": "  "}})
    assert blank is not None
    with pytest.raises(InvalidRecord) as refused:
        check_mention(blank)
    assert refused.value.reason is SkipReason.DELETED
