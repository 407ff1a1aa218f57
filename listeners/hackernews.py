"""Hacker News through the Algolia HN Search API (``search_by_date``): stories and comments.

One stream per brand search term (Algolia matches all words of a query, so terms are
queried separately). The cursor keeps, per stream, the newest ``created_at_i`` (Unix
seconds) seen and the ids seen at that second; the next run asks for
``numericFilters=created_at_i>=<since>`` and drops those ids, so items sharing the last
second are neither lost nor repeated. The first run reads one page only (no backfill).
The API needs no key (about 10,000 requests an hour per IP).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import Field

from listeners.base import BaseListener, Batch, ListenerSettings, StreamBatch
from listeners.errors import MalformedResponse
from listeners.html_text import html_to_text
from listeners.payload import require_records
from storage.records import Mention

logger = logging.getLogger(__name__)

HN_ITEM_URL = "https://news.ycombinator.com/item?id="


class HackerNewsSettings(ListenerSettings):
    """Config keys of a ``type = "hackernews"`` source."""

    base_url: str = Field(
        default="https://hn.algolia.com/api/v1", description="Algolia HN Search API base URL."
    )
    tags: str = Field(
        default="(story,comment)",
        description="Algolia tags filter: '(story,comment)', 'story', 'comment', 'show_hn'...",
    )
    hits_per_page: int = Field(default=100, ge=1, le=1000, description="Hits per request.")
    max_pages: int = Field(default=10, ge=1, le=50, description="Most pages per term per run.")


def hit_to_mention(source: str, hit: Mapping[str, Any]) -> Mention:
    """An Algolia HN hit (story or comment) as a mention."""
    object_id = str(hit["objectID"])
    is_comment = hit.get("comment_text") is not None or "comment" in (hit.get("_tags") or [])
    created = hit.get("created_at_i")
    published = datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int) else None
    points = hit.get("points")
    if is_comment:
        text = html_to_text(str(hit.get("comment_text") or ""))
        title = str(hit.get("story_title") or "")
        comments = None
    else:
        text = html_to_text(str(hit.get("story_text") or ""))
        title = str(hit.get("title") or "")
        comments = hit.get("num_comments") if isinstance(hit.get("num_comments"), int) else None
    return Mention(
        source=source,
        external_id=object_id,
        url=HN_ITEM_URL + object_id,
        text=text,
        title=title,
        author=str(hit.get("author") or ""),
        published_at=published,
        engagement=points if isinstance(points, int) else None,
        comment_count=comments,
        extra={
            "kind": "comment" if is_comment else "story",
            "link_url": hit.get("url") or hit.get("story_url"),
            "story_id": hit.get("story_id"),
            "parent_id": hit.get("parent_id"),
        },
    )


class HackerNewsListener(BaseListener[HackerNewsSettings]):
    """Searches Hacker News for each brand term, newest first.

    Cursor: ``{"streams": {"<brand>|<term>": {"since": unix_s, "ids": [objectID, ...]}}}``.
    """

    kind: ClassVar[str] = "hackernews"
    Settings = HackerNewsSettings

    def _page(self, term: str, since: int | None, page: int) -> Mapping[str, Any]:
        params: dict[str, str | int] = {
            "query": term,
            "tags": self.settings.tags,
            "hitsPerPage": self.settings.hits_per_page,
            "page": page,
        }
        if since is not None:
            params["numericFilters"] = f"created_at_i>={since}"
        url = self.settings.base_url.rstrip("/") + "/search_by_date"
        response = self.http.get(url, source=self.name, params=params)
        try:
            payload = response.json()
            require_records(payload, "hits", ("objectID", "created_at_i"))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponse(
                self.name, f"unexpected reply from {url}: {exc}", hint="check base_url"
            ) from exc
        return payload

    def _poll(
        self, term: str, state: Mapping[str, Any] | None, warnings: list[str]
    ) -> tuple[list[Mapping[str, Any]], dict[str, Any] | None]:
        since = int(state["since"]) if state and state.get("since") is not None else None
        seen_at_since = set(state.get("ids") or []) if state else set()
        hits: list[Mapping[str, Any]] = []
        pages = self.settings.max_pages if since is not None else 1
        for page in range(pages):
            payload = self._page(term, since, page)
            hits.extend(payload["hits"])
            if page + 1 >= int(payload.get("nbPages") or 0):
                break
        else:
            if since is not None:
                warnings.append(
                    f"{term!r}: more than {pages * self.settings.hits_per_page} new items; "
                    "older ones in this window were skipped (raise max_pages or poll more often)"
                )
        fresh = [
            h
            for h in hits
            if not (
                since is not None and h["created_at_i"] == since and h["objectID"] in seen_at_since
            )
        ]
        if not hits:
            return [], dict(state) if state else None
        newest = max(int(h["created_at_i"]) for h in hits)
        ids = sorted({str(h["objectID"]) for h in hits if h["created_at_i"] == newest})
        if since is not None and newest == since:
            ids = sorted(seen_at_since | set(ids))
        return fresh, {"since": newest, "ids": ids}

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Search every brand term once; raises a ListenerError (cursor unchanged) on failure."""
        old = dict((cursor or {}).get("streams") or {})
        collected = StreamBatch(self.name)
        for query in self.queries:
            for term in dict.fromkeys(t.strip() for t in query.terms if t.strip()):
                key = f"{query.brand}|{term}"
                hits, state = self._poll(term, old.get(key), collected.warnings)
                collected.add(
                    key,
                    (hit_to_mention(self.name, hit) for hit in hits),
                    raw_count=len(hits),
                    state=state,
                )
        return collected.batch()
