"""YouTube comments listener against real recorded Data API v3 replies from 127.0.0.1.

- ``test_comment_api_response.json``: a ``commentThreads`` reply of September 2024 (one
  thread with one reply) kept by the Astro project, whose authors replaced the comment
  texts and display names with placeholders ("test comment", "@test_user");
- ``quota_exhausted.json`` and ``comments_disabled.json``: YouTube's error replies
  for a spent quota and for a video with comments turned off, kept by
  Mine-Youtube-Data.

See tests/fixtures/youtube/README.md for their origin.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer

from domain.records import InvalidRecord, SkipReason, check_mention
from listeners import listener_class
from listeners.base import Backoff
from listeners.errors import (
    AccessDenied,
    MalformedResponse,
    RateLimited,
    SourceDisabled,
    UpstreamError,
)
from listeners.http import HttpClient
from listeners.youtube import (
    YouTubeListener,
    YouTubeSettings,
    comment_to_mention,
    seconds_until_quota_reset,
)

FIXTURES = Path(__file__).parent / "fixtures" / "youtube"
BODY = (FIXTURES / "test_comment_api_response.json").read_text(encoding="utf-8")
QUOTA = (FIXTURES / "quota_exhausted.json").read_text(encoding="utf-8")
DISABLED = (FIXTURES / "comments_disabled.json").read_text(encoding="utf-8")
PATH = "/youtube/v3/commentThreads"
VIDEO = "HthY7qxV8q0"
THREAD = "UgxXfLfuryhN5JBV4Zl4AaABAg"
KEY = "AIzaSyTESTKEY-0123456789abcdefghijklmn"


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=3, base_s=0.001, cap_s=0.01)) as client:
        yield client


def make(server: ReplayServer, http: HttpClient, **settings: Any) -> YouTubeListener:
    values: dict[str, Any] = {
        "base_url": server.url + "/youtube/v3",
        "api_key": KEY,
        "video_ids": (VIDEO,),
    }
    return YouTubeListener(YouTubeSettings(**{**values, **settings}), name="yt", http=http)


def test_maps_the_recorded_thread_and_its_reply(http: HttpClient) -> None:
    assert listener_class("youtube") is YouTubeListener
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        batch = make(server, http).fetch(None)
        (call,) = server.requests
    assert call.query == {
        "part": "snippet,replies",
        "order": "time",
        "textFormat": "plainText",
        "maxResults": "100",
        "videoId": VIDEO,
    }
    assert batch.item_count == 1  # one thread ...
    top, reply = batch.mentions  # ... holding a comment and a reply
    assert (top.external_id, top.author, top.text) == (THREAD, "@test_user", "test comment")
    assert top.url == f"https://www.youtube.com/watch?v={VIDEO}&lc={THREAD}"
    assert top.published_at == datetime(2024, 9, 23, 19, 6, 29, tzinfo=UTC)
    assert (top.engagement, top.comment_count) == (0, 1)
    assert top.extra == {
        "kind": "comment",
        "video_id": VIDEO,
        "channel_id": "UC8-VPb0BrTumJCcAk5kKD8w",
        "parent_id": None,
        "author_channel_id": "UCINOM9YliYsdtygvrjeT_Pg",
        "updated_at": "2024-09-23T19:06:29Z",
    }
    assert reply.external_id == f"{THREAD}.A8jq-geGgIoA8k_tlJmJ7O"
    # textDisplay (what viewers see), not textOriginal ("test_reply" in the recording)
    assert (reply.author, reply.text) == ("@testreplier", "test reply")
    assert reply.published_at == datetime(2024, 9, 24, 2, 4, 58, tzinfo=UTC)
    assert reply.extra["kind"] == "reply" and reply.extra["parent_id"] == THREAD
    assert reply.comment_count is None
    assert batch.cursor == {
        "streams": {
            f"video:{VIDEO}": {
                "since": "2024-09-23T19:06:29Z",
                "ids": [THREAD],
                "replies_since": "2024-09-24T02:04:58Z",
            }
        }
    }


def test_replies_can_be_left_out(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        batch = make(server, http, replies=False).fetch(None)
        assert server.requests[0].query["part"] == "snippet"
    assert [m.external_id for m in batch.mentions] == [THREAD]


def test_channel_stream_and_resume_without_repeats(http: HttpClient) -> None:
    state = {
        "since": "2024-09-23T19:06:29Z",
        "ids": [THREAD],
        "replies_since": "2024-09-24T02:04:58Z",
    }
    cursor = {"streams": {"channel:UC8-VPb0BrTumJCcAk5kKD8w": state}}
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        listener = make(server, http, video_ids=(), channel_ids=("UC8-VPb0BrTumJCcAk5kKD8w",))
        batch = listener.fetch(cursor)
        (call,) = server.requests  # no nextPageToken: one page
    assert call.query["allThreadsRelatedToChannelId"] == "UC8-VPb0BrTumJCcAk5kKD8w"
    assert batch.mentions == [] and batch.cursor == cursor


def test_a_new_reply_to_a_known_thread_is_kept(http: HttpClient) -> None:
    """The cursor saw the thread before its reply was written (02:04:58 the next day)."""
    state = {
        "since": "2024-09-23T19:06:29Z",
        "ids": [THREAD],
        "replies_since": "2024-09-23T20:00:00Z",
    }
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        batch = make(server, http).fetch({"streams": {f"video:{VIDEO}": state}})
    (reply,) = batch.mentions  # the known top-level comment is not repeated
    assert reply.text == "test reply"
    assert batch.cursor is not None
    assert batch.cursor["streams"][f"video:{VIDEO}"]["replies_since"] == "2024-09-24T02:04:58Z"


def test_the_key_goes_in_a_header_and_never_into_urls_logs_or_errors(
    http: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        make(server, http).fetch(None)
        (call,) = server.requests
    assert call.headers["X-Goog-Api-Key"] == KEY
    assert KEY not in call.target
    errors: list[str] = []
    for status, body in ((403, QUOTA), (400, ""), (500, "")):
        with ReplayServer({("GET", PATH): [(status, {}, body)]}) as server:
            with pytest.raises(Exception) as caught:
                make(server, http).fetch(None)
            errors.append(str(caught.value))
    assert all(KEY not in text for text in [*errors, caplog.text])
    assert KEY not in repr(YouTubeSettings(api_key=KEY))


def test_no_key_is_disabled_without_a_request(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        with pytest.raises(SourceDisabled, match="YOUTUBE_API_KEY"):
            make(server, http, api_key="").fetch(None)
        assert server.requests == []


def test_recorded_quota_error_is_rate_limited_until_midnight_pacific(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(403, {}, QUOTA)]}) as server:
        with pytest.raises(RateLimited, match="quota exceeded \\(quotaExceeded, HTTP 403\\)") as c:
            make(server, http).fetch(None)
        assert len(server.requests) == 1
    assert c.value.retry_after is not None and 0 < c.value.retry_after <= 25 * 3600
    # 2024-09-23 12:00 UTC is 05:00 in Los Angeles (PDT): 19 hours to midnight
    assert seconds_until_quota_reset(datetime(2024, 9, 23, 12, 0, tzinfo=UTC)) == 19 * 3600


def test_recorded_comments_disabled_skips_that_video_only(http: HttpClient) -> None:
    routes = {("GET", PATH): [(403, {}, DISABLED), (200, {}, BODY)]}
    with ReplayServer(routes) as server:
        batch = make(server, http, video_ids=("offvideo", VIDEO)).fetch(None)
        assert [r.query["videoId"] for r in server.requests] == ["offvideo", VIDEO]
    assert len(batch.mentions) == 2
    assert batch.warnings == ["video offvideo: skipped (commentsDisabled)"]
    assert batch.cursor is not None and list(batch.cursor["streams"]) == [f"video:{VIDEO}"]


def test_a_rejected_key_is_access_denied(http: HttpClient) -> None:
    with (
        ReplayServer({("GET", PATH): [(403, {}, "")]}) as server,
        pytest.raises(AccessDenied, match="YOUTUBE_API_KEY"),
    ):
        make(server, http).fetch(None)


def test_429_and_5xx_are_retried_then_reported(http: HttpClient) -> None:
    routes = {("GET", PATH): [(429, {"Retry-After": "0"}, ""), (503, {}, ""), (200, {}, BODY)]}
    with ReplayServer(routes) as server:
        assert len(make(server, http).fetch(None).mentions) == 2
        assert len(server.requests) == 3
    with ReplayServer({("GET", PATH): [(500, {}, "")]}) as server:
        with pytest.raises(UpstreamError, match="source 'yt'"):
            make(server, http).fetch(None)
        assert len(server.requests) == 3


def test_malformed_reply_names_the_source(http: HttpClient) -> None:
    for body in ('{"kind": "youtube#commentThreadListResponse"}', "<html>", '{"items": [{}]}'):
        with (
            ReplayServer({("GET", PATH): [(200, {}, body)]}) as server,
            pytest.raises(MalformedResponse, match="source 'yt': unexpected reply from YouTube"),
        ):
            make(server, http).fetch(None)


def test_a_comment_with_empty_text_is_counted_as_deleted_by_the_intake() -> None:
    """The recorded comment with its text removed, as YouTube returns a blanked one."""
    thread = json.loads(BODY)["items"][0]
    top = thread["snippet"]["topLevelComment"]
    assert check_mention(comment_to_mention("yt", top)).text == "test comment"
    blank = {**top, "snippet": {**top["snippet"], "textDisplay": " ", "textOriginal": ""}}
    with pytest.raises(InvalidRecord) as refused:
        check_mention(comment_to_mention("yt", blank))
    assert refused.value.reason is SkipReason.DELETED
