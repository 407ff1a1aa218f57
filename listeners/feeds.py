"""RSS, Atom and JSON Feed listener, with conditional GET and Google Alerts support.

RSS and Atom are parsed by feedparser, except plain RSS 2.0 / Atom 1.0 feeds, which lxml
reads into the same records much faster (:mod:`listeners.feeds_fast`); JSON Feed (1.0/1.1,
which feedparser 6 does not read) by :func:`parse_json_feed`. The cursor keeps the
server's ETag and Last-Modified, so an unchanged feed costs one 304 response. Google
Alerts entries link through ``google.com/url?...&url=<target>`` and highlight the query
with ``<b>``: both are undone so the stored URL is the article's and the text is plain.

An item with neither title nor text is handed on like any other: the intake
(:func:`domain.records.check_mention`) skips it and counts it for the source, so it is
reported, never dropped silently here.
"""

from __future__ import annotations

import calendar
import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import feedparser
from pydantic import Field

from listeners.base import BaseListener, Batch, ListenerSettings
from listeners.errors import MalformedResponse
from listeners.feeds_fast import fallback_id as _fallback_id
from listeners.feeds_fast import parse_plain_xml, unwrap_google_redirect
from listeners.html_text import html_to_text
from storage.records import Mention

logger = logging.getLogger(__name__)


class FeedSettings(ListenerSettings):
    """Config keys of a ``type = "feed"`` source."""

    url: str = Field(description="URL of the RSS, Atom or JSON feed (a Google Alerts feed works).")
    max_entries: int = Field(
        default=500, ge=1, description="Most entries read from one fetch (newest first)."
    )


def _struct_to_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _iso_to_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_OPEN_ENTRY = re.compile(rb"<(?:[A-Za-z0-9_]+:)?(?:item|entry)[\s>/]")
_CLOSE_ENTRY = re.compile(rb"</(?:[A-Za-z0-9_]+:)?(?:item|entry)\s*>")


def _last_entry_unclosed(body: bytes) -> bool:
    """True when the last ``<item>``/``<entry>`` opened in ``body`` is never closed."""
    opened = [m.start() for m in _OPEN_ENTRY.finditer(body)]
    closed = [m.start() for m in _CLOSE_ENTRY.finditer(body)]
    return bool(opened) and (not closed or opened[-1] > closed[-1])


def parse_feed(body: bytes, *, source: str, url: str) -> tuple[list[Mention], list[str]]:
    """Parse an RSS/Atom/JSON feed body into mentions (newest first) and warnings.

    One record per item, items without title or text included (the intake skips them).

    Raises:
        MalformedResponse: the body is not a feed at all (no entries and a parse error),
            naming the source and URL.
    """
    if body.lstrip()[:1] == b"{":
        return parse_json_feed(body, source=source, url=url), []
    plain = parse_plain_xml(body, source=source)
    if plain is not None:  # lxml read it exactly as feedparser would, 10-50x faster
        return plain, []
    parsed = feedparser.parse(body)
    warnings: list[str] = []
    problem = (
        f"{parsed.bozo_exception.__class__.__name__}: {parsed.bozo_exception}"
        if parsed.bozo
        else "no RSS/Atom root element"
    )
    if not parsed.entries and (parsed.bozo or not parsed.get("version")):
        # A valid but empty feed has a version and no error; anything else is not a feed
        # (a login page, an error page, a truncated download, HTML that replaced it).
        raise MalformedResponse(
            source,
            f"{url} is not a readable RSS/Atom/JSON feed ({problem})",
            hint="check the URL points at the feed itself, not a web page",
        )
    entries = list(parsed.entries)
    if parsed.bozo and entries and _last_entry_unclosed(body):
        # A download cut off inside an item: the parser still returns the part it read.
        # Drop it; the next complete download brings it whole.
        warnings.append(f"{url}: dropped the last item, which was cut off")
        entries = entries[:-1]
    mentions = [_entry_to_mention(e, source) for e in entries]
    if parsed.bozo and not any(m.title or m.text for m in mentions):
        # Parser errors and nothing usable: a truncated download or a broken feed, which
        # must show as a failure, not as "ok, 0 items".
        raise MalformedResponse(
            source,
            f"{url} yielded no items and has parser errors ({problem})",
            hint="the download was cut off or the feed is broken; it is retried next run",
        )
    if parsed.bozo:
        warnings.append(f"{url}: feed has errors but was read ({problem})")
    return mentions, warnings


def _entry_to_mention(entry: Any, source: str) -> Mention:
    link = unwrap_google_redirect(entry.get("link", "") or "")
    title = html_to_text(entry.get("title", "") or "")
    content = entry.get("content") or []
    body_html = content[0].get("value", "") if content else entry.get("summary", "") or ""
    text = html_to_text(body_html)
    author = entry.get("author", "") or ""
    published = _struct_to_datetime(entry.get("published_parsed")) or _struct_to_datetime(
        entry.get("updated_parsed")
    )
    external_id = entry.get("id") or link or _fallback_id(title, text)
    language = None
    detail = entry.get("title_detail") or {}
    if detail.get("language"):
        language = str(detail["language"]).split("-")[0].lower()
    return Mention(
        source=source,
        external_id=str(external_id),
        url=link,
        title=title,
        text=text or title,
        author=html_to_text(author),
        published_at=published,
        language=language,
    )


def parse_json_feed(body: bytes, *, source: str, url: str) -> list[Mention]:
    """Parse a JSON Feed (https://jsonfeed.org, versions 1 and 1.1) into mentions."""
    try:
        doc = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedResponse(source, f"{url} is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise MalformedResponse(
            source, f"{url} is JSON but not a JSON Feed (no 'items' list)", hint="check the URL"
        )
    feed_language = str(doc.get("language") or "").split("-")[0].lower() or None
    feed_author = _json_author(doc)
    mentions = []
    for item in doc["items"]:
        if not isinstance(item, dict):
            continue
        title = html_to_text(str(item.get("title") or ""))
        text = str(item.get("content_text") or "") or html_to_text(
            str(item.get("content_html") or item.get("summary") or "")
        )
        link = str(item.get("url") or item.get("external_url") or "")
        published = _iso_to_datetime(item.get("date_published")) or _iso_to_datetime(
            item.get("date_modified")
        )
        mentions.append(
            Mention(
                source=source,
                external_id=str(item.get("id") or link or _fallback_id(title, text)),
                url=link,
                title=title,
                text=text or title,
                author=_json_author(item) or feed_author,
                published_at=published,
                language=str(item.get("language") or "").split("-")[0].lower() or feed_language,
            )
        )
    return mentions


def _json_author(obj: Mapping[str, Any]) -> str:
    authors = obj.get("authors") or ([obj["author"]] if obj.get("author") else [])
    names = [str(a.get("name")) for a in authors if isinstance(a, dict) and a.get("name")]
    return ", ".join(names)


class FeedListener(BaseListener[FeedSettings]):
    """Fetches one feed with conditional GET.

    Args:
        settings: the source's :class:`FeedSettings`.
        name: the configured source name (used in mentions and errors).
        http: the shared :class:`HttpClient`.
        queries: unused (feeds are already queries); accepted for the common contract.
    """

    kind: ClassVar[str] = "feed"
    Settings = FeedSettings

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        headers = {
            "Accept": "application/atom+xml, application/rss+xml, application/feed+json, "
            "application/json;q=0.9, application/xml;q=0.8, */*;q=0.5"
        }
        cursor = dict(cursor or {})
        if cursor.get("etag"):
            headers["If-None-Match"] = str(cursor["etag"])
        if cursor.get("last_modified"):
            headers["If-Modified-Since"] = str(cursor["last_modified"])
        response = self.http.get(
            self.settings.url, source=self.name, headers=headers, ok_statuses=(304,)
        )
        if response.status_code == 304:
            logger.info("%s: feed not modified since last run", self.name)
            return Batch([], cursor=cursor, item_count=0)
        mentions, warnings = parse_feed(response.content, source=self.name, url=self.settings.url)
        for warning in warnings:
            logger.warning("%s: %s", self.name, warning)
        new_cursor = {
            key: value
            for key, value in (
                ("etag", response.headers.get("ETag")),
                ("last_modified", response.headers.get("Last-Modified")),
            )
            if value
        }
        return Batch(
            mentions[: self.settings.max_entries],
            cursor=new_cursor,
            item_count=len(mentions),
            warnings=warnings,
        )
