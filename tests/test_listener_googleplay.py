"""Google Play adapter: mapping, paging, and "no results is an error".

The library's endpoint cannot be pointed at a local server, and no recorded Google Play
response is available here, so these reviews are hand-made dicts with the documented
keys of google-play-scraper's ``reviews()`` output (reviewId, userName, content, score,
thumbsUpCount, at, appVersion, replyContent). They are not real reviews.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from listeners import listener_class
from listeners.errors import MalformedResponse, NotFound
from listeners.googleplay import GooglePlayListener, GooglePlaySettings, library_fetcher
from listeners.http import HttpClient

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def review(rid: str, minute: int, score: int = 1) -> dict[str, Any]:
    at = T0.replace(minute=minute).astimezone().replace(tzinfo=None)  # naive local, as the library
    return {
        "reviewId": rid,
        "userName": f"user {rid}",
        "content": f"text {rid}",
        "score": score,
        "thumbsUpCount": 3,
        "at": at,
        "appVersion": "2.1.0",
        "replyContent": None,
    }


class FakeFetcher:
    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.calls: list[Mapping[str, Any]] = []

    def __call__(self, **kwargs: Any) -> tuple[list[dict[str, Any]], Any]:
        self.calls.append(kwargs)
        index = len(self.calls) - 1
        page = self.pages[index] if index < len(self.pages) else []
        return page, (f"token{index + 1}" if index + 1 < len(self.pages) else None)


def make(fetcher: FakeFetcher, **settings: Any) -> GooglePlayListener:
    values = {"app_id": "com.example.app", "page_size": 2, **settings}
    with HttpClient() as http:
        return GooglePlayListener(
            GooglePlaySettings(**values), name="play", http=http, queries=(), fetcher=fetcher
        )


def test_maps_reviews_with_rating_and_utc_time() -> None:
    assert listener_class("googleplay") is GooglePlayListener
    fetcher = FakeFetcher([[review("r3", 30, score=2), review("r2", 20)]])
    batch = make(fetcher).fetch(None)
    first = batch.mentions[0]
    assert (first.external_id, first.rating, first.engagement) == ("r3", 2.0, 3)
    assert first.published_at == T0.replace(minute=30)
    assert first.url.endswith("id=com.example.app&hl=en&gl=us&reviewId=r3")
    assert fetcher.calls == [
        {"app_id": "com.example.app", "lang": "en", "country": "us", "count": 2, "token": None}
    ]
    assert batch.cursor == {"newest_ts": int(T0.replace(minute=30).timestamp()), "ids": ["r3"]}


def test_pages_until_it_reaches_the_cursor() -> None:
    cursor = {"newest_ts": int(T0.replace(minute=20).timestamp()), "ids": ["r2"]}
    fetcher = FakeFetcher(
        [
            [review("r5", 50), review("r4", 40)],
            [review("r3", 30), review("r2", 20)],
            [review("r1", 10)],
        ]
    )
    batch = make(fetcher).fetch(cursor)
    assert [m.external_id for m in batch.mentions] == ["r5", "r4", "r3"]
    assert [c["token"] for c in fetcher.calls] == [None, "token1"]  # stopped at r2
    assert batch.cursor == {"newest_ts": int(T0.replace(minute=50).timestamp()), "ids": ["r5"]}


def test_zero_results_is_an_error_on_first_run() -> None:
    with pytest.raises(MalformedResponse, match="no reviews"):
        make(FakeFetcher([[]])).fetch(None)


def test_nothing_new_keeps_cursor() -> None:
    cursor = {"newest_ts": int(T0.replace(minute=20).timestamp()), "ids": ["r2"]}
    batch = make(FakeFetcher([[review("r2", 20)]])).fetch(cursor)
    assert batch.mentions == [] and batch.cursor == cursor


def test_library_errors_are_translated() -> None:
    class NotFoundError(Exception):
        pass

    def broken(**_: Any) -> Any:
        raise NotFoundError("App not found(404).")

    with HttpClient() as http:
        listener = GooglePlayListener(
            GooglePlaySettings(app_id="com.nope"), name="play", http=http, fetcher=broken
        )
        with pytest.raises(NotFound, match=r"com\.nope"):
            listener.fetch(None)


def test_importing_the_library_keeps_https_verification() -> None:
    before = ssl._create_default_https_context
    try:
        library_fetcher()
    except ImportError:
        pytest.skip("google-play-scraper not installed")
    assert ssl._create_default_https_context is before
