"""Google Play adapter on a real recorded reviews response: mapping, paging, errors.

``batchexecute_reviews_com.twitter.android.txt`` is a real Play Store ``batchexecute``
(rpc ``UsvDTd``) reply with four Twitter reviews from January 2021; see
tests/fixtures/googleplay/README.md for its source. google-play-scraper's endpoint is a
module constant; the adapter posts to it through the shared bounded HttpClient, so the
edge is an httpx transport answering with the recording, and the library's own parsing
and the adapter run for real. The
paging tests feed the same four reviews, as the library parses them, through the
adapter's ``fetcher`` seam.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from listeners import listener_class
from listeners.base import Backoff
from listeners.errors import MalformedResponse, NotFound
from listeners.googleplay import GooglePlayListener, GooglePlaySettings, library_fetcher
from listeners.http import HttpClient

RECORDING = (
    Path(__file__).parent
    / "fixtures"
    / "googleplay"
    / "batchexecute_reviews_com.twitter.android.txt"
).read_text(encoding="utf-8")
APP = "com.twitter.android"
# reviewIds in the recording (relevance order), with their review times (UTC)
HAYZEL = "gp:AOqpTOEG141w8NXyoj4CFpinzfXvBYYywrWQdoRk3NMYLgGE-8TmYXHQhFgs-pXL25gDnLulPidwqJvbcxNK3A"
CRAZY = "gp:AOqpTOEAwZX1e7CUex4D06PVP2O7i9ENYHktm-BqxQUyEtyOuPyXioDPQm7tuB7N7wEVIhwUHxxfu65kXETAXw"
DEXY = "gp:AOqpTOFN64qjPJ6gnVIx-YfPdSOxOVbIhFzplGsYNSqWX4qPN0pSeZxav4xXFcorvktvCPrYXWLsGVbV2EZsTg"
AEO = "gp:AOqpTOEl5S8SW6I_wjip-Rqg48Hb6FWd59x789aEcBVB9gAGuU1OI5qyD_AWk1bE1Zy6F1abBzQfvk6ELIzmIw"
TS = {HAYZEL: 1611106445, CRAZY: 1610165728, DEXY: 1610216115, AEO: 1611093221}


def import_library() -> None:
    """Import google-play-scraper the way the adapter does (default HTTPS context kept)."""
    try:
        library_fetcher()
    except ImportError:
        pytest.skip("google-play-scraper not installed")


def wire_body() -> str:
    """The recording as the library expects it on the wire: the saved copy's envelope was
    re-wrapped by a formatter, which dropped the blank line after the ``)]}'`` guard."""
    assert RECORDING.startswith(")]}'[")
    return ")]}'\n\n" + RECORDING[4:]


def parsed_reviews() -> dict[str, dict[str, Any]]:
    """The recording's reviews as google-play-scraper's ``reviews()`` returns them."""
    import_library()
    from google_play_scraper.constants.element import ElementSpecs

    envelope = json.loads(RECORDING[len(")]}'") :])
    payload = json.loads(next(row[2] for row in envelope if row[:2] == ["wrb.fr", "UsvDTd"]))
    reviews = [
        {k: spec.extract_content(raw) for k, spec in ElementSpecs.Review.items()}
        for raw in payload[0]
    ]
    return {r["reviewId"]: r for r in reviews}


class PlayEdge:
    """The internet edge: an httpx transport answering Google Play's ``batchexecute``
    POST with the recording (or ``status``), recording each request's URL and form."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.calls: list[tuple[str, dict[str, list[str]]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((str(request.url), parse_qs(request.content.decode())))
        if self.status != 200:
            return httpx.Response(self.status, text="Not Found")
        return httpx.Response(200, text=wire_body())

    def client(self) -> HttpClient:
        return HttpClient(transport=httpx.MockTransport(self), backoff=Backoff(attempts=1))


def test_maps_recorded_reviews_through_the_library() -> None:
    """The POST goes through the shared bounded HttpClient; the library parses the reply."""
    import_library()
    assert listener_class("googleplay") is GooglePlayListener
    edge = PlayEdge()
    with edge.client() as http:
        listener = GooglePlayListener(
            GooglePlaySettings(app_id=APP, page_size=4), name="play", http=http
        )
        batch = listener.fetch(None)
    ((url, form),) = edge.calls  # the 2021 reply's paging token is not where 1.2.x looks
    assert url == "https://play.google.com/_/PlayStoreUi/data/batchexecute?hl=en&gl=us"
    assert APP in form["f.req"][0]
    assert [m.external_id for m in batch.mentions] == [HAYZEL, CRAZY, DEXY, AEO]
    assert [m.rating for m in batch.mentions] == [5.0, 2.0, 1.0, 2.0]
    assert [m.engagement for m in batch.mentions] == [1114, 2092, 2282, 94]
    first, second = batch.mentions[:2]
    assert first.author == "hayzel rose ilagan"
    assert first.text.startswith("I see that a lot here rate the app for a glitch")
    assert 'without thinking of who might "react" on it' in first.text  # inner JSON unescaped
    assert first.text.endswith("twitter is one of the best social media platform.")
    assert first.published_at == datetime(2021, 1, 20, 1, 34, 5, tzinfo=UTC)
    assert first.language == "en"
    assert first.url == (
        f"https://play.google.com/store/apps/details?id={APP}&hl=en&gl=us&reviewId={HAYZEL}"
    )
    assert first.extra == {
        "app_id": APP,
        "country": "us",
        "app_version": "8.76.0-release.01",
        "reply": None,
    }
    assert second.text.startswith("Twitter is just very buggy application")
    assert second.published_at == datetime(2021, 1, 9, 4, 15, 28, tzinfo=UTC)
    assert batch.item_count == 4
    assert batch.cursor == {"newest_ts": TS[HAYZEL], "ids": [HAYZEL]}


def test_a_failing_endpoint_is_an_error_naming_the_status() -> None:
    """google-play-scraper swallows HTTP errors; through the shared client a 404 is a
    NotFound naming the status, and nothing is retried."""
    import_library()
    edge = PlayEdge(status=404)
    with edge.client() as http:
        listener = GooglePlayListener(GooglePlaySettings(app_id=APP), name="play", http=http)
        with pytest.raises(NotFound, match="404"):
            listener.fetch(None)
    assert len(edge.calls) == 1


class FakeFetcher:
    """Serves pages of recorded reviews in the order given (newest first, as
    ``Sort.NEWEST`` asks; the recording itself is in relevance order)."""

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.calls: list[Mapping[str, Any]] = []

    def __call__(self, **kwargs: Any) -> tuple[list[dict[str, Any]], Any]:
        self.calls.append(kwargs)
        index = len(self.calls) - 1
        page = self.pages[index] if index < len(self.pages) else []
        return page, (f"token{index + 1}" if index + 1 < len(self.pages) else None)


def make(fetcher: FakeFetcher, **settings: Any) -> GooglePlayListener:
    values = {"app_id": APP, "page_size": 2, **settings}
    with HttpClient() as http:
        return GooglePlayListener(
            GooglePlaySettings(**values), name="play", http=http, queries=(), fetcher=fetcher
        )


def test_pages_until_it_reaches_the_cursor() -> None:
    r = parsed_reviews()
    cursor = {"newest_ts": TS[DEXY], "ids": [DEXY]}
    fetcher = FakeFetcher([[r[HAYZEL], r[AEO]], [r[DEXY], r[CRAZY]], []])
    batch = make(fetcher).fetch(cursor)
    assert [m.external_id for m in batch.mentions] == [HAYZEL, AEO]
    assert fetcher.calls == [
        {"app_id": APP, "lang": "en", "country": "us", "count": 2, "token": None},
        {"app_id": APP, "lang": "en", "country": "us", "count": 2, "token": "token1"},
    ]  # stopped at the cursor's review
    assert batch.cursor == {"newest_ts": TS[HAYZEL], "ids": [HAYZEL]}


def test_nothing_new_keeps_cursor() -> None:
    r = parsed_reviews()
    cursor = {"newest_ts": TS[HAYZEL], "ids": [HAYZEL]}
    batch = make(FakeFetcher([[r[HAYZEL], r[AEO]]])).fetch(cursor)
    assert batch.mentions == [] and batch.cursor == cursor


def test_zero_results_is_an_error_on_first_run() -> None:
    with pytest.raises(MalformedResponse, match="no reviews"):
        make(FakeFetcher([[]])).fetch(None)


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
