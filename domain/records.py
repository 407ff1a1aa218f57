"""The mention record every source produces, and the one check it passes before storage.

Listeners and spiders only *produce* :class:`Mention` records; the composition root runs
:func:`check_mention` on each (one intake path), assigns brands and saves. A record that
fails the check is not stored: it is counted per source under its :class:`SkipReason`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from domain.errors import SourceError
from domain.sanitize import DEFAULT_MAX_TEXT_CHARS, clean_line, clean_text, safe_link

#: Longest text stored for one mention (characters); longer texts are cut and flagged
#: ``extra["truncated"] = True``.
MAX_TEXT_CHARS = DEFAULT_MAX_TEXT_CHARS
#: Longest title, author or external id stored (characters).
MAX_SHORT_CHARS = 2_000

#: Bodies that stand for content its author or a moderator removed (Reddit, Lemmy ...).
DELETED_MARKERS = frozenset({"[deleted]", "[removed]", "[deleted by user]"})


@dataclass(frozen=True, slots=True)
class Mention:
    """One post, comment, article or review as a source yields it.

    Attributes:
        source: the configured source name (unique per config).
        external_id: the source's own id for the item (stable across fetches).
        url: link to the item (http or https).
        text: plain text (HTML already turned into text).
        title: headline or review title, may be empty.
        author: display name or handle, may be empty.
        published_at: when the author published it (timezone-aware UTC), if known.
        brands: brand names it belongs to. Review sources fix it from config; when empty
            the intake matches the brands' search terms against title and text.
        rating: star rating on a 1-5 scale, if any.
        engagement: score, likes, upvotes or helpful votes, if the source gives them.
        comment_count: replies or comments, if given.
        author_followers: the author's follower count, if given.
        language: ISO 639-1 code when the source declares one.
        extra: source-specific fields kept for export (JSON-serialisable).
    """

    source: str
    external_id: str
    url: str
    text: str
    title: str = ""
    author: str = ""
    published_at: datetime | None = None
    brands: tuple[str, ...] = ()
    rating: float | None = None
    engagement: int | None = None
    comment_count: int | None = None
    author_followers: int | None = None
    language: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


class SkipReason(StrEnum):
    """Why the intake did not store a record (counted per source and run)."""

    DELETED = "deleted"  # removed by its author or a moderator, or empty
    INVALID = "invalid"  # cannot be stored as it is (no id, bad URL, rating out of range)
    OFF_BRAND = "off_brand"  # names none of the tracked brands
    DUPLICATE = "duplicate"  # already stored (same source and external id)


class InvalidRecord(SourceError):
    """A record that cannot be stored; ``reason`` says which :class:`SkipReason`."""

    def __init__(self, reason: SkipReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def is_deleted(text: str) -> bool:
    """True for a body that stands for removed content (``[deleted]``, ``[removed]``)."""
    return text.strip().casefold() in DELETED_MARKERS


def check_mention(mention: Mention) -> Mention:
    """The record as it may be stored, or :class:`InvalidRecord` saying why not.

    Cleans text fields (:func:`domain.sanitize.clean_text`; one-line fields through
    :func:`domain.sanitize.clean_line`), cuts the text to
    :data:`MAX_TEXT_CHARS` (flagging ``extra["truncated"]``), normalizes the publication
    time to UTC, and rejects: deleted or empty content (``deleted``; a review with stars
    and no words, marked ``extra["rating_only"]``, is not empty); no external id,
    a URL that is not http(s), a naive publication time, a rating outside 1-5 or a
    negative count (``invalid``).
    """
    where = f"{mention.source}: item {mention.external_id!r}"
    external_id = clean_line(mention.external_id, max_chars=MAX_SHORT_CHARS)
    if not external_id:
        raise InvalidRecord(SkipReason.INVALID, f"{mention.source}: item without an id")
    text = clean_text(mention.text, max_chars=None)
    title = clean_line(mention.title, max_chars=MAX_SHORT_CHARS)
    rating_only = bool(mention.extra.get("rating_only")) and mention.rating is not None
    if is_deleted(text) or not (text.strip() or title or rating_only):
        raise InvalidRecord(SkipReason.DELETED, f"{where} is deleted or empty")
    url = safe_link(mention.url)
    if url is None:
        raise InvalidRecord(
            SkipReason.INVALID, f"{where}: link {mention.url[:80]!r} is not http(s)"
        )
    if mention.rating is not None and not 1 <= mention.rating <= 5:
        raise InvalidRecord(SkipReason.INVALID, f"{where}: rating {mention.rating} outside 1-5")
    for name in ("engagement", "comment_count", "author_followers"):
        value = getattr(mention, name)
        if value is not None and value < 0:
            raise InvalidRecord(SkipReason.INVALID, f"{where}: negative {name} {value}")
    published = mention.published_at
    if published is not None:
        if published.tzinfo is None:
            raise InvalidRecord(SkipReason.INVALID, f"{where}: publication time has no zone")
        published = published.astimezone(UTC)
    extra = dict(mention.extra)
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        extra["truncated"] = True
    return replace(
        mention,
        external_id=external_id,
        url=url,
        text=text,
        title=title,
        author=clean_line(mention.author, max_chars=MAX_SHORT_CHARS),
        language=clean_line(mention.language, max_chars=16) or None,
        published_at=published,
        extra=extra,
    )


def mention_to_json(mention: Mention) -> dict[str, Any]:
    """The record as a JSON-serialisable dict (times in ISO 8601): how a crawl in a
    subprocess hands its records back to the parent, one JSON line each."""
    return {
        "source": mention.source,
        "external_id": mention.external_id,
        "url": mention.url,
        "text": mention.text,
        "title": mention.title,
        "author": mention.author,
        "published_at": mention.published_at.isoformat() if mention.published_at else None,
        "brands": list(mention.brands),
        "rating": mention.rating,
        "engagement": mention.engagement,
        "comment_count": mention.comment_count,
        "author_followers": mention.author_followers,
        "language": mention.language,
        "extra": dict(mention.extra),
    }


def mention_from_json(data: Mapping[str, Any]) -> Mention:
    """Inverse of :func:`mention_to_json`; a missing or wrongly typed required field
    raises :class:`InvalidRecord` (``invalid``)."""
    try:
        published = data.get("published_at")
        return Mention(
            source=str(data["source"]),
            external_id=str(data["external_id"]),
            url=str(data["url"]),
            text=str(data.get("text") or ""),
            title=str(data.get("title") or ""),
            author=str(data.get("author") or ""),
            published_at=datetime.fromisoformat(published) if published else None,
            brands=tuple(str(b) for b in data.get("brands") or ()),
            rating=None if data.get("rating") is None else float(data["rating"]),
            engagement=_optional_int(data.get("engagement")),
            comment_count=_optional_int(data.get("comment_count")),
            author_followers=_optional_int(data.get("author_followers")),
            language=data.get("language") or None,
            extra=dict(data.get("extra") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidRecord(SkipReason.INVALID, f"malformed record: {exc}") from exc


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)
