"""Apple App Store reviews from Apple's public customer-reviews feed (JSON flavour).

``{base_url}/{country}/rss/customerreviews/page={n}/id={app_id}/sortBy=mostRecent/json``
lists the newest reviews, 50 a page, at most 10 pages. Review ids grow over time, so the
cursor keeps the newest id seen: later runs read pages until they reach a review at or
below it. The first run reads ``backfill_pages`` pages (default 1). Entries without a
star rating (older feeds put the app itself first) are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import Field

from listeners.base import BaseListener, Batch, ListenerSettings
from listeners.errors import MalformedResponse
from storage.records import Mention

logger = logging.getLogger(__name__)


class AppStoreSettings(ListenerSettings):
    """Config keys of a ``type = "appstore"`` source (pair it with ``brand = "..."``)."""

    app_id: str = Field(description="Numeric App Store id (the digits after 'id' in the URL).")
    country: str = Field(default="us", description="Two-letter store country code.")
    base_url: str = Field(default="https://itunes.apple.com", description="Feed host.")
    max_pages: int = Field(default=10, ge=1, le=10, description="Most pages per run (50 each).")
    backfill_pages: int = Field(default=1, ge=1, le=10, description="Pages read on the first run.")


def _label(entry: Mapping[str, Any], key: str) -> str:
    value = entry.get(key)
    if isinstance(value, Mapping):
        return str(value.get("label") or "")
    return ""


def _int(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def entries_of(payload: Any) -> list[Mapping[str, Any]]:
    """The review entries of a feed page (one entry may come as an object, none as absent)."""
    feed = payload["feed"]
    entries = feed.get("entry") or []
    if isinstance(entries, Mapping):
        entries = [entries]
    if not isinstance(entries, list):
        raise TypeError("feed.entry is not a list")
    return [e for e in entries if isinstance(e, Mapping) and "im:rating" in e]


def entry_to_mention(
    source: str, entry: Mapping[str, Any], *, app_id: str, country: str
) -> Mention:
    """One review entry as a mention; ``rating`` is the 1-5 stars."""
    review_id = _label(entry, "id")
    author = entry.get("author") or {}
    link = (
        ((entry.get("link") or {}).get("attributes") or {}).get("href")
        if isinstance(entry.get("link"), Mapping)
        else None
    )
    rating = _int(_label(entry, "im:rating"))
    return Mention(
        source=source,
        external_id=review_id,
        url=str(link or f"https://apps.apple.com/{country}/app/id{app_id}?see-all=reviews"),
        text=_label(entry, "content"),
        title=_label(entry, "title"),
        author=_label(author, "name") if isinstance(author, Mapping) else "",
        published_at=_time(_label(entry, "updated")),
        rating=float(rating) if rating is not None and 1 <= rating <= 5 else None,
        engagement=_int(_label(entry, "im:voteSum")),
        extra={
            "app_id": app_id,
            "country": country,
            "app_version": _label(entry, "im:version"),
            "vote_count": _int(_label(entry, "im:voteCount")),
        },
    )


class AppStoreListener(BaseListener[AppStoreSettings]):
    """Reads one app's newest App Store reviews in one country.

    Cursor: ``{"newest_id": <largest review id seen>}``.
    """

    kind: ClassVar[str] = "appstore"
    Settings = AppStoreSettings

    def page_url(self, page: int) -> str:
        s = self.settings
        return (
            f"{s.base_url.rstrip('/')}/{s.country}/rss/customerreviews/page={page}"
            f"/id={s.app_id}/sortBy=mostRecent/json"
        )

    def _page(self, page: int) -> list[Mapping[str, Any]]:
        url = self.page_url(page)
        response = self.http.get(url, source=self.name)
        try:
            return entries_of(response.json())
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MalformedResponse(
                self.name, f"not a customer-reviews feed at {url}: {exc}", hint="check app_id"
            ) from exc

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Read new reviews; raises a ListenerError (cursor unchanged) on failure."""
        newest = _int(str((cursor or {}).get("newest_id") or "")) if cursor else None
        pages = self.settings.max_pages if newest is not None else self.settings.backfill_pages
        mentions: dict[str, Mention] = {}
        warnings: list[str] = []
        raw = 0
        for page in range(1, pages + 1):
            entries = self._page(page)
            raw += len(entries)
            caught_up = False
            for entry in entries:
                review_id = _int(_label(entry, "id"))
                if review_id is None:
                    continue
                if newest is not None and review_id <= newest:
                    caught_up = True
                    continue
                mention = entry_to_mention(
                    self.name, entry, app_id=self.settings.app_id, country=self.settings.country
                )
                mentions.setdefault(mention.external_id, mention)
            if caught_up or len(entries) < 50:
                break
        if raw == 0 and newest is None:
            warnings.append(
                f"no reviews in the {self.settings.country} feed of app {self.settings.app_id}:"
                " check app_id and country"
            )
        ids = [int(m.external_id) for m in mentions.values()]
        top = max([*ids, *([newest] if newest is not None else [])], default=None)
        return Batch(
            mentions=list(mentions.values()),
            cursor={"newest_id": str(top)} if top is not None else dict(cursor or {}) or None,
            item_count=raw,
            warnings=warnings,
        )
