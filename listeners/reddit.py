"""Reddit through PRAW: new submissions and comments of watched subreddits, plus a
site-wide search per brand.

PRAW (and prawcore under it) does the transport: read-only OAuth with the app's client
id and secret, Reddit's ``X-Ratelimit-*`` headers (prawcore waits before the next call
when the budget is spent) and retries of 5xx and connection errors. This module asks
PRAW for raw listing JSON with :meth:`praw.Reddit.request` and maps it to mentions
itself; it never uses streams (they do not return) and PRAW objects are never shared
between threads (one ``praw.Reddit`` per listener instance).

Incremental fetching, per stream (``new``, ``comments``, one ``search`` per brand):

* first run: the newest page only (no deep backfill; listings stop near 1,000 items);
* later runs: ``before=<newest fullname stored in the cursor>``, page after page
  towards the present (up to ``max_pages``), so nothing between runs is skipped;
* if that anchor item was deleted Reddit answers an empty page forever, so an empty
  ``before`` page is followed by one plain page filtered to items created after the
  anchor (PRAW's stream generator does the same).

Repeats are harmless: storage drops them by ``(source, external_id)``.

Reddit's JSON becomes mentions in :mod:`listeners.reddit_mapping`, comment threads are
read by :mod:`listeners.reddit_threads`, PRAW's exceptions are translated by
:mod:`listeners.reddit_errors`; this module keeps the settings, the transport and the
streams.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import praw
import prawcore
from pydantic import Field, SecretStr, field_validator

from domain import defaults
from listeners.base import (
    BaseListener,
    Batch,
    BrandQuery,
    ListenerSettings,
    StreamBatch,
    call_with_backoff,
)
from listeners.bounded_session import BoundedSession
from listeners.errors import MalformedResponse, SourceDisabled
from listeners.http import HttpClient
from listeners.reddit_errors import ENV_HINT, translate_error
from listeners.reddit_mapping import (
    REDDIT_WEB_URL,
    comment_mention,
    listing_children,
    submission_mention,
    to_mention,
)
from listeners.reddit_threads import (
    Thread,
    gone_reason,
    morechildren_things,
    permalinks,
    read_thread,
    thread_id,
)
from storage.records import Mention

logger = logging.getLogger(__name__)

__all__ = [
    "ENV_HINT",
    "REDDIT_WEB_URL",
    "RedditListener",
    "RedditSettings",
    "listing_children",
    "search_query",
    "to_mention",
    "translate_error",
]

DEFAULT_USER_AGENT = "python:brandpulse:v0.1 (self-hosted social listening)"


class RedditSettings(ListenerSettings):
    """Config keys of a ``type = "reddit"`` source."""

    client_id: str = Field(
        default="",
        description="Reddit app client id; use ${REDDIT_CLIENT_ID}. Empty: the source is "
        "reported disabled and the rest runs.",
    )
    client_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Reddit app secret; use ${REDDIT_CLIENT_SECRET}. Empty: disabled.",
    )
    user_agent: str = Field(
        default=DEFAULT_USER_AGENT,
        description="User-Agent Reddit sees; its rules ask for a unique, descriptive one.",
    )
    subreddits: tuple[str, ...] = Field(
        default=(), description="Subreddits to watch (names without r/); empty: none."
    )
    submissions: bool = Field(default=True, description="Watch new submissions.")
    comments: bool = Field(default=True, description="Watch new comments.")
    search: bool = Field(
        default=True, description="Search all of Reddit for each brand's terms (newest first)."
    )
    search_subreddit: str = Field(
        default="all", description="Subreddit searched ('all' means site-wide)."
    )
    limit: int = Field(default=100, ge=1, le=100, description="Items per request (max 100).")
    max_pages: int = Field(
        default=defaults.LISTENER_MAX_PAGES,
        ge=1,
        le=10,
        description="Most pages per stream in one fetch.",
    )
    oauth_url: str = Field(
        default="https://oauth.reddit.com", description="API base URL (tests: a local server)."
    )
    reddit_url: str = Field(
        default="https://www.reddit.com", description="Base URL of the token endpoint."
    )
    timeout_s: int = Field(default=16, ge=1, description="Request timeout in seconds.")
    threads: tuple[str, ...] = Field(
        default=(),
        description="Submissions whose comment threads are read every run (ids such as "
        "'1cebxh' or submission URLs); empty: none.",
    )
    follow_threads: int = Field(
        default=0,
        ge=0,
        le=100,
        description="Also read the comment threads of up to this many submissions found "
        "by this run's listings and searches (0: none).",
    )
    thread_limit: int = Field(
        default=200,
        ge=1,
        le=500,
        description="Comments asked for per thread request (Reddit's `limit`, max 500).",
    )
    more_limit: int = Field(
        default=5,
        ge=0,
        le=50,
        description="Most `/api/morechildren` calls per thread to expand 'load more "
        "comments' stubs (each fetches up to 100 comments; 0: no expansion).",
    )

    @field_validator("threads")
    @classmethod
    def _threads_are_ids_or_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            thread_id(item)  # raises ValueError naming the bad entry
        return value


class RedditListener(BaseListener[RedditSettings]):
    """Polls watched subreddits and brand searches on Reddit (see the module docstring).

    Cursor: ``{"streams": {key: {"newest": fullname, "newest_utc": seconds}}}`` with one
    key per stream (``new:<subs>``, ``comments:<subs>``, ``search:<brand>``).
    """

    kind: ClassVar[str] = "reddit"
    Settings = RedditSettings

    def __init__(
        self,
        settings: RedditSettings,
        *,
        name: str,
        http: HttpClient,
        queries: Sequence[BrandQuery] = (),
    ) -> None:
        super().__init__(settings, name=name, http=http, queries=queries)
        self._http = http  # PRAW's requests go through BoundedSession with its bounds
        self._backoff = http.backoff
        self._reddit: praw.Reddit | None = None

    # -- transport ---------------------------------------------------------------------
    def _client(self) -> praw.Reddit:
        if self._reddit is None:
            secret = self.settings.client_secret.get_secret_value()
            if not self.settings.client_id or not secret:
                raise SourceDisabled(self.name, "no Reddit credentials", hint=ENV_HINT)
            self._reddit = praw.Reddit(
                client_id=self.settings.client_id,
                client_secret=secret,
                user_agent=self.settings.user_agent,
                oauth_url=self.settings.oauth_url.rstrip("/"),
                reddit_url=self.settings.reddit_url.rstrip("/"),
                timeout=self.settings.timeout_s,
                check_for_updates=False,
                check_for_async=False,
                requestor_kwargs={"session": BoundedSession(self._http, source=self.name)},
            )
            self._reddit.read_only = True
        return self._reddit

    def _get(self, path: str, params: Mapping[str, str | int]) -> list[Mapping[str, Any]]:
        return listing_children(self._request(path, params), source=self.name)

    def _request(self, path: str, params: Mapping[str, str | int]) -> Any:
        """The parsed JSON of one GET, with retries; ListenerError on failure."""
        reddit = self._client()

        def once() -> Any:
            try:
                return reddit.request(method="GET", path=path, params=dict(params))
            except (prawcore.PrawcoreException, praw.exceptions.PRAWException) as exc:
                raise translate_error(exc, source=self.name) from exc
            except (KeyError, TypeError, ValueError) as exc:  # e.g. a token reply without fields
                raise MalformedResponse(
                    self.name, f"unexpected reply from Reddit: {exc!r}", hint="check oauth_url"
                ) from exc

        return call_with_backoff(once, backoff=self._backoff)

    # -- comment threads ---------------------------------------------------------------
    def _thread(self, submission_id: str) -> Thread:
        """One thread, its ``more`` stubs expanded up to ``more_limit`` calls."""
        payload = self._request(
            f"comments/{submission_id}/", {"limit": self.settings.thread_limit, "sort": "new"}
        )
        try:
            thread = read_thread(payload)
            calls = 0
            while thread.pending and calls < self.settings.more_limit:
                ids = thread.take_pending()
                reply = self._request(
                    "api/morechildren",
                    {
                        "link_id": f"t3_{submission_id}",
                        "children": ",".join(ids),
                        "api_type": "json",
                        "limit_children": "false",
                    },
                )
                thread.add_children(morechildren_things(reply))
                calls += 1
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise MalformedResponse(
                self.name,
                f"unexpected reply for thread {submission_id}: {exc}",
                hint="the API changed or a proxy answered",
            ) from exc
        if thread.pending:
            logger.info(
                "%s: thread %s has %d more comments than more_limit=%d expands",
                self.name,
                submission_id,
                len(thread.pending),
                self.settings.more_limit,
            )
        return thread

    def _thread_mentions(self, thread: Thread, collected: StreamBatch) -> list[Mention]:
        """A thread flattened: the submission, then every comment with its parent's
        permalink (``extra["parent_permalink"]``); gone items are counted, not kept."""
        links = permalinks(thread.submission, thread.comments, REDDIT_WEB_URL)
        out: list[Mention] = []
        if thread.submission is not None:
            if gone_reason(thread.submission):
                collected.skip("deleted")
            else:
                out.append(submission_mention(self.name, thread.submission))
        title = str((thread.submission or {}).get("title") or "")
        for data in thread.comments:
            if gone_reason(data):
                collected.skip("deleted")
                continue
            mention = comment_mention(self.name, data, url=links.get(str(data.get("name")), ""))
            parent = str(data.get("parent_id") or "")
            extra = {
                **mention.extra,
                "depth": thread.depth.get(mention.external_id, 0),
                "thread": data.get("link_id"),
            }
            if parent in links:
                extra["parent_permalink"] = links[parent]
            out.append(replace(mention, title=mention.title or title, extra=extra))
        return out

    # -- streams -----------------------------------------------------------------------
    def _streams(self) -> list[tuple[str, str, dict[str, str | int]]]:
        """``(cursor key, API path, extra params)`` for every stream to poll."""
        streams: list[tuple[str, str, dict[str, str | int]]] = []
        subs = "+".join(s.removeprefix("r/") for s in self.settings.subreddits)
        if subs and self.settings.submissions:
            streams.append((f"new:{subs}", f"r/{subs}/new", {}))
        if subs and self.settings.comments:
            streams.append((f"comments:{subs}", f"r/{subs}/comments/", {}))
        if self.settings.search:
            for query in self.queries:
                q = search_query(query.terms)
                if q:
                    streams.append(
                        (
                            f"search:{query.brand}",
                            f"r/{self.settings.search_subreddit}/search/",
                            {"q": q, "sort": "new", "restrict_sr": "false", "type": "link"},
                        )
                    )
        return streams

    def _poll(
        self, path: str, params: Mapping[str, str | int], state: Mapping[str, Any] | None
    ) -> tuple[list[Mapping[str, Any]], dict[str, Any] | None]:
        """New items of one stream since ``state`` and the stream's next state."""
        limit = self.settings.limit
        anchor = state.get("newest") if state else None
        items: list[Mapping[str, Any]] = []
        if anchor:
            before = str(anchor)
            for _ in range(self.settings.max_pages):
                page = self._get(path, {**params, "limit": limit, "before": before})
                items.extend(page)
                if len(page) < limit:
                    break
                before = str(page[0]["name"])
            if not items:  # nothing new, or the anchor was deleted: check one plain page
                after_utc = float(state.get("newest_utc") or 0) if state else 0.0
                page = self._get(path, {**params, "limit": limit})
                items = [i for i in page if float(i["created_utc"]) > after_utc]
        else:
            items = self._get(path, {**params, "limit": limit})
        if not items:
            return [], dict(state) if state else None
        newest = max(items, key=lambda i: (float(i["created_utc"]), str(i["name"])))
        return items, {"newest": newest["name"], "newest_utc": float(newest["created_utc"])}

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Poll every stream once. Raises a ListenerError (cursor unchanged) on failure."""
        self._client()
        old = dict((cursor or {}).get("streams") or {})
        collected = StreamBatch(self.name)
        found: dict[str, float] = {}  # submissions this run found: id -> created_utc
        for key, path, params in self._streams():
            items, state = self._poll(path, params, old.get(key))
            kept = []
            for item in items:
                if gone_reason(item):
                    collected.skip("deleted")
                    continue
                kept.append(item)
                if str(item["name"]).startswith("t3_"):
                    found[str(item["name"])[3:]] = float(item["created_utc"])
            collected.add(
                key,
                (to_mention(self.name, item) for item in kept),
                raw_count=len(items),
                state=state,
            )
            logger.debug("%s: %s gave %d items", self.name, key, len(items))
        threads = [thread_id(value) for value in self.settings.threads]
        newest = sorted(found, key=lambda i: found[i], reverse=True)
        threads += [i for i in newest if i not in threads][: self.settings.follow_threads]
        for submission_id in dict.fromkeys(threads):
            thread = self._thread(submission_id)
            mentions = self._thread_mentions(thread, collected)
            raw = len(thread.comments) + (thread.submission is not None)
            collected.add(f"thread:{submission_id}", mentions, raw_count=raw, state=None)
        return collected.batch()


def search_query(terms: Sequence[str]) -> str:
    """Reddit search syntax for any of ``terms``: ``"a b" OR c``."""
    parts = [f'"{t}"' if " " in t.strip() else t.strip() for t in terms if t.strip()]
    return " OR ".join(parts)
