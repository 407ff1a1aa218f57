"""Stack Exchange questions that mention a brand (Stack Overflow, Super User, Server
Fault, any site of the network) through API 2.3 ``/search/advanced``.

One stream per site and brand term (``q`` matches all words of a term, so terms are
searched separately), newest first (``sort=creation``). The cursor keeps, per stream,
the newest ``creation_date`` (Unix seconds) and the question ids created at that
second; the next run asks for ``fromdate=<since>`` and drops those ids. The first run
reads one page (no backfill).

No key is needed for light use: without ``key`` an IP gets 300 requests a day, with a
registered app key 10,000 (Stack Exchange says app keys are not secret). Every reply
carries ``quota_remaining``; when it falls to ``quota_reserve`` or below, or the reply
carries ``backoff`` (seconds the API asks us not to call the method again), the run
stops calling (warning) and keeps the cursors: the next run continues. A spent quota
or a throttle answers HTTP 400 with ``error_name = "throttle_violation"`` (the message
says how many seconds remain): that is :class:`~listeners.errors.RateLimited`.

Titles, bodies and display names come HTML-escaped (``&#39;``, ``&quot;``); the
default ``filter = "withbody"`` includes the question body (HTML, turned into text).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx
from pydantic import Field

from domain.defaults import LISTENER_MAX_PAGES
from listeners.base import BaseListener, Batch, ListenerSettings, StreamBatch
from listeners.errors import AccessDenied, ListenerError, MalformedResponse, RateLimited
from listeners.html_text import html_to_text
from listeners.payload import require_records
from listeners.timefmt import advance_cursor
from storage.records import Mention

logger = logging.getLogger(__name__)

_AVAILABLE_IN = re.compile(r"available in (\d+) seconds")


class StackExchangeSettings(ListenerSettings):
    """Config keys of a ``type = "stackexchange"`` source."""

    base_url: str = Field(
        default="https://api.stackexchange.com/2.3", description="Stack Exchange API base URL."
    )
    sites: tuple[str, ...] = Field(
        default=("stackoverflow",),
        description="API site names to search: 'stackoverflow', 'superuser', 'serverfault'...",
    )
    key: str = Field(
        default="",
        description="Optional app key (not a secret): quota 10,000 instead of 300 a day.",
    )
    filter: str = Field(
        default="withbody", description="API filter: 'withbody' (question text) or 'default'."
    )
    tagged: str = Field(default="", description="Only questions with these tags ('a;b').")
    pagesize: int = Field(default=50, ge=1, le=100, description="Questions per request.")
    max_pages: int = Field(
        default=LISTENER_MAX_PAGES, ge=1, le=10, description="Most pages per stream per run."
    )
    quota_reserve: int = Field(
        default=10, ge=0, description="Stop calling when quota_remaining falls to this."
    )


def question_to_mention(source: str, site: str, item: Mapping[str, Any]) -> Mention:
    """A question as a mention, entities decoded (one without title and body is left to
    the intake, which counts it as deleted)."""
    title = html.unescape(str(item.get("title") or "")).strip()
    body = html_to_text(str(item.get("body") or ""))
    owner = item.get("owner") or {}
    created = item.get("creation_date")
    score = item.get("score")
    answers = item.get("answer_count")
    return Mention(
        source=source,
        external_id=f"{site}:{item['question_id']}",
        url=str(item.get("link") or ""),
        text=body,
        title=title,
        author=html.unescape(str(owner.get("display_name") or "")),
        published_at=datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int) else None,
        engagement=score if isinstance(score, int) else None,
        comment_count=answers if isinstance(answers, int) else None,
        extra={
            "site": site,
            "question_id": item.get("question_id"),
            "tags": list(item.get("tags") or []),
            "view_count": item.get("view_count"),
            "is_answered": item.get("is_answered"),
            "accepted_answer_id": item.get("accepted_answer_id"),
            "owner_reputation": owner.get("reputation"),
        },
    )


class StackExchangeListener(BaseListener[StackExchangeSettings]):
    """Searches Stack Exchange sites for each brand term, newest questions first.

    Cursor: ``{"streams": {"<site>|<brand>|<term>": {"since": unix_s, "ids": [id, ...]}}}``.
    """

    kind: ClassVar[str] = "stackexchange"
    Settings = StackExchangeSettings
    _stopped: str | None = None  # why this fetch stopped calling the API, if it did

    def _page(self, site: str, term: str, since: int | None, page: int) -> Mapping[str, Any]:
        url = self.settings.base_url.rstrip("/") + "/search/advanced"
        params: dict[str, str | int] = {
            "site": site,
            "q": term,
            "sort": "creation",
            "order": "desc",
            "pagesize": self.settings.pagesize,
            "page": page,
            "filter": self.settings.filter,
        }
        if since is not None:
            params["fromdate"] = since
        if self.settings.tagged:
            params["tagged"] = self.settings.tagged
        if self.settings.key:
            params["key"] = self.settings.key
        response = self.http.get(url, source=self.name, params=params, ok_statuses=(400, 403))
        if response.status_code in (400, 403):
            self._raise_api_error(response)
        try:
            payload = response.json()
            require_records(payload, "items", ("question_id", "creation_date"))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponse(
                self.name,
                f"unexpected reply from Stack Exchange search ({url}, site {site!r}): {exc}",
                hint="check base_url (https://api.stackexchange.com/2.3) and filter",
            ) from exc
        return payload

    def _raise_api_error(self, response: httpx.Response) -> None:
        """Stack Exchange errors come as HTTP 400 with ``error_id``/``error_name``."""
        try:
            error = response.json()
            name = str(error.get("error_name") or "")
            message = str(error.get("error_message") or "")
        except (ValueError, AttributeError):
            name, message = "", response.text[:200]
        if name == "throttle_violation" or "throttle" in name:
            match = _AVAILABLE_IN.search(message)
            raise RateLimited(
                self.name,
                f"Stack Exchange throttled us: {message or name}",
                hint="quota spent: add an app key or poll less often",
                retry_after=float(match.group(1)) if match else None,
            )
        if response.status_code == 403 or name in ("access_denied", "key_required"):
            raise AccessDenied(self.name, f"Stack Exchange: {name}: {message}", hint="check key")
        raise ListenerError(
            self.name,
            f"Stack Exchange rejected the search (HTTP {response.status_code} {name}: {message})",
            hint="check sites, filter and tagged",
        )

    def _check_limits(self, payload: Mapping[str, Any], warnings: list[str]) -> None:
        """Honour ``backoff`` and the daily quota: stop calling for the rest of the run."""
        backoff = payload.get("backoff")
        remaining = payload.get("quota_remaining")
        if isinstance(backoff, int) and backoff > 0:
            self._stopped = f"the API asked to back off {backoff}s"
        elif isinstance(remaining, int) and remaining <= self.settings.quota_reserve:
            self._stopped = (
                f"quota nearly spent ({remaining} of {payload.get('quota_max')} requests left "
                f"today, quota_reserve {self.settings.quota_reserve})"
            )
        if self._stopped:
            warnings.append(f"{self._stopped}; the remaining searches wait for the next run")

    def _poll(
        self, site: str, term: str, state: Mapping[str, Any] | None, warnings: list[str]
    ) -> tuple[list[Mapping[str, Any]], dict[str, Any] | None]:
        since = int(state["since"]) if state and state.get("since") is not None else None
        seen = {int(i) for i in state.get("ids") or []} if state else set()
        items: list[Mapping[str, Any]] = []
        pages = self.settings.max_pages if since is not None else 1
        for page in range(1, pages + 1):
            payload = self._page(site, term, since, page)
            items.extend(payload["items"])
            self._check_limits(payload, warnings)
            if self._stopped or not payload.get("has_more"):
                break
            if page == pages and since is not None:
                warnings.append(
                    f"{site} {term!r}: more than {pages * self.settings.pagesize} new questions; "
                    "older ones in this window were skipped (raise max_pages or poll more often)"
                )
        if not items:
            return [], dict(state) if state else None
        fresh = [
            i
            for i in items
            if since is None
            or i["creation_date"] > since
            or (i["creation_date"] == since and i["question_id"] not in seen)
        ]
        stamped = [(int(i["creation_date"]), int(i["question_id"])) for i in items]
        advanced = advance_cursor(stamped, since, seen)
        if advanced is None:
            return fresh, dict(state) if state else None
        newest, ids = advanced
        return fresh, {"since": newest, "ids": ids}

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Search every site for every brand term; raises a ListenerError on failure."""
        old = dict((cursor or {}).get("streams") or {})
        collected = StreamBatch(self.name)
        self._stopped = None
        for site in self.settings.sites:
            for query in self.queries:
                for term in dict.fromkeys(t.strip() for t in query.terms if t.strip()):
                    key = f"{site}|{query.brand}|{term}"
                    if self._stopped:
                        collected.add(key, (), raw_count=0, state=old.get(key))
                        continue
                    items, state = self._poll(site, term, old.get(key), collected.warnings)
                    mentions = [question_to_mention(self.name, site, i) for i in items]
                    collected.add(key, mentions, raw_count=len(items), state=state)
        return collected.batch()
