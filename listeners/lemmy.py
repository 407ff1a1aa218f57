"""Lemmy posts and comments that mention a brand, through an instance's public search API
(``GET /api/v3/search``): no account, no key.

One stream per brand term and kind (``type_=Posts`` and/or ``type_=Comments``), newest
first (``sort=New``), federated content included (``listing_type=All``: an instance
indexes what it federates, so one large instance sees most of the network). The cursor
keeps, per stream, the newest ``published`` time seen and the ``ap_id``\\ s published at
that instant; a later run pages (``page=2``, ...) until it reaches older items, up to
``max_pages``. The first run reads one page (no backfill).

Items are keyed by their ``ap_id``, the ActivityPub URL of the post or comment on its home
instance, so the same post read through two instances is one mention; that URL is also
the mention's link. Posts keep their title (``name``) and Markdown ``body`` (the linked
``url``, if any, goes to ``extra``); comments keep their ``content`` and name the post
they answer. Deleted or removed items (``deleted``/``removed`` true) are skipped and
counted as ``deleted``. Times come with a ``Z`` (Lemmy 0.19) or without a zone (0.18,
UTC); the 0.19 reply shape (``counts``) and the 1.0 one (``published_at``, counts on the
post and comment themselves) are both read.

Rate limits: each instance's admin sets a per-IP search limit (Lemmy's
``local_site_rate_limit.search``); an instance answers HTTP 429 when it is spent,
retried with backoff and then reported as :class:`~listeners.errors.RateLimited` by the
HTTP client; an error reply (``{"error": "..."}``, HTTP 400) is a
:class:`~listeners.errors.ListenerError` naming it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

from pydantic import Field

from domain.defaults import LISTENER_MAX_PAGES
from listeners.base import BaseListener, Batch, ListenerSettings, StreamBatch
from listeners.errors import ListenerError, MalformedResponse
from listeners.timefmt import advance_cursor, seen_before
from storage.records import Mention

logger = logging.getLogger(__name__)

Kind = Literal["Posts", "Comments"]
#: The reply key holding each kind's items.
_REPLY_KEY: dict[str, str] = {"Posts": "posts", "Comments": "comments"}


class LemmySettings(ListenerSettings):
    """Config keys of a ``type = "lemmy"`` source."""

    base_url: str = Field(
        default="https://lemmy.world",
        description="Lemmy instance to search through (its federated index is searched).",
    )
    kinds: tuple[Kind, ...] = Field(
        default=("Posts", "Comments"), description="What to search: 'Posts', 'Comments'."
    )
    listing_type: Literal["All", "Local", "Subscribed"] = Field(
        default="All", description="'All' (federated content too) or 'Local' (this instance)."
    )
    community_name: str = Field(
        default="", description="Only search this community ('name' or 'name@instance')."
    )
    limit: int = Field(default=50, ge=1, le=50, description="Items per request (max 50).")
    max_pages: int = Field(
        default=LISTENER_MAX_PAGES, ge=1, le=10, description="Most pages per stream per run."
    )


def lemmy_time(value: Any) -> datetime | None:
    """A Lemmy timestamp as aware UTC: ``...Z`` (0.19+) or without a zone (0.18, UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _published(record: Mapping[str, Any]) -> Any:
    return record.get("published") or record.get("published_at")


def _count(view: Mapping[str, Any], record: Mapping[str, Any], key: str) -> int | None:
    """A counter from the 0.19 ``counts`` object, else from the item itself (1.0)."""
    counts = view.get("counts")
    value = counts.get(key) if isinstance(counts, dict) else None
    if value is None:
        value = record.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _author(view: Mapping[str, Any]) -> str:
    creator = view.get("creator") or {}
    if not isinstance(creator, dict):
        return ""
    return str(creator.get("display_name") or creator.get("name") or "")


def _community(view: Mapping[str, Any]) -> str | None:
    community = view.get("community") or {}
    return str(community.get("name")) if isinstance(community, dict) and community else None


def is_gone(record: Mapping[str, Any]) -> bool:
    """True for a post or comment its author deleted or a moderator removed."""
    return bool(record.get("deleted") or record.get("removed"))


def post_view_to_mention(source: str, view: Mapping[str, Any]) -> Mention:
    """A ``PostView`` (an item of ``posts``) as a mention."""
    post = view["post"]
    creator = view.get("creator") or {}
    return Mention(
        source=source,
        external_id=str(post["ap_id"]),
        url=str(post["ap_id"]),
        text=str(post.get("body") or "").replace("\r\n", "\n").strip(),
        title=str(post.get("name") or "").strip(),
        author=_author(view),
        published_at=lemmy_time(_published(post)),
        engagement=_count(view, post, "score"),
        comment_count=_count(view, post, "comments"),
        extra={
            "kind": "post",
            "id": post.get("id"),
            "community": _community(view),
            "link": post.get("url"),
            "author_actor_id": creator.get("actor_id") or creator.get("ap_id")
            if isinstance(creator, dict)
            else None,
            "local": post.get("local"),
        },
    )


def comment_view_to_mention(source: str, view: Mapping[str, Any]) -> Mention:
    """A ``CommentView`` (an item of ``comments``) as a mention, titled by its post."""
    comment = view["comment"]
    post = view.get("post") or {}
    creator = view.get("creator") or {}
    return Mention(
        source=source,
        external_id=str(comment["ap_id"]),
        url=str(comment["ap_id"]),
        text=str(comment.get("content") or "").replace("\r\n", "\n").strip(),
        title=str(post.get("name") or "").strip() if isinstance(post, dict) else "",
        author=_author(view),
        published_at=lemmy_time(_published(comment)),
        engagement=_count(view, comment, "score"),
        comment_count=_count(view, comment, "child_count"),
        extra={
            "kind": "comment",
            "id": comment.get("id"),
            "community": _community(view),
            "post_url": post.get("ap_id") if isinstance(post, dict) else None,
            "author_actor_id": creator.get("actor_id") or creator.get("ap_id")
            if isinstance(creator, dict)
            else None,
            "local": comment.get("local"),
        },
    )


def _record(kind: str, view: Mapping[str, Any]) -> Mapping[str, Any]:
    """The post (Posts) or comment (Comments) inside a view."""
    record = view.get("post" if kind == "Posts" else "comment")
    if not isinstance(record, dict) or not record.get("ap_id"):
        raise KeyError(f"a {kind[:-1].lower()} without ap_id")
    return record


class LemmyListener(BaseListener[LemmySettings]):
    """Searches a Lemmy instance for each brand term, newest posts and comments first.

    Cursor: ``{"streams": {"<kind>|<brand>|<term>": {"since": "<ISO>", "ids": [ap_id]}}}``.
    """

    kind: ClassVar[str] = "lemmy"
    Settings = LemmySettings

    def _page(self, kind: str, term: str, page: int) -> list[Mapping[str, Any]]:
        url = self.settings.base_url.rstrip("/") + "/api/v3/search"
        params: dict[str, str | int] = {
            "q": term,
            "type_": kind,
            "sort": "New",
            "listing_type": self.settings.listing_type,
            "limit": self.settings.limit,
            "page": page,
        }
        if self.settings.community_name:
            params["community_name"] = self.settings.community_name
        response = self.http.get(url, source=self.name, params=params, ok_statuses=(400,))
        if response.status_code == 400:
            try:
                error = str(response.json().get("error") or "")
            except (ValueError, AttributeError):
                error = response.text[:200]
            raise ListenerError(
                self.name,
                f"Lemmy refused the search (HTTP 400: {error or 'no reason given'})",
                hint="check community_name and listing_type",
            )
        try:
            payload = response.json()
            views = payload.get(_REPLY_KEY[kind]) or []
            if not isinstance(views, list):
                raise TypeError(f"{_REPLY_KEY[kind]!r} is not a list")
            for view in views:
                _record(kind, view)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise MalformedResponse(
                self.name,
                f"unexpected reply from Lemmy search ({url}): {exc}",
                hint="is base_url a Lemmy instance? (https://lemmy.world)",
            ) from exc
        return views

    def _poll(
        self, kind: str, term: str, state: Mapping[str, Any] | None, warnings: list[str]
    ) -> tuple[list[Mapping[str, Any]], dict[str, Any] | None]:
        since_s = str(state["since"]) if state and state.get("since") else None
        since = lemmy_time(since_s)
        seen = {str(i) for i in state.get("ids") or []} if state else set()
        views: list[Mapping[str, Any]] = []
        pages = self.settings.max_pages if since else 1
        for page in range(1, pages + 1):
            batch = self._page(kind, term, page)
            views.extend(batch)
            if len(batch) < self.settings.limit:
                break
            oldest = min(
                (lemmy_time(_published(_record(kind, v))) for v in batch),
                key=lambda t: t or datetime.max.replace(tzinfo=UTC),
            )
            if since and oldest and oldest <= since:
                break  # reached what an earlier run read
            if page == pages and since:
                warnings.append(
                    f"{kind} {term!r}: more than {pages * self.settings.limit} new items; "
                    "older ones in this window were skipped (raise max_pages or poll more often)"
                )
        fresh = []
        stamped: list[tuple[datetime, str]] = []
        for view in views:
            record = _record(kind, view)
            moment = lemmy_time(_published(record))
            key = str(record["ap_id"])
            if moment is not None:
                stamped.append((moment, key))
            if not seen_before(moment, since, key, seen):
                fresh.append(view)
        advanced = advance_cursor(stamped, since, seen)
        if advanced is None:
            return fresh, dict(state) if state else None
        newest, ids = advanced
        return fresh, {"since": newest.isoformat().replace("+00:00", "Z"), "ids": ids}

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Search every brand term for each kind; raises a ListenerError on failure."""
        old = dict((cursor or {}).get("streams") or {})
        collected = StreamBatch(self.name)
        for kind in dict.fromkeys(self.settings.kinds):
            to_mention = post_view_to_mention if kind == "Posts" else comment_view_to_mention
            for query in self.queries:
                for term in dict.fromkeys(t.strip() for t in query.terms if t.strip()):
                    key = f"{kind}|{query.brand}|{term}"
                    views, state = self._poll(kind, term, old.get(key), collected.warnings)
                    kept = []
                    for view in views:
                        if is_gone(_record(kind, view)):
                            collected.skip("deleted")
                        else:
                            kept.append(to_mention(self.name, view))
                    collected.add(key, kept, raw_count=len(views), state=state)
        return collected.batch()
