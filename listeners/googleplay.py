"""Google Play reviews through the google-play-scraper library, behind an adapter.

google-play-scraper (1.2.x) talks to Google's internal web endpoints, which change
without notice; its ``reviews()`` swallows every fetch error and returns an empty list.
So this adapter treats "no reviews at all" on a run without a cursor as an error
(:class:`MalformedResponse`), and the source's health shows it. Its base URL is a module
constant, not configurable: tests exercise the mapping and the paging logic through the
``fetcher`` seam instead of a local server.

Requests go through the shared :class:`~listeners.http.HttpClient`
(:mod:`listeners.googleplay_fetch`): the library's own ``urlopen`` has no timeout and no
size limit, so only its request body and reply parsing are used.

Importing the library replaces Python's default HTTPS context with an unverified one
(``ssl._create_default_https_context``); the adapter imports it lazily and puts the
previous value back at once.

Reviews come newest first. The cursor keeps the newest review time (UTC seconds) and the
ids seen at that second; a run pages until it reaches them (at most ``max_pages``).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import Field

from domain import defaults
from listeners.base import BaseListener, Batch, BrandQuery, ListenerSettings
from listeners.errors import ListenerError, MalformedResponse, NotFound, SourceDisabled
from listeners.googleplay_fetch import bounded_fetcher
from listeners.http import HttpClient
from storage.records import Mention

logger = logging.getLogger(__name__)

#: Google Play's host (google-play-scraper's own constant).
PLAY_STORE_URL = "https://play.google.com"

#: ``fetcher(app_id=, lang=, country=, count=, token=) -> (reviews, next_token)``
Fetcher = Callable[..., tuple[list[Mapping[str, Any]], Any]]


class GooglePlaySettings(ListenerSettings):
    """Config keys of a ``type = "googleplay"`` source (pair it with ``brand = "..."``)."""

    app_id: str = Field(description="Package name, e.g. 'com.example.app'.")
    lang: str = Field(default="en", description="Review language code.")
    country: str = Field(default="us", description="Store country code.")
    page_size: int = Field(default=100, ge=1, le=200, description="Reviews per request.")
    max_pages: int = Field(
        default=defaults.LISTENER_MAX_PAGES, ge=1, le=50, description="Most requests per run."
    )
    base_url: str = Field(
        default=PLAY_STORE_URL,
        description="Play Store host; another value is for a local replay server (the demo).",
    )


def library_fetcher(base_url: str = PLAY_STORE_URL) -> Fetcher:
    """The real fetcher over google-play-scraper (imported lazily, SSL default restored).

    ``base_url`` other than :data:`PLAY_STORE_URL` posts to
    ``{base_url}/_/PlayStoreUi/data/batchexecute`` through the library's one-page fetch
    (its request and parser; only the host differs) — for the demo's replay server.
    """
    saved = ssl._create_default_https_context
    try:
        import google_play_scraper as gps
    except ImportError as exc:
        raise ImportError("google-play-scraper is not installed") from exc
    finally:
        ssl._create_default_https_context = saved

    def fetch_from(*, app_id: str, lang: str, country: str, count: int, token: Any) -> Any:
        from google_play_scraper.constants.element import ElementSpecs
        from google_play_scraper.features.reviews import _fetch_review_items

        url = f"{base_url.rstrip('/')}/_/PlayStoreUi/data/batchexecute?hl={lang}&gl={country}"
        items, next_token = _fetch_review_items(
            url, app_id, gps.Sort.NEWEST.value, count, None, None, getattr(token, "token", token)
        )
        reviews = [
            {k: spec.extract_content(r) for k, spec in ElementSpecs.Review.items()} for r in items
        ]
        return reviews, None if isinstance(next_token, list) else next_token

    if base_url.rstrip("/") != PLAY_STORE_URL:
        return fetch_from

    def fetch(*, app_id: str, lang: str, country: str, count: int, token: Any) -> Any:
        return gps.reviews(
            app_id,
            lang=lang,
            country=country,
            sort=gps.Sort.NEWEST,
            count=count,
            continuation_token=token,
        )

    return fetch


def _utc(value: Any) -> datetime | None:
    """The library gives naive *local* datetimes (``datetime.fromtimestamp``)."""
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC)


def review_to_mention(
    source: str, review: Mapping[str, Any], *, app_id: str, lang: str, country: str
) -> Mention:
    """One google-play-scraper review dict as a mention (``score`` → rating 1-5)."""
    review_id = str(review["reviewId"])
    score = review.get("score")
    thumbs = review.get("thumbsUpCount")
    return Mention(
        source=source,
        external_id=review_id,
        url=f"https://play.google.com/store/apps/details?id={app_id}&hl={lang}&gl={country}"
        f"&reviewId={review_id}",
        text=str(review.get("content") or ""),
        author=str(review.get("userName") or ""),
        published_at=_utc(review.get("at")),
        rating=float(score) if isinstance(score, int | float) and 1 <= score <= 5 else None,
        engagement=thumbs if isinstance(thumbs, int) else None,
        language=lang or None,
        extra={
            "app_id": app_id,
            "country": country,
            "app_version": review.get("appVersion") or review.get("reviewCreatedVersion"),
            "reply": review.get("replyContent"),
        },
    )


class GooglePlayListener(BaseListener[GooglePlaySettings]):
    """Reads one app's newest Google Play reviews.

    Cursor: ``{"newest_ts": unix_s, "ids": [reviewId, ...]}``.
    """

    kind: ClassVar[str] = "googleplay"
    Settings = GooglePlaySettings

    def __init__(
        self,
        settings: GooglePlaySettings,
        *,
        name: str,
        http: HttpClient,
        queries: Sequence[BrandQuery] = (),
        fetcher: Fetcher | None = None,
    ) -> None:
        super().__init__(settings, name=name, http=http, queries=queries)
        self._fetcher = fetcher

    def _fetch_page(self, token: Any) -> tuple[list[Mapping[str, Any]], Any]:
        if self._fetcher is None:
            try:
                library_fetcher(self.settings.base_url)  # imports it, HTTPS context kept
                self._fetcher = bounded_fetcher(
                    self.http, source=self.name, base_url=self.settings.base_url
                )
            except ImportError as exc:
                raise SourceDisabled(
                    self.name,
                    "google-play-scraper is missing",
                    hint="pip install google-play-scraper",
                ) from exc
        s = self.settings
        try:
            reviews, next_token = self._fetcher(
                app_id=s.app_id, lang=s.lang, country=s.country, count=s.page_size, token=token
            )
        except ListenerError:
            raise
        except Exception as exc:  # the library raises NotFoundError, ExtraHTTPError, ...
            if exc.__class__.__name__ == "NotFoundError":
                raise NotFound(
                    self.name, f"no app {s.app_id!r} on Google Play", hint="check app_id"
                ) from exc
            raise MalformedResponse(
                self.name,
                f"Google Play scraper failed: {exc!r}",
                hint="upgrade google-play-scraper",
            ) from exc
        if not isinstance(reviews, list) or not all(
            isinstance(r, Mapping) and "reviewId" in r for r in reviews
        ):
            raise MalformedResponse(self.name, "Google Play scraper returned unexpected data")
        return reviews, next_token

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Read new reviews; raises a ListenerError (cursor unchanged) on failure."""
        since = int(cursor["newest_ts"]) if cursor and cursor.get("newest_ts") is not None else None
        seen = set(cursor.get("ids") or []) if cursor else set()
        pages = self.settings.max_pages if since is not None else 1
        fresh: dict[str, Mention] = {}
        raw = 0
        token: Any = None
        for _ in range(pages):
            reviews, token = self._fetch_page(token)
            raw += len(reviews)
            caught_up = False
            for review in reviews:
                mention = review_to_mention(
                    self.name,
                    review,
                    app_id=self.settings.app_id,
                    lang=self.settings.lang,
                    country=self.settings.country,
                )
                ts = int(mention.published_at.timestamp()) if mention.published_at else None
                if (
                    since is not None
                    and ts is not None
                    and (ts < since or (ts == since and mention.external_id in seen))
                ):
                    caught_up = True
                    continue
                fresh.setdefault(mention.external_id, mention)
            if caught_up or not reviews or getattr(token, "token", token) is None:
                break
        if raw == 0 and since is None:
            raise MalformedResponse(
                self.name,
                f"Google Play returned no reviews for {self.settings.app_id!r}",
                hint="the unofficial endpoint may have changed (upgrade google-play-scraper), "
                "or the app id/country is wrong",
            )
        stamps = [
            (int(m.published_at.timestamp()), m.external_id)
            for m in fresh.values()
            if m.published_at
        ]
        if not stamps:
            return Batch(mentions=[], cursor=dict(cursor) if cursor else None, item_count=raw)
        newest = max(ts for ts, _ in stamps)
        ids = {rid for ts, rid in stamps if ts == newest}
        if since is not None and newest == since:
            ids |= seen
        return Batch(
            mentions=list(fresh.values()),
            cursor={"newest_ts": newest, "ids": sorted(ids)},
            item_count=raw,
        )
