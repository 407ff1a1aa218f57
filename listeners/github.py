"""GitHub issues and pull requests that mention a brand, through the REST search API
(``GET /search/issues``).

One stream per brand: its terms joined with ``OR`` (quoted when they contain spaces;
GitHub allows five operators, so a brand with more than six terms gets one stream per
six, keyed ``<brand>#2``, ...),
plus the configured ``repos`` (``repo:owner/name``) and ``qualifiers``; pull requests
are left out unless ``include_pull_requests`` (asked with ``is:issue``, and dropped
here too should the server send some). Bodies are Markdown, kept as written (``\r\n``
line ends made ``\n``). Results are sorted by ``updated``,
newest first. The cursor keeps, per stream, the newest ``updated_at`` seen and the
issue ids updated at that second; the next run adds ``updated:>=<since>`` and drops
those ids, so an item updated in the last second is neither lost nor repeated. The
first run reads one page (no backfill); later runs read up to ``max_pages``.

Rate limits: search allows 10 requests a minute without a token and 30 with one
(``token``, e.g. ``${GITHUB_TOKEN}``; a fine-grained token without any permission is
enough for public repositories). When ``X-RateLimit-Remaining`` reaches 0 the run
stops paging (warning; the cursor keeps what was read). GitHub answers a spent limit
with HTTP 403 (or 429) and ``X-RateLimit-Remaining: 0`` or ``Retry-After``: that is
:class:`~listeners.errors.RateLimited` (wait until ``X-RateLimit-Reset``), any other
403 is :class:`~listeners.errors.AccessDenied`. The token is only ever sent in the
``Authorization`` header: it never appears in a URL, a log line or an error.

GitHub Discussions are not in the REST search API: the ``github_discussions`` source
(:mod:`listeners.github_discussions`, GraphQL, token required) reads them. Not covered:
issue comments are not fetched one by one (an issue whose comments mention
the brand is found by the search, and stored with its title and body).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from domain.defaults import LISTENER_MAX_PAGES
from listeners.base import BaseListener, Batch, ListenerSettings, StreamBatch
from listeners.errors import AccessDenied, MalformedResponse, RateLimited
from listeners.http import parse_retry_after
from listeners.payload import require_records
from listeners.timefmt import advance_cursor, seen_before
from listeners.timefmt import iso_z as _iso
from listeners.timefmt import parse_time as _parse_time
from storage.records import Mention

logger = logging.getLogger(__name__)

_REPO = re.compile(r"/repos/([^/]+/[^/]+)")

#: GitHub search allows at most five AND/OR/NOT operators: six terms per query.
MAX_TERMS = 6


class GitHubSettings(ListenerSettings):
    """Config keys of a ``type = "github"`` source."""

    base_url: str = Field(
        default="https://api.github.com",
        description="GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3).",
    )
    token: SecretStr = Field(
        default=SecretStr(""),
        description="Optional token (${GITHUB_TOKEN}): raises search from 10 to 30 requests/min.",
    )
    repos: tuple[str, ...] = Field(
        default=(), description="Only search these repositories ('owner/name'); empty: all."
    )
    qualifiers: str = Field(
        default="", description="Extra search qualifiers, e.g. 'is:open label:bug'."
    )
    include_pull_requests: bool = Field(
        default=False, description="Also store pull requests (default: issues only)."
    )
    per_page: int = Field(default=50, ge=1, le=100, description="Results per request (max 100).")
    max_pages: int = Field(
        default=LISTENER_MAX_PAGES, ge=1, le=10, description="Most pages per brand per run."
    )


def search_query(terms: tuple[str, ...], settings: GitHubSettings, since: str | None) -> str:
    """The ``q`` of one brand's search: its terms ORed, then repos and qualifiers."""
    words = [f'"{t}"' if " " in t else t for t in dict.fromkeys(t.strip() for t in terms) if t]
    parts = [" OR ".join(words)]
    parts += [f"repo:{repo}" for repo in settings.repos]
    if not settings.include_pull_requests:
        parts.append("is:issue")
    if settings.qualifiers.strip():
        parts.append(settings.qualifiers.strip())
    if since:
        parts.append(f"updated:>={since}")
    return " ".join(parts)


def is_pull_request(item: Mapping[str, Any]) -> bool:
    """True for a pull request. Older replies give issues a ``pull_request`` object with
    null links, so the key alone does not tell."""
    links = item.get("pull_request")
    return isinstance(links, dict) and bool(links.get("html_url") or links.get("url"))


def issue_to_mention(source: str, item: Mapping[str, Any]) -> Mention:
    """A search hit as a mention (one without title and body is left to the intake, which
    counts it as deleted)."""
    title = str(item.get("title") or "").strip()
    body = str(item.get("body") or "").replace("\r\n", "\n").strip()
    user = item.get("user") or {}
    # repository_url is newer than the search API (2014 replies lack it): read the API URL
    match = _REPO.search(str(item.get("repository_url") or item.get("url") or ""))
    repo = match.group(1) if match else None
    reactions = item.get("reactions") or {}
    engagement = reactions.get("total_count") if isinstance(reactions, dict) else None
    comments = item.get("comments")
    return Mention(
        source=source,
        external_id=str(item["id"]),
        url=str(item.get("html_url") or ""),
        text=body,
        title=title,
        author=str(user.get("login") or "") if isinstance(user, dict) else "",
        published_at=_parse_time(item.get("created_at")),
        engagement=engagement if isinstance(engagement, int) else None,
        comment_count=comments if isinstance(comments, int) else None,
        extra={
            "kind": "pull_request" if is_pull_request(item) else "issue",
            "repo": repo,
            "number": item.get("number"),
            "state": item.get("state"),
            "labels": [x.get("name") for x in item.get("labels") or [] if isinstance(x, dict)],
            "author_association": item.get("author_association"),
            "updated_at": item.get("updated_at"),
        },
    )


def raise_denied(source: str, status: int, headers: Mapping[str, str]) -> None:
    """HTTP 403/429 from GitHub: a spent rate limit (:class:`RateLimited`, waiting until
    ``X-RateLimit-Reset`` or ``Retry-After``) or a refused token (:class:`AccessDenied`).
    Shared by the issues and discussions listeners."""
    retry_after = parse_retry_after(headers.get("Retry-After"))
    remaining = (headers.get("X-RateLimit-Remaining") or "").strip()
    if retry_after is None and remaining == "0":
        reset = headers.get("X-RateLimit-Reset") or ""
        if reset.strip().isdigit():
            retry_after = max(0.0, float(reset) - time.time())
    if status == 429 or retry_after is not None or remaining == "0":
        raise RateLimited(
            source,
            f"GitHub rate limit reached (HTTP {status})",
            hint="set token (${GITHUB_TOKEN}) for a higher limit, or poll less often",
            retry_after=retry_after,
        )
    raise AccessDenied(
        source,
        f"GitHub refused the request (HTTP {status})",
        hint="check the token in ${GITHUB_TOKEN}: expired, revoked, or missing a permission?",
    )


class GitHubListener(BaseListener[GitHubSettings]):
    """Searches GitHub issues (and optionally pull requests) for each brand.

    Cursor: ``{"streams": {"<brand>": {"since": "<ISO updated_at>", "ids": [id, ...]}}}``
    (``"<brand>#2"`` ... for a brand's seventh term onwards).
    """

    kind: ClassVar[str] = "github"
    Settings = GitHubSettings
    _spent: bool = False  # the rate limit ran out during this fetch

    def _headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        token = self.settings.token.get_secret_value().strip()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return headers

    def _page(self, query: str, page: int) -> tuple[Mapping[str, Any], Mapping[str, str]]:
        url = self.settings.base_url.rstrip("/") + "/search/issues"
        params = {
            "q": query,
            "sort": "updated",
            "order": "desc",
            "per_page": self.settings.per_page,
            "page": page,
        }
        response = self.http.get(
            url, source=self.name, params=params, headers=self._headers(), ok_statuses=(403,)
        )
        if response.status_code == 403:
            self._raise_denied(response.status_code, response.headers)
        try:
            payload = response.json()
            require_records(payload, "items", ("id", "updated_at"))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedResponse(
                self.name,
                f"unexpected reply from GitHub search ({url}): {exc}",
                hint="is base_url a GitHub REST API? (https://api.github.com)",
            ) from exc
        return payload, response.headers

    def _raise_denied(self, status: int, headers: Mapping[str, str]) -> None:
        raise_denied(self.name, status, headers)

    def _poll(
        self, terms: tuple[str, ...], state: Mapping[str, Any] | None, warnings: list[str]
    ) -> tuple[list[Mapping[str, Any]], dict[str, Any] | None]:
        since = str(state["since"]) if state and state.get("since") else None
        seen = {str(i) for i in state.get("ids") or []} if state else set()
        query = search_query(terms, self.settings, since)
        items: list[Mapping[str, Any]] = []
        pages = self.settings.max_pages if since else 1
        for page in range(1, pages + 1):
            payload, headers = self._page(query, page)
            batch = payload["items"]
            items.extend(batch)
            if headers.get("X-RateLimit-Remaining", "").strip() == "0":
                warnings.append(
                    f"GitHub rate limit spent (resets at {headers.get('X-RateLimit-Reset')}); "
                    "the rest waits for the next run"
                )
                self._spent = True
                break
            if len(batch) < self.settings.per_page or page * self.settings.per_page >= int(
                payload.get("total_count") or 0
            ):
                break
            if page == pages and since:
                warnings.append(
                    f"{query!r}: more than {pages * self.settings.per_page} updated items; "
                    "older ones in this window were skipped (raise max_pages or poll more often)"
                )
        since_dt = _parse_time(since)
        fresh = []
        for item in items:
            moment = _parse_time(item["updated_at"])
            if seen_before(moment, since_dt, str(item["id"]), seen):
                continue  # had it (a server ignoring updated:>= is tolerated too)
            fresh.append(item)
        if not items:
            return [], dict(state) if state else None
        oldest = datetime.min.replace(tzinfo=UTC)
        stamped = [(_parse_time(i["updated_at"]) or oldest, str(i["id"])) for i in items]
        advanced = advance_cursor(stamped, since_dt, seen)
        if advanced is None:
            return fresh, dict(state) if state else None
        newest, ids = advanced
        return fresh, {"since": _iso(newest), "ids": ids}

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Search once per brand; raises a ListenerError (cursor unchanged) on failure."""
        old = dict((cursor or {}).get("streams") or {})
        collected = StreamBatch(self.name)
        self._spent = False
        for query in self.queries:
            terms = tuple(dict.fromkeys(t.strip() for t in query.terms if t.strip()))
            for number, start in enumerate(range(0, len(terms), MAX_TERMS)):
                key = query.brand if number == 0 else f"{query.brand}#{number + 1}"
                if self._spent:
                    collected.add(key, (), raw_count=0, state=old.get(key))
                    continue
                chunk = terms[start : start + MAX_TERMS]
                items, state = self._poll(chunk, old.get(key), collected.warnings)
                mentions = [
                    issue_to_mention(self.name, item)
                    for item in items
                    if self.settings.include_pull_requests or not is_pull_request(item)
                ]
                collected.add(key, mentions, raw_count=len(items), state=state)
        return collected.batch()
