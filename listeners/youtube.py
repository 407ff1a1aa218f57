"""YouTube comments on chosen videos and channels through the Data API v3
(``GET /commentThreads``): top-level comments and the replies the API includes.

Streams: one per ``video_ids`` entry (``videoId=``) and one per ``channel_ids`` entry
(``allThreadsRelatedToChannelId=``: comments on all the channel's videos). Threads come
newest first (``order=time``). The cursor keeps, per stream, the newest top-level
``publishedAt`` seen and the thread ids published at that second; later runs page
(``pageToken``) until they reach threads older than that, up to ``max_pages``. The
first run reads one page. Replies are stored when their thread is read, including
replies newer than the cursor on a thread already seen (the API includes up to 5 per
thread; a thread's full reply list needs ``comments.list``, which this listener does
not call). Brands are matched on the comment text.

Texts are read from ``textDisplay`` (what viewers see). The listener asks for
``textFormat=plainText``, but a reply in the API's default HTML format (a proxy, a cached
reply, an older client's recording) gives ``textDisplay`` as HTML: timestamp links,
``<br />``, ``&#39;``. Such a text is turned into plain text (tags dropped, entities
decoded, ``<br />`` as line breaks) instead of being stored with its markup.

The API key (``api_key``, e.g. ``${YOUTUBE_API_KEY}``) is required; without one the
source is reported disabled. It is sent in the ``X-Goog-Api-Key`` header, never in a
URL, so it cannot leak into a log line, an error or the health table.

Quota: 10,000 units a day by default; ``commentThreads.list`` costs 1 unit a page (so
100 videos polled every 30 minutes use about 4,800 a day). ``quotaExceeded`` (HTTP
403) is :class:`~listeners.errors.RateLimited` with the wait until the quota resets at
midnight Pacific time; ``rateLimitExceeded`` is RateLimited without a wait. A video
whose comments are disabled, or that is gone, is skipped with a warning (the other
streams still run); a rejected key is :class:`~listeners.errors.AccessDenied`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import Field, SecretStr

from domain.defaults import LISTENER_MAX_PAGES
from listeners.base import BaseListener, Batch, ListenerSettings, StreamBatch
from listeners.errors import (
    AccessDenied,
    ListenerError,
    MalformedResponse,
    RateLimited,
    SourceDisabled,
)
from listeners.html_text import html_to_text
from listeners.timefmt import advance_cursor, seen_before
from listeners.timefmt import iso_z as _iso
from listeners.timefmt import parse_time as _parse_time
from storage.records import Mention

logger = logging.getLogger(__name__)

QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded"})
SKIP_REASONS = frozenset({"commentsDisabled", "videoNotFound", "channelNotFound"})
KEY_HINT = "set api_key to ${YOUTUBE_API_KEY}, a YouTube Data API v3 key"
#: A tag or a character reference: ``textDisplay`` in the API's HTML format.
_MARKUP = re.compile(r"<[a-zA-Z/][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def visible_text(snippet: Mapping[str, Any]) -> str:
    """What viewers read of a comment: ``textDisplay`` (HTML made plain text when the
    reply came in the HTML format), else ``textOriginal``."""
    display = str(snippet.get("textDisplay") or "")
    if display and _MARKUP.search(display):
        return html_to_text(display)
    return (display or str(snippet.get("textOriginal") or "")).strip()


class YouTubeSettings(ListenerSettings):
    """Config keys of a ``type = "youtube"`` source."""

    base_url: str = Field(
        default="https://www.googleapis.com/youtube/v3", description="YouTube Data API base URL."
    )
    api_key: SecretStr = Field(
        default=SecretStr(""),
        description="Data API v3 key (${YOUTUBE_API_KEY}); required, empty = disabled.",
    )
    video_ids: tuple[str, ...] = Field(default=(), description="Videos whose comments to read.")
    channel_ids: tuple[str, ...] = Field(
        default=(), description="Channels (UC...) whose videos' comments to read."
    )
    replies: bool = Field(
        default=True, description="Also store the replies the API includes (up to 5 a thread)."
    )
    max_results: int = Field(default=100, ge=1, le=100, description="Threads per request.")
    max_pages: int = Field(
        default=LISTENER_MAX_PAGES, ge=1, le=20, description="Most pages per stream per run."
    )


def seconds_until_quota_reset(now: datetime | None = None) -> float | None:
    """Seconds until the next midnight in America/Los_Angeles (when the quota resets)."""
    try:
        from zoneinfo import ZoneInfo

        pacific = ZoneInfo("America/Los_Angeles")
    except Exception:  # no time zone database here
        return None
    local = (now or datetime.now(UTC)).astimezone(pacific)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - local).total_seconds()


def comment_to_mention(
    source: str, comment: Mapping[str, Any], *, reply_count: int | None = None
) -> Mention:
    """A ``youtube#comment`` as a mention (an empty one is left to the intake, which counts
    it as deleted)."""
    snippet = comment.get("snippet") or {}
    text = visible_text(snippet)
    video_id = str(snippet.get("videoId") or "")
    comment_id = str(comment["id"])
    likes = snippet.get("likeCount")
    channel = snippet.get("authorChannelId") or {}
    return Mention(
        source=source,
        external_id=comment_id,
        url=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else "",
        text=text,
        author=str(snippet.get("authorDisplayName") or ""),
        published_at=_parse_time(snippet.get("publishedAt")),
        engagement=likes if isinstance(likes, int) else None,
        comment_count=reply_count,
        extra={
            "kind": "reply" if snippet.get("parentId") else "comment",
            "video_id": video_id or None,
            "channel_id": snippet.get("channelId"),
            "parent_id": snippet.get("parentId"),
            "author_channel_id": channel.get("value") if isinstance(channel, dict) else None,
            "updated_at": snippet.get("updatedAt"),
        },
    )


def thread_to_mentions(source: str, thread: Mapping[str, Any], *, replies: bool) -> list[Mention]:
    """The top-level comment of a ``youtube#commentThread`` and (optionally) its replies."""
    snippet = thread.get("snippet") or {}
    if snippet.get("isPublic") is False:
        return []
    out: list[Mention] = []
    top = snippet.get("topLevelComment")
    count = snippet.get("totalReplyCount")
    if isinstance(top, dict) and top.get("id"):
        out.append(
            comment_to_mention(source, top, reply_count=count if isinstance(count, int) else None)
        )
    if replies:
        for reply in (thread.get("replies") or {}).get("comments") or []:
            if isinstance(reply, dict) and reply.get("id"):
                out.append(comment_to_mention(source, reply))
    return out


def _thread_time(thread: Mapping[str, Any]) -> str:
    top = (thread.get("snippet") or {}).get("topLevelComment") or {}
    return str((top.get("snippet") or {}).get("publishedAt") or "")


class YouTubeListener(BaseListener[YouTubeSettings]):
    """Reads comment threads of configured videos and channels.

    Cursor: ``{"streams": {"video:<id>" | "channel:<id>": {"since": ISO, "ids": [...],
    "replies_since": ISO}}}`` (``replies_since``: the newest comment or reply stored).
    """

    kind: ClassVar[str] = "youtube"
    Settings = YouTubeSettings

    def _page(
        self, stream: tuple[str, str], page_token: str | None, warnings: list[str]
    ) -> Mapping[str, Any] | None:
        """One page of threads; None when the stream is skipped (comments disabled ...)."""
        url = self.settings.base_url.rstrip("/") + "/commentThreads"
        kind, ident = stream
        params: dict[str, str | int] = {
            "part": "snippet,replies" if self.settings.replies else "snippet",
            "order": "time",
            "textFormat": "plainText",
            "maxResults": self.settings.max_results,
            ("videoId" if kind == "video" else "allThreadsRelatedToChannelId"): ident,
        }
        if page_token:
            params["pageToken"] = page_token
        headers = {"X-Goog-Api-Key": self.settings.api_key.get_secret_value().strip()}
        response = self.http.get(
            url, source=self.name, params=params, headers=headers, ok_statuses=(400, 403, 404)
        )
        if response.status_code in (400, 403, 404):
            reason = self._api_error(response, stream)
            warnings.append(f"{kind} {ident}: skipped ({reason})")
            return None
        try:
            payload = response.json()
            items = payload["items"]
            if not isinstance(items, list) or not all(
                isinstance(t, dict) and "id" in t and isinstance(t.get("snippet"), dict)
                for t in items
            ):
                raise TypeError("items without id/snippet")
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponse(
                self.name,
                f"unexpected reply from YouTube commentThreads ({kind} {ident}): {exc}",
                hint="check base_url (https://www.googleapis.com/youtube/v3)",
            ) from exc
        return payload

    def _api_error(self, response: httpx.Response, stream: tuple[str, str]) -> str:
        """Raise for quota, rate and key errors; return the reason of a skippable one."""
        try:
            error = response.json()["error"]
            reasons = [str(e.get("reason")) for e in error.get("errors") or []]
            message = str(error.get("message") or "")
        except (ValueError, KeyError, TypeError, AttributeError):
            reasons, message = [], response.text[:200]
        where = f"{stream[0]} {stream[1]}"
        if QUOTA_REASONS & set(reasons):
            wait = seconds_until_quota_reset()
            raise RateLimited(
                self.name,
                f"YouTube API quota exceeded ({', '.join(reasons)}, HTTP {response.status_code})",
                hint="the daily quota resets at midnight Pacific time; poll fewer videos",
                retry_after=wait,
            )
        if RATE_REASONS & set(reasons) or response.status_code == 429:
            raise RateLimited(
                self.name,
                f"YouTube API rate limit ({', '.join(reasons) or response.status_code})",
                hint="poll less often",
            )
        skippable = SKIP_REASONS & set(reasons)
        if skippable or response.status_code == 404:
            return ", ".join(sorted(skippable)) or f"HTTP {response.status_code}"
        if response.status_code == 403 or {"keyInvalid", "forbidden"} & set(reasons):
            raise AccessDenied(
                self.name,
                f"YouTube refused the request for {where} ({', '.join(reasons) or 'HTTP 403'})",
                hint=KEY_HINT + "; is the YouTube Data API enabled for its project?",
            )
        if "keyInvalid" in message or "API key not valid" in message:
            raise AccessDenied(self.name, "YouTube rejected the API key", hint=KEY_HINT)
        raise ListenerError(
            self.name,
            f"YouTube rejected the request for {where} (HTTP {response.status_code}, "
            f"{', '.join(reasons) or 'no reason given'})",
            hint="check video_ids and channel_ids",
        )

    def _poll(
        self, stream: tuple[str, str], state: Mapping[str, Any] | None, warnings: list[str]
    ) -> tuple[list[Mention], int, dict[str, Any] | None]:
        """``(new mentions, threads read, new state)`` of one stream.

        A thread already seen (top-level comment at or before the cursor) still gives its
        replies published after the cursor: a new answer to an old comment is kept.
        """
        since = str(state["since"]) if state and state.get("since") else None
        since_dt = _parse_time(since)
        replies_since = _parse_time((state or {}).get("replies_since")) or since_dt
        seen = set(state.get("ids") or []) if state else set()
        kept = dict(state) if state else None
        threads: list[Mapping[str, Any]] = []
        token: str | None = None
        pages = self.settings.max_pages if since else 1
        for page in range(pages):
            payload = self._page(stream, token, warnings)
            if payload is None:
                return [], 0, kept
            threads.extend(payload["items"])
            token = payload.get("nextPageToken") or None
            moments = [m for t in payload["items"] if (m := _parse_time(_thread_time(t)))]
            oldest = min(moments, default=None)
            if not token or (since_dt and oldest and oldest <= since_dt):
                break
            if page == pages - 1 and since:
                warnings.append(
                    f"{stream[0]} {stream[1]}: more than {len(threads)} new threads; older ones "
                    "in this window were skipped (raise max_pages or poll more often)"
                )
        mentions: list[Mention] = []
        for thread in threads:
            moment = _parse_time(_thread_time(thread))
            known = seen_before(moment, since_dt, thread["id"], seen)
            for mention in thread_to_mentions(self.name, thread, replies=self.settings.replies):
                if mention.extra["kind"] == "comment" and known:
                    continue
                if (
                    mention.extra["kind"] == "reply"
                    and replies_since
                    and mention.published_at
                    and mention.published_at <= replies_since
                ):
                    continue
                mentions.append(mention)
        times = [(m, t["id"]) for t in threads if (m := _parse_time(_thread_time(t)))]
        advanced = advance_cursor(times, since_dt, seen)
        if advanced is None:
            return mentions, len(threads), kept
        newest, ids = advanced
        reply_times = [m.published_at for m in mentions if m.published_at]
        newest_reply = max([*reply_times, *([replies_since] if replies_since else [])])
        return (
            mentions,
            len(threads),
            {"since": _iso(newest), "ids": ids, "replies_since": _iso(newest_reply)},
        )

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Read every configured video and channel once; raises a ListenerError on failure."""
        if not self.settings.api_key.get_secret_value().strip():
            raise SourceDisabled(self.name, "no YouTube API key", hint=KEY_HINT)
        old = dict((cursor or {}).get("streams") or {})
        collected = StreamBatch(self.name)
        streams = [("video", v) for v in self.settings.video_ids] + [
            ("channel", c) for c in self.settings.channel_ids
        ]
        for stream in streams:
            key = f"{stream[0]}:{stream[1]}"
            mentions, count, state = self._poll(stream, old.get(key), collected.warnings)
            collected.add(key, mentions, raw_count=count, state=state)
        return collected.batch()
