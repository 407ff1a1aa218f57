"""Lemmy listener against real recorded Lemmy API replies (see tests/fixtures/lemmy/README.md).

No recorded ``/api/v3/search`` reply was found in any public repository (the one search
"fixture" found, LemmyKit's ``searchResponseV3.json``, is assembled by hand around a
templated comment). A search reply lists the same ``PostView`` / ``CommentView``
objects as ``/api/v3/post/list`` and the comment endpoints, under the same ``posts`` /
``comments`` keys, so these real replies stand in for it:

- ``post_list_test1.lemmy.ddenis.info.json``: a ``post/list`` reply of Lemmy 0.19
  (2026-06, a test instance with seeded users; three posts, one federated from
  test2.lemmy.ddenis.info), kept by LemmyKit; served as the reply to ``type_=Posts``;
- ``post_view_sh.itjust.works_5716352.json``: one ``PostView`` of Lemmy 0.18 from
  sh.itjust.works (2023-09, the muffed app's announcement post), kept by muffed;
- ``remove_comment_response_localhost.json``: a 0.18 ``CommentResponse`` for a comment
  a moderator removed (2023-08, a local instance), kept by lemmy-kt-client.

Every expected value below was read from the recordings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer

from domain.kinds import SOURCE_KINDS
from domain.records import check_mention
from listeners import listener_class
from listeners.base import Backoff, BrandQuery
from listeners.errors import ListenerError, MalformedResponse, RateLimited, UpstreamError
from listeners.http import HttpClient
from listeners.lemmy import (
    LemmyListener,
    LemmySettings,
    comment_view_to_mention,
    is_gone,
    lemmy_time,
    post_view_to_mention,
)

FIXTURES = Path(__file__).parent / "fixtures" / "lemmy"
POSTS = (FIXTURES / "post_list_test1.lemmy.ddenis.info.json").read_text(encoding="utf-8")
PATH = "/api/v3/search"
QUERIES = [BrandQuery("Music", ("live recording",))]


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=2, base_s=0.001, cap_s=0.01)) as client:
        yield client


def make(server: ReplayServer, http: HttpClient, **settings: Any) -> LemmyListener:
    values: dict[str, Any] = {"base_url": server.url, "kinds": ("Posts",)}
    return LemmyListener(
        LemmySettings(**{**values, **settings}), name="lemmy", http=http, queries=QUERIES
    )


def test_registered_as_a_source_kind() -> None:
    assert listener_class("lemmy") is LemmyListener
    assert SOURCE_KINDS["lemmy"].display_name == "Lemmy"


def test_maps_the_recorded_posts(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(200, {}, POSTS)]}) as server:
        batch = make(server, http).fetch(None)
        (call,) = server.requests
    assert call.query == {
        "q": "live recording",
        "type_": "Posts",
        "sort": "New",
        "listing_type": "All",
        "limit": "50",
        "page": "1",
    }
    assert batch.item_count == 3
    assert [(m.external_id, m.author, m.title) for m in batch.mentions] == [
        ("https://test1.lemmy.ddenis.info/post/180", "Mod One", "Live recording (thread 8)"),
        (
            "https://test1.lemmy.ddenis.info/post/179",
            "GardenBot",
            "Album on repeat this week (thread 7)",
        ),
        # federated: keyed by its home instance's URL, not test1's local id 198
        ("https://test2.lemmy.ddenis.info/post/102", "Canvas", "Live recording (thread 6)"),
    ]
    live, album, federated = batch.mentions
    assert live.url == live.external_id and live.text == ""  # a link post, no body
    assert live.extra["link"] == "https://example.com/live"
    assert live.extra["community"] == "music" and live.extra["id"] == 180
    assert (live.engagement, live.comment_count) == (1, 7)
    assert live.published_at == datetime(2026, 6, 12, 23, 37, 46, 566375, tzinfo=UTC)
    assert album.text == "Lo-fi meets jazz."
    assert federated.extra["local"] is False
    assert federated.extra["author_actor_id"] == "https://test2.lemmy.ddenis.info/u/seed_canvas"
    assert batch.cursor == {
        "streams": {
            "Posts|Music|live recording": {
                "since": "2026-06-12T23:37:46.566375Z",
                "ids": ["https://test1.lemmy.ddenis.info/post/180"],
            }
        }
    }


def test_a_later_run_repeats_nothing(http: HttpClient) -> None:
    state = {
        "since": "2026-06-12T23:37:46.566375Z",
        "ids": ["https://test1.lemmy.ddenis.info/post/180"],
    }
    cursor = {"streams": {"Posts|Music|live recording": state}}
    with ReplayServer({("GET", PATH): [(200, {}, POSTS)]}) as server:
        batch = make(server, http).fetch(cursor)
        assert len(server.requests) == 1  # fewer items than the limit: the last page
    assert batch.mentions == [] and batch.cursor == cursor


def test_posts_and_comments_streams_are_separate(http: HttpClient) -> None:
    """With both kinds each term is searched twice; a reply without ``comments`` (this
    post/list recording) gives no comments."""
    with ReplayServer({("GET", PATH): [(200, {}, POSTS), (200, {}, POSTS)]}) as server:
        batch = make(server, http, kinds=("Posts", "Comments")).fetch(None)
        kinds = [r.query["type_"] for r in server.requests]
    assert kinds == ["Posts", "Comments"]
    assert len(batch.mentions) == 3


def test_a_0_18_post_view_from_sh_itjust_works() -> None:
    view = json.loads((FIXTURES / "post_view_sh.itjust.works_5716352.json").read_text("utf-8"))
    mention = post_view_to_mention("lemmy", view)
    assert mention.external_id == "https://sh.itjust.works/post/5716352"
    assert mention.title == (
        "Announcing Muffed for Lemmy - An open source Lemmy client written in flutter"
    )
    assert mention.author == "freshfieldreds"  # no display_name: the account name
    assert mention.text.startswith("Muffed is an open source Lemmy client written in flutter")
    assert mention.text.endswith(
        "*currently only compiled for android, IOS support will be coming soon*"
    )
    # 0.18 writes times without a zone: they are UTC
    assert mention.published_at == datetime(2023, 9, 23, 10, 41, 41, 254290, tzinfo=UTC)
    assert (mention.engagement, mention.comment_count) == (13, 2)
    assert mention.extra["community"] == "muffed" and mention.extra["link"] is None
    assert check_mention(mention).text == mention.text


def test_a_removed_comment_is_recognized() -> None:
    reply = json.loads(
        (FIXTURES / "remove_comment_response_localhost.json").read_text(encoding="utf-8")
    )
    view = reply["comment_view"]
    assert is_gone(view["comment"])  # "removed": true, by a moderator
    mention = comment_view_to_mention("lemmy", view)
    assert (mention.external_id, mention.author) == ("https://localhost/comment/4", "lemmy")
    assert (mention.text, mention.title) == ("Comment reply.", "Test post!")
    assert mention.extra["post_url"] == "https://localhost/post/1"
    assert (mention.engagement, mention.comment_count) == (1, 1)
    assert mention.published_at == datetime(2023, 8, 6, 14, 41, 11, 578157, tzinfo=UTC)


def test_times_with_and_without_a_zone() -> None:
    assert lemmy_time("2026-06-12T23:37:46.566375Z") == lemmy_time("2026-06-12T23:37:46.566375")
    assert lemmy_time("not a time") is None and lemmy_time(None) is None


def test_errors_are_named(http: HttpClient) -> None:
    cases: list[tuple[list[tuple[int, dict[str, str], str]], type[Exception]]] = [
        ([(200, {}, '{"posts": [{"post": {}}]}')], MalformedResponse),
        ([(200, {}, "<html>not Lemmy</html>")], MalformedResponse),
        ([(400, {}, "")], ListenerError),
        ([(429, {}, ""), (429, {}, "")], RateLimited),
        ([(502, {}, ""), (502, {}, "")], UpstreamError),
    ]
    for replies, error in cases:
        with (
            ReplayServer({("GET", PATH): list(replies)}) as server,
            pytest.raises(error, match="source 'lemmy'"),
        ):
            make(server, http).fetch(None)


def test_fetch_skips_the_removed_comment_and_counts_it(http: HttpClient) -> None:
    reply = json.loads(
        (FIXTURES / "remove_comment_response_localhost.json").read_text(encoding="utf-8")
    )
    with ReplayServer({}) as server:
        listener = make(server, http, kinds=("Comments",))
        # the recorded CommentView as the one item of a search page
        listener._page = lambda kind, term, page: [reply["comment_view"]]  # type: ignore[method-assign]
        batch = listener.fetch(None)
    assert batch.mentions == [] and batch.item_count == 1
    assert batch.skipped == {"deleted": 1}
    assert batch.cursor == {
        "streams": {
            "Comments|Music|live recording": {
                "since": "2023-08-06T14:41:11.578157Z",
                "ids": ["https://localhost/comment/4"],
            }
        }
    }
