"""Mastodon: hashtag and public timelines, and status search, on configured instances.

Every stream (one per instance and hashtag, the public timeline, one search per brand)
keeps the newest status id it has seen. The first run reads the newest page only; later
runs ask for ``min_id=<stored id>`` (the statuses immediately newer than it) and walk
towards the present through the ``Link: rel="prev"`` header, up to ``max_pages`` pages,
so a busy hashtag is caught up over several runs rather than skipped. Link URLs are not
followed blindly: their ``min_id`` is read and the request rebuilt on the configured
instance URL.

Status ``content`` is HTML and is turned into text. A status's ``uri`` (its ActivityPub
id, the same on every instance) is the mention's external id, so the same post seen
through two instances or two hashtags is stored once. Boosts are unwrapped.

Search (``/api/v2/search?type=statuses``) needs an access token on every instance and
finds only posts whose authors opted into search; without a token it is skipped with a
warning. When an instance's ``X-RateLimit-Remaining`` reaches 0 the run stops paging that
instance (with a warning) and the cursor keeps what was read: the next run continues.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import Field, SecretStr

from domain import defaults
from listeners.base import BaseListener, Batch, BrandQuery, ListenerSettings, StreamBatch
from listeners.errors import MalformedResponse
from listeners.html_text import html_to_text
from listeners.http import HttpClient
from listeners.timefmt import parse_time as _parse_time
from storage.records import Mention

logger = logging.getLogger(__name__)

_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')


class MastodonSettings(ListenerSettings):
    """Config keys of a ``type = "mastodon"`` source."""

    instances: tuple[str, ...] = Field(
        default=("https://mastodon.social",),
        description="Instance base URLs to read (each is a separate API).",
    )
    hashtags: tuple[str, ...] = Field(default=(), description="Hashtags to follow, without '#'.")
    public_timeline: bool = Field(
        default=False, description="Also read the instance's whole public timeline (busy)."
    )
    local_only: bool = Field(
        default=False, description="Timelines: only posts made on the instance itself."
    )
    search: bool = Field(
        default=True, description="Search statuses for each brand's terms (needs a token)."
    )
    access_token: SecretStr = Field(
        default=SecretStr(""),
        description="Bearer token of an app with read:search (${MASTODON_TOKEN}); optional.",
    )
    limit: int = Field(default=40, ge=1, le=40, description="Statuses per request (max 40).")
    max_pages: int = Field(
        default=defaults.LISTENER_MAX_PAGES,
        ge=1,
        le=50,
        description="Most pages per stream per run.",
    )


def _id_key(status_id: str) -> tuple[int, str]:
    """Mastodon ids are numeric strings (snowflakes): compare by length, then text."""
    return (len(status_id), status_id)


def link_params(header: str | None) -> dict[str, dict[str, str]]:
    """``Link`` header → ``{rel: {query param: value}}`` (e.g. ``prev`` → ``min_id``)."""
    out: dict[str, dict[str, str]] = {}
    for url, rel in _LINK.findall(header or ""):
        query = parse_qs(urlsplit(url).query)
        out[rel] = {key: values[0] for key, values in query.items() if values}
    return out


def status_to_mention(source: str, status: Mapping[str, Any], *, instance_host: str) -> Mention:
    """A Mastodon Status entity as a mention (boosts unwrapped)."""
    inner = status.get("reblog") or status
    account = inner.get("account") or {}
    acct = str(account.get("acct") or "")
    author = acct if "@" in acct or not acct else f"{acct}@{instance_host}"
    favourites = inner.get("favourites_count")
    reblogs = inner.get("reblogs_count")
    engagement = None
    if isinstance(favourites, int) or isinstance(reblogs, int):
        engagement = int(favourites or 0) + int(reblogs or 0)
    return Mention(
        source=source,
        external_id=str(inner.get("uri") or inner["url"]),
        url=str(inner.get("url") or inner.get("uri") or ""),
        text=html_to_text(str(inner.get("content") or "")),
        title=str(inner.get("spoiler_text") or ""),
        author=author,
        published_at=_parse_time(inner.get("created_at")),
        engagement=engagement,
        comment_count=inner.get("replies_count")
        if isinstance(inner.get("replies_count"), int)
        else None,
        author_followers=account.get("followers_count")
        if isinstance(account.get("followers_count"), int)
        else None,
        language=inner.get("language") or None,
        extra={
            "instance": instance_host,
            "status_id": str(status.get("id")),
            "favourites": favourites,
            "reblogs": reblogs,
            "tags": [t.get("name") for t in inner.get("tags") or [] if isinstance(t, dict)],
            "account_url": account.get("url"),
            **(
                {"in_reply_to": str(inner["in_reply_to_id"])} if inner.get("in_reply_to_id") else {}
            ),
        },
    )


class MastodonListener(BaseListener[MastodonSettings]):
    """Reads hashtag/public timelines and searches on Mastodon instances.

    Cursor: ``{"streams": {"<host> <stream>": {"min_id": newest status id}}}``.
    """

    kind: ClassVar[str] = "mastodon"
    Settings = MastodonSettings

    def __init__(
        self,
        settings: MastodonSettings,
        *,
        name: str,
        http: HttpClient,
        queries: Sequence[BrandQuery] = (),
    ) -> None:
        super().__init__(settings, name=name, http=http, queries=queries)
        self._spent: set[str] = set()  # instances whose rate-limit budget is used up

    def _streams(self) -> list[tuple[str, str, dict[str, str], bool]]:
        """``(key suffix, API path, params, is_search)`` for one instance."""
        local = {"local": "true"} if self.settings.local_only else {}
        streams: list[tuple[str, str, dict[str, str], bool]] = []
        for tag in self.settings.hashtags:
            tag = tag.lstrip("#")
            streams.append(
                (f"tag:{tag.lower()}", f"/api/v1/timelines/tag/{tag}", dict(local), False)
            )
        if self.settings.public_timeline:
            streams.append(("public", "/api/v1/timelines/public", dict(local), False))
        if self.settings.search and self.settings.access_token.get_secret_value():
            for query in self.queries:
                terms = " OR ".join(f'"{t}"' if " " in t else t for t in query.terms if t.strip())
                if terms:
                    params = {"q": terms, "type": "statuses", "resolve": "false"}
                    streams.append((f"search:{query.brand}", "/api/v2/search", params, True))
        return streams

    def _get(
        self, base: str, path: str, params: Mapping[str, str | int], *, search: bool
    ) -> tuple[list[Mapping[str, Any]], httpx.Response]:
        headers = {"Accept": "application/json"}
        token = self.settings.access_token.get_secret_value()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.http.get(base + path, source=self.name, params=params, headers=headers)
        try:
            payload = response.json()
            statuses = payload["statuses"] if search else payload
            if not isinstance(statuses, list) or not all(
                isinstance(s, dict) and "id" in s for s in statuses
            ):
                raise TypeError("expected a list of statuses")
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponse(
                self.name,
                f"unexpected reply from {base}{path}: {exc}",
                hint="is this a Mastodon instance? check the instance URL",
            ) from exc
        return statuses, response

    def _poll(
        self,
        base: str,
        path: str,
        params: Mapping[str, str],
        state: Mapping[str, Any] | None,
        *,
        search: bool,
        warnings: list[str],
    ) -> tuple[list[Mapping[str, Any]], dict[str, Any] | None]:
        limit = self.settings.limit
        min_id = str(state["min_id"]) if state and state.get("min_id") else None
        collected: list[Mapping[str, Any]] = []
        for page_number in range(self.settings.max_pages):
            query: dict[str, str | int] = {**params, "limit": limit}
            if min_id:
                query["min_id"] = min_id
            if search and page_number:
                query["offset"] = page_number * limit
            statuses, response = self._get(base, path, query, search=search)
            collected.extend(statuses)
            if response.headers.get("X-RateLimit-Remaining", "").strip() == "0":
                self._spent.add(base)
                warnings.append(
                    f"{base}: rate limit spent (resets {response.headers.get('X-RateLimit-Reset')})"
                    "; the rest waits for the next run"
                )
                break
            if not min_id or len(statuses) < limit:
                break  # first run reads one page; a short page means we are current
            if not search:
                prev = link_params(response.headers.get("Link")).get("prev", {})
                newest = max((str(s["id"]) for s in statuses), key=_id_key)
                min_id = prev.get("min_id") or newest
        if not collected:
            return [], dict(state) if state else None
        newest_id = max((str(s["id"]) for s in collected), key=_id_key)
        if min_id and state and _id_key(newest_id) < _id_key(str(state.get("min_id"))):
            newest_id = str(state["min_id"])
        return collected, {"min_id": newest_id}

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Read every stream on every instance once; raises a ListenerError on failure."""
        old = dict((cursor or {}).get("streams") or {})
        collected = StreamBatch(self.name)
        if (
            self.settings.search
            and self.queries
            and not self.settings.access_token.get_secret_value()
        ):
            collected.warnings.append("search skipped: Mastodon status search needs access_token")
        for instance in self.settings.instances:
            base = instance.rstrip("/")
            host = urlsplit(base).netloc or base
            for suffix, path, params, search in self._streams():
                key = f"{host} {suffix}"
                if base in self._spent:
                    collected.add(key, (), raw_count=0, state=old.get(key))
                    continue
                statuses, state = self._poll(
                    base, path, params, old.get(key), search=search, warnings=collected.warnings
                )
                collected.add(
                    key,
                    (status_to_mention(self.name, s, instance_host=host) for s in statuses),
                    raw_count=len(statuses),
                    state=state,
                )
        return collected.batch()
