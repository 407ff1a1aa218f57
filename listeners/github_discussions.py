"""GitHub Discussions that mention a brand, through the GraphQL API's discussion search
(``search(type: DISCUSSION)``); discussions are not in the REST search the ``github``
source uses.

One stream per brand: its terms joined with ``OR`` (six per query, as for issues; a
brand with more gets ``<brand>#2``, ...), plus the configured ``repos`` (``repo:``) and
``qualifiers``, sorted by last update (``sort:updated-desc``). The cursor keeps, per
stream, the newest ``updatedAt`` seen and the discussion ids updated at that second; the
next run adds ``updated:>=<since>`` and drops those ids. The first run reads one page (no
backfill); later runs follow ``pageInfo.endCursor`` up to ``max_pages``. Bodies are
Markdown, kept as written (``\\r\\n`` made ``\\n``); a discussion whose author deleted
their account has ``author: null`` (GitHub shows "ghost"): stored with no author.

GraphQL needs a token (``token``, e.g. ``${GITHUB_TOKEN}``; a fine-grained token with
read access to public repositories, or a classic one with ``read:discussion``); without
one the source is reported **disabled** and nothing is sent. The token is only ever sent
in the ``Authorization`` header: never in a URL, a log line or an error.

Rate limits: GraphQL has its own budget (5,000 points an hour per token; a search page
costs 1) and sends ``X-RateLimit-Remaining`` / ``X-RateLimit-Reset``: at 0 the run stops
paging (warning; the cursor keeps what was read). A spent limit (HTTP 403 or 429, or a
GraphQL error of type ``RATE_LIMITED``) is :class:`~listeners.errors.RateLimited`; any
other 401/403 is :class:`~listeners.errors.AccessDenied`; other GraphQL ``errors`` are a
:class:`~listeners.errors.ListenerError` naming GitHub's message.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field, SecretStr

from domain.defaults import LISTENER_MAX_PAGES
from listeners.base import BaseListener, Batch, ListenerSettings, StreamBatch
from listeners.errors import AccessDenied, ListenerError, MalformedResponse, SourceDisabled
from listeners.github import MAX_TERMS, raise_denied
from listeners.timefmt import advance_cursor, seen_before
from listeners.timefmt import iso_z as _iso
from listeners.timefmt import parse_time as _parse_time
from storage.records import Mention

logger = logging.getLogger(__name__)

TOKEN_HINT = "set token to ${GITHUB_TOKEN}: GitHub's GraphQL API needs one"

#: The fields read from each discussion (one query, one point per page).
DISCUSSION_FIELDS = """
      ... on Discussion {
        id number title body url createdAt updatedAt upvoteCount
        author { login }
        category { name }
        repository { nameWithOwner }
        comments { totalCount }
        reactions { totalCount }
        answer { url }
      }"""

SEARCH_QUERY = (
    "query($q: String!, $first: Int!, $after: String) {\n"
    "  search(query: $q, type: DISCUSSION, first: $first, after: $after) {\n"
    "    discussionCount\n"
    "    pageInfo { endCursor hasNextPage }\n"
    "    nodes {" + DISCUSSION_FIELDS + "\n    }\n  }\n}"
)

_NAME_WITH_OWNER = re.compile(r"github\.com/([^/]+/[^/]+)/discussions/")


class GitHubDiscussionsSettings(ListenerSettings):
    """Config keys of a ``type = "github_discussions"`` source."""

    graphql_url: str = Field(
        default="https://api.github.com/graphql",
        description="GitHub GraphQL endpoint (GitHub Enterprise: https://HOST/api/graphql).",
    )
    token: SecretStr = Field(
        default=SecretStr(""),
        description="Token (${GITHUB_TOKEN}); required by GraphQL, empty = disabled.",
    )
    repos: tuple[str, ...] = Field(
        default=(), description="Only search these repositories ('owner/name'); empty: all."
    )
    qualifiers: str = Field(
        default="", description="Extra search qualifiers, e.g. 'is:unanswered'."
    )
    per_page: int = Field(default=50, ge=1, le=100, description="Discussions per request.")
    max_pages: int = Field(
        default=LISTENER_MAX_PAGES, ge=1, le=10, description="Most pages per brand per run."
    )


def discussion_query(
    terms: tuple[str, ...], settings: GitHubDiscussionsSettings, since: str | None
) -> str:
    """The search string of one brand: its terms ORed, then repos, qualifiers, order."""
    words = [f'"{t}"' if " " in t else t for t in dict.fromkeys(t.strip() for t in terms) if t]
    parts = [" OR ".join(words)]
    parts += [f"repo:{repo}" for repo in settings.repos]
    if settings.qualifiers.strip():
        parts.append(settings.qualifiers.strip())
    if since:
        parts.append(f"updated:>={since}")
    parts.append("sort:updated-desc")
    return " ".join(parts)


def discussion_connection(payload: Mapping[str, Any]) -> Mapping[str, Any]:
    """The discussions connection of a GraphQL reply: ``data.search`` (a discussion
    search) or ``data.repository.discussions`` (a repository's list, same node type);
    KeyError/TypeError when the reply has neither."""
    data = payload["data"]
    connection = data.get("search")
    if connection is None and isinstance(data.get("repository"), dict):
        connection = data["repository"].get("discussions")
    if not isinstance(connection, dict) or not isinstance(connection.get("nodes"), list):
        raise KeyError("no discussions connection (data.search.nodes) in the reply")
    return connection


def _repo_of(node: Mapping[str, Any]) -> str | None:
    repo = node.get("repository")
    if isinstance(repo, dict):
        if repo.get("nameWithOwner"):
            return str(repo["nameWithOwner"])
        owner = repo.get("owner")
        login = owner.get("login") if isinstance(owner, dict) else None
        if login and repo.get("name"):
            return f"{login}/{repo['name']}"
    match = _NAME_WITH_OWNER.search(str(node.get("url") or ""))
    return match.group(1) if match else None


def discussion_url(node: Mapping[str, Any]) -> str:
    """The discussion's page: ``url``, else built from its repository and number."""
    if node.get("url"):
        return str(node["url"])
    repo, number = _repo_of(node), node.get("number")
    return f"https://github.com/{repo}/discussions/{number}" if repo and number else ""


def _total(node: Mapping[str, Any], key: str) -> int | None:
    value = node.get(key)
    total = value.get("totalCount") if isinstance(value, dict) else None
    return total if isinstance(total, int) else None


def discussion_to_mention(source: str, node: Mapping[str, Any]) -> Mention:
    """A ``Discussion`` node as a mention. Keyed by its node ``id`` (``D_…``), else its
    URL; ``author: null`` (a deleted account, "ghost") gives no author."""
    author = node.get("author")
    url = discussion_url(node)
    reactions = _total(node, "reactions")
    upvotes = node.get("upvoteCount")
    category = node.get("category")
    answer = node.get("answer")
    return Mention(
        source=source,
        external_id=str(node.get("id") or url),
        url=url,
        text=str(node.get("body") or "").replace("\r\n", "\n").strip(),
        title=str(node.get("title") or "").strip(),
        author=str(author.get("login") or "") if isinstance(author, dict) else "",
        published_at=_parse_time(node.get("createdAt")),
        engagement=reactions
        if reactions is not None
        else upvotes
        if isinstance(upvotes, int)
        else None,
        comment_count=_total(node, "comments"),
        extra={
            "kind": "discussion",
            "repo": _repo_of(node),
            "number": node.get("number"),
            "category": category.get("name") if isinstance(category, dict) else None,
            "answered": isinstance(answer, dict) if "answer" in node else None,
            "updated_at": node.get("updatedAt"),
        },
    )


def graphql_errors(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The ``errors`` of a GraphQL reply (GitHub answers many of them with HTTP 200)."""
    errors = payload.get("errors")
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


class GitHubDiscussionsListener(BaseListener[GitHubDiscussionsSettings]):
    """Searches GitHub Discussions for each brand through GraphQL.

    Cursor: ``{"streams": {"<brand>": {"since": "<ISO updatedAt>", "ids": [id, ...]}}}``
    (``"<brand>#2"`` ... for a brand's seventh term onwards).
    """

    kind: ClassVar[str] = "github_discussions"
    Settings = GitHubDiscussionsSettings
    _spent: bool = False  # the rate limit ran out during this fetch

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.settings.token.get_secret_value().strip()}",
            "Content-Type": "application/json",
            "Accept": "application/vnd.github+json",
        }

    def _page(self, query: str, after: str | None) -> tuple[Mapping[str, Any], Mapping[str, str]]:
        url = self.settings.graphql_url
        variables: dict[str, Any] = {"q": query, "first": self.settings.per_page}
        if after:
            variables["after"] = after
        body = json.dumps({"query": SEARCH_QUERY, "variables": variables}).encode()
        response = self.http.request(
            "POST",
            url,
            source=self.name,
            headers=self._headers(),
            content=body,
            ok_statuses=(401, 403),
        )
        if response.status_code == 401:
            raise AccessDenied(
                self.name,
                "GitHub refused the token (HTTP 401)",
                hint="check the token in ${GITHUB_TOKEN}: expired or revoked?",
            )
        if response.status_code == 403:
            raise_denied(self.name, 403, response.headers)
        try:
            payload = response.json()
            if not isinstance(payload, dict):
                raise TypeError("the reply is not a JSON object")
        except (ValueError, TypeError) as exc:
            raise MalformedResponse(
                self.name,
                f"unexpected reply from GitHub GraphQL ({url}): {exc}",
                hint="is graphql_url GitHub's GraphQL endpoint? (https://api.github.com/graphql)",
            ) from exc
        errors = graphql_errors(payload)
        if errors:
            kinds = {str(e.get("type") or "") for e in errors}
            message = "; ".join(str(e.get("message") or "") for e in errors)[:300]
            if "RATE_LIMITED" in kinds:
                raise_denied(self.name, 429, response.headers)
            if payload.get("data") is None:
                raise ListenerError(
                    self.name,
                    f"GitHub GraphQL refused the search: {message}",
                    hint="check repos and qualifiers",
                )
            logger.warning("%s: GitHub GraphQL reported errors: %s", self.name, message)
        try:
            connection = discussion_connection(payload)
            for node in connection["nodes"]:
                if not isinstance(node, dict):
                    raise TypeError("a discussion node is not an object")
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedResponse(
                self.name,
                f"unexpected reply from GitHub GraphQL ({url}): {exc}",
                hint="is graphql_url GitHub's GraphQL endpoint? (https://api.github.com/graphql)",
            ) from exc
        return connection, response.headers

    def _poll(
        self, terms: tuple[str, ...], state: Mapping[str, Any] | None, warnings: list[str]
    ) -> tuple[list[Mapping[str, Any]], dict[str, Any] | None]:
        since = str(state["since"]) if state and state.get("since") else None
        seen = {str(i) for i in state.get("ids") or []} if state else set()
        query = discussion_query(terms, self.settings, since)
        nodes: list[Mapping[str, Any]] = []
        pages = self.settings.max_pages if since else 1
        after: str | None = None
        for page in range(1, pages + 1):
            connection, headers = self._page(query, after)
            nodes.extend(n for n in connection["nodes"] if n)  # {} for non-discussion hits
            if headers.get("X-RateLimit-Remaining", "").strip() == "0":
                warnings.append(
                    f"GitHub GraphQL rate limit spent (resets at "
                    f"{headers.get('X-RateLimit-Reset')}); the rest waits for the next run"
                )
                self._spent = True
                break
            info = connection.get("pageInfo") or {}
            after = info.get("endCursor") if isinstance(info, dict) else None
            if not (isinstance(info, dict) and info.get("hasNextPage") and after):
                break
            if page == pages and since:
                warnings.append(
                    f"{query!r}: more than {pages * self.settings.per_page} updated "
                    "discussions; older ones in this window were skipped (raise max_pages "
                    "or poll more often)"
                )
        since_dt = _parse_time(since)
        fresh = []
        stamped: list[tuple[datetime, str]] = []
        for node in nodes:
            key = str(node.get("id") or discussion_url(node))
            moment = _parse_time(node.get("updatedAt"))
            if moment is not None:
                stamped.append((moment, key))
            if not seen_before(moment, since_dt, key, seen):
                fresh.append(node)
        advanced = advance_cursor(stamped, since_dt, seen)
        if advanced is None:
            return fresh, dict(state) if state else None
        newest, ids = advanced
        return fresh, {"since": _iso(newest), "ids": ids}

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        """Search once per brand; raises a ListenerError (cursor unchanged) on failure."""
        if not self.settings.token.get_secret_value().strip():
            raise SourceDisabled(self.name, "no GitHub token", hint=TOKEN_HINT)
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
                nodes, state = self._poll(
                    terms[start : start + MAX_TERMS], old.get(key), collected.warnings
                )
                mentions = [discussion_to_mention(self.name, n) for n in nodes]
                collected.add(key, mentions, raw_count=len(nodes), state=state)
        return collected.batch()
