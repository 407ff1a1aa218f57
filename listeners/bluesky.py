"""Bluesky posts that mention a brand, through the AT Protocol post search
``app.bsky.feed.searchPosts`` on the public AppView (no account needed).

One stream per brand term (``q``), newest first (``sort=latest``). The cursor keeps,
per stream, the newest ``indexedAt`` seen and the post URIs indexed at that instant;
later runs pass it (less 15 minutes, as ``since`` filters on creation time) as
``since``, drop what they had, and follow the
reply's ``cursor`` page after page (up to ``max_pages``) until they reach posts they
already had. The first run reads one page (no backfill).

**Pitfall: search is not a firehose.** Bluesky discourages ``searchPosts`` for
monitoring: results come from a search index that may lag, skip posts or drop old
ones, and the public AppView has at times answered search without a session with HTTP
403 (reported as :class:`~listeners.errors.AccessDenied` naming the fix). For
complete coverage of busy brands consume Jetstream (the JSON firehose) with its own
``cursor`` instead; this listener is the simple, polite option for light monitoring.

Posts whose author carries the ``!no-unauthenticated`` label asked not to be shown to
logged-out viewers; they are not stored (a warning counts them) unless
``respect_no_unauthenticated`` is false. Posts without text (image-only) are handed on:
the intake counts them as deleted. Rate limits: the AppView sends
``RateLimit-Remaining`` / ``RateLimit-Reset``; at 0 the run stops searching
(warning) and keeps the cursors; HTTP 429 is retried by the shared client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any, ClassVar

from pydantic import Field

from domain.defaults import LISTENER_MAX_PAGES
from listeners.base import BaseListener, Batch, ListenerSettings, StreamBatch
from listeners.errors import AccessDenied, MalformedResponse
from listeners.payload import require_records
from listeners.timefmt import advance_cursor, seen_before
from listeners.timefmt import parse_time as _parse_time
from storage.records import Mention

logger = logging.getLogger(__name__)

BSKY_WEB = "https://bsky.app"
NO_UNAUTHENTICATED = "!no-unauthenticated"
#: ``since`` filters on a post's sort time (its creation time, at most its indexing time),
#: while the cursor holds indexing times: ask from a little earlier so a post written
#: before the last run but indexed after it is not filtered out. Repeats are dropped.
SINCE_MARGIN = timedelta(minutes=15)


class BlueskySettings(ListenerSettings):
    """Config keys of a ``type = "bluesky"`` source."""

    base_url: str = Field(
        default="https://public.api.bsky.app",
        description="AppView base URL (XRPC endpoints live under /xrpc/).",
    )
    lang: str = Field(default="", description="Only posts in this language (ISO 639-1); ''=all.")
    limit: int = Field(default=50, ge=1, le=100, description="Posts per request (max 100).")
    max_pages: int = Field(
        default=LISTENER_MAX_PAGES, ge=1, le=20, description="Most pages per term per run."
    )
    respect_no_unauthenticated: bool = Field(
        default=True,
        description="Skip posts whose authors asked not to be shown to logged-out viewers.",
    )


def post_to_mention(
    source: str, post: Mapping[str, Any], *, respect_no_unauthenticated: bool = True
) -> Mention | None:
    """A ``postView`` as a mention; None when its author opted out of logged-out viewing.

    A post without text (images only) is left to the intake, which counts it as deleted.
    """
    record = post.get("record") or {}
    author = post.get("author") or {}
    text = str(record.get("text") or "").strip()
    labels = [str(x.get("val")) for x in author.get("labels") or [] if isinstance(x, dict)]
    if respect_no_unauthenticated and NO_UNAUTHENTICATED in labels:
        return None
    uri = str(post["uri"])
    handle = str(author.get("handle") or author.get("did") or "")
    counts = [post.get(k) for k in ("likeCount", "repostCount", "quoteCount")]
    replies = post.get("replyCount")
    langs = record.get("langs") or []
    reply = (record.get("reply") or {}).get("parent") or {}
    embed = (record.get("embed") or {}).get("external") or {}
    return Mention(
        source=source,
        external_id=uri,
        url=f"{BSKY_WEB}/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}" if handle else "",
        text=text,
        author=handle,
        published_at=_parse_time(record.get("createdAt")) or _parse_time(post.get("indexedAt")),
        engagement=sum(c for c in counts if isinstance(c, int))
        if any(isinstance(c, int) for c in counts)
        else None,
        comment_count=replies if isinstance(replies, int) else None,
        language=str(langs[0]) if langs else None,
        extra={
            "did": author.get("did"),
            "display_name": author.get("displayName") or None,
            "indexed_at": post.get("indexedAt"),
            "cid": post.get("cid"),
            "reply_to": reply.get("uri"),
            "link": embed.get("uri"),
            "author_labels": labels,
            "likes": post.get("likeCount"),
            "reposts": post.get("repostCount"),
            "quotes": post.get("quoteCount"),
        },
    )


class BlueskyListener(BaseListener[BlueskySettings]):
    """Searches Bluesky posts for each brand term, newest first.

    Cursor: ``{"streams": {"<brand>|<term>": {"since": "<indexedAt>", "uris": [...]}}}``.
    """

    kind: ClassVar[str] = "bluesky"
    Settings = BlueskySettings
    _spent: bool = False  # the rate-limit budget ran out during this fetch
    _reset: str | None = None  # its RateLimit-Reset (Unix seconds), when given

    def _page(self, term: str, since: str | None, cursor: str | None) -> Mapping[str, Any]:
        url = self.settings.base_url.rstrip("/") + "/xrpc/app.bsky.feed.searchPosts"
        params: dict[str, str | int] = {"q": term, "sort": "latest", "limit": self.settings.limit}
        since_dt = _parse_time(since)
        if since_dt:
            params["since"] = (since_dt - SINCE_MARGIN).isoformat(timespec="milliseconds")[
                :-6
            ] + "Z"
        if self.settings.lang:
            params["lang"] = self.settings.lang
        if cursor:
            params["cursor"] = cursor
        response = self.http.get(
            url,
            source=self.name,
            params=params,
            headers={"Accept": "application/json"},
            ok_statuses=(401, 403),
        )
        if response.status_code in (401, 403):
            raise AccessDenied(
                self.name,
                f"Bluesky search refused without a session (HTTP {response.status_code})",
                hint="the public AppView may require login for search; try another base_url "
                "or a Jetstream consumer",
            )
        if response.headers.get("RateLimit-Remaining", "").strip() == "0":
            self._spent = True
            self._reset = response.headers.get("RateLimit-Reset")
        try:
            payload = response.json()
            require_records(payload, "posts", ("uri", "indexedAt"))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponse(
                self.name,
                f"unexpected reply from Bluesky searchPosts ({url}): {exc}",
                hint="is base_url an AppView? (https://public.api.bsky.app)",
            ) from exc
        return payload

    def _poll(
        self, term: str, state: Mapping[str, Any] | None, warnings: list[str]
    ) -> tuple[list[Mapping[str, Any]], dict[str, Any] | None]:
        since = str(state["since"]) if state and state.get("since") else None
        since_dt = _parse_time(since)
        seen = set(state.get("uris") or []) if state else set()
        posts: list[Mapping[str, Any]] = []
        cursor: str | None = None
        pages = self.settings.max_pages if since else 1
        for page in range(pages):
            payload = self._page(term, since, cursor)
            batch = payload["posts"]
            posts.extend(batch)
            cursor = payload.get("cursor") or None
            times = [m for p in batch if (m := _parse_time(p["indexedAt"]))]
            if self._spent or not cursor or not batch:
                break
            if since_dt and times and min(times) <= since_dt:
                break
            if page == pages - 1 and since:
                warnings.append(
                    f"{term!r}: more than {len(posts)} new posts; older ones in this window "
                    "were skipped (raise max_pages or poll more often)"
                )
        fresh = []
        for post in posts:
            moment = _parse_time(post["indexedAt"])
            if seen_before(moment, since_dt, post["uri"], seen):
                continue
            fresh.append(post)
        stamped = [(m, str(p["uri"])) for p in posts if (m := _parse_time(p["indexedAt"]))]
        advanced = advance_cursor(stamped, since_dt, seen)
        if advanced is None:
            return fresh, dict(state) if state else None
        newest, uris = advanced
        stamp = newest.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return fresh, {"since": stamp, "uris": uris}

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Search every brand term once; raises a ListenerError (cursor unchanged) on failure."""
        old = dict((cursor or {}).get("streams") or {})
        collected = StreamBatch(self.name)
        self._spent, self._reset = False, None
        opted_out: set[str] = set()
        for query in self.queries:
            for term in dict.fromkeys(t.strip() for t in query.terms if t.strip()):
                key = f"{query.brand}|{term}"
                if self._spent:
                    collected.add(key, (), raw_count=0, state=old.get(key))
                    continue
                posts, state = self._poll(term, old.get(key), collected.warnings)
                mentions = []
                for post in posts:
                    mention = post_to_mention(
                        self.name,
                        post,
                        respect_no_unauthenticated=self.settings.respect_no_unauthenticated,
                    )
                    if mention is None:
                        opted_out.add(str(post["uri"]))
                    else:
                        mentions.append(mention)
                collected.add(key, mentions, raw_count=len(posts), state=state)
        if opted_out:
            collected.warnings.append(
                f"{len(opted_out)} posts not stored: their authors asked not to be shown to "
                "logged-out viewers (!no-unauthenticated; respect_no_unauthenticated = false "
                "keeps them)"
            )
        if self._spent:
            collected.warnings.append(
                f"Bluesky rate limit spent (resets at {self._reset}); "
                "the remaining searches wait for the next run"
            )
        return collected.batch()
