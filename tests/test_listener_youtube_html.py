"""YouTube comments listener on a second real ``commentThreads`` reply: 20 threads on
Google's I/O 2014 keynote (video ``wtLJPvx7-ys``), comments of 2016-2019, in the API's
default HTML text format (``textDisplay`` with timestamp links, ``<br />`` and ``&#39;``).

Recorded by the yt-cmts-analsyer project (Don-Ghead/yt-cmts-analsyer ``src/mockData.js``,
``TOP_LEVEL_COMMENTS``); see tests/fixtures/youtube/README.md. Every expected value below
was read from the recording.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from replay_server import ReplayServer

from listeners.base import Backoff
from listeners.http import HttpClient
from listeners.youtube import YouTubeListener, YouTubeSettings, visible_text

RECORDING = Path(__file__).parent / "fixtures" / "youtube" / "commentThreads_wtLJPvx7-ys_html.json"
BODY = RECORDING.read_text(encoding="utf-8")
PATH = "/youtube/v3/commentThreads"
VIDEO = "wtLJPvx7-ys"
NEWEST = "UgyMS6bv4L1X96YX2Hl4AaABAg"


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=2, base_s=0.001, cap_s=0.01)) as client:
        yield client


def listener(server: ReplayServer, http: HttpClient) -> YouTubeListener:
    settings = YouTubeSettings(
        base_url=server.url + "/youtube/v3", api_key="AIzaSyTESTKEY", video_ids=(VIDEO,)
    )
    return YouTubeListener(settings, name="yt", http=http)


def test_twenty_threads_read_as_a_viewer_sees_them(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        batch = listener(server, http).fetch(None)
        (call,) = server.requests  # first run: one page, though a nextPageToken is given
    assert call.query["videoId"] == VIDEO
    assert batch.item_count == 20 and len(batch.mentions) == 20  # no replies included
    by_id = {m.external_id: m for m in batch.mentions}
    first = batch.mentions[0]
    assert (first.external_id, first.author) == (NEWEST, "David")
    assert first.published_at == datetime(2019, 12, 9, 2, 32, 32, tzinfo=UTC)
    assert (first.engagement, first.comment_count) == (1, 1)
    # the timestamp link is text, the apostrophes are decoded
    assert first.text.startswith("23:56 He is incorrect. When the moving scrollable content")
    assert "we don't use touch screens" in first.text and "'look down'" in first.text
    assert "<a" not in first.text and "&#39;" not in first.text
    lampa = by_id["Ugg3K4Dj9_X2AngCoAEC"]
    assert lampa.author == "Samuel Lampa"
    assert lampa.text.startswith("2:07:48: \"[...] we don't really use MapReduce anymore.")
    # <br /> are line breaks
    assert by_id["UghFN5IZRHMOFHgCoAEC"].text == (
        "Land of The Free and Home of the Brave! Go USA!\n"
        "Keeping the segregation Alive Handsome?\nBack Home......India???"
    )
    assert by_id["Ughvzf43EvA1fngCoAEC"].author == "nguyễn kim thúy"
    oldest = batch.mentions[-1]
    assert (oldest.author, oldest.text) == ("Mo Jo", "18:51... I burst out laughing.")
    assert oldest.published_at == datetime(2016, 3, 16, 5, 15, tzinfo=UTC)
    # plain texts stay as written
    assert by_id["UgyfJncEva22uTonShF4AaABAg"].text == "aTEST TEST"
    state = batch.cursor["streams"][f"video:{VIDEO}"] if batch.cursor else {}
    assert (state["since"], state["ids"]) == ("2019-12-09T02:32:32Z", [NEWEST])


def test_a_later_run_stops_at_the_threads_it_has_seen(http: HttpClient) -> None:
    """Threads come newest first: with a cursor of 2017-01-01, the 11 newer threads are
    new, the page holds older ones, so no second page is asked for."""
    cursor = {"streams": {f"video:{VIDEO}": {"since": "2017-01-01T00:00:00Z", "ids": []}}}
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        batch = listener(server, http).fetch(cursor)
        assert len(server.requests) == 1
    assert [m.author for m in batch.mentions][-2:] == ["Tegan Burns", "C J"]
    assert len(batch.mentions) == 11


def test_visible_text_leaves_plain_text_alone() -> None:
    # textFormat=plainText replies (the Astro recording) pass through unchanged
    assert visible_text({"textDisplay": "test reply", "textOriginal": "test_reply"}) == (
        "test reply"
    )
    assert visible_text({"textDisplay": "", "textOriginal": "only original"}) == "only original"
    assert visible_text({"textDisplay": "5 < 6 and 7 > 3"}) == "5 < 6 and 7 > 3"
