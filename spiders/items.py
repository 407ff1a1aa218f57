"""The item every BrandPulse spider yields; the pipeline turns it into a ``storage.Mention``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class MentionItem:
    """One review, article or forum post as scraped (mutable until the pipeline freezes it).

    Attributes:
        external_id: the site's own id for the item (review id, canonical URL ...).
        url: link to the item (the review's own page when the site has one).
        text: plain text body.
        title: review title or headline.
        author: display name.
        published_at: timezone-aware UTC publication time, if shown.
        rating: stars on a 1-5 scale, if any.
        engagement: helpful votes / likes, if shown.
        comment_count: replies, if shown.
        language: ISO 639-1 code of the text, when the page declares it.
        brands: brands it belongs to; the pipeline fills them (from the crawl's brand or
            by matching brand terms) when empty.
        kind: ``"review"`` (belongs to the page's brand) or ``"article"`` (matched by terms).
        extra: site-specific fields for export, JSON-serialisable (``verified_purchase`` ...).
    """

    external_id: str
    url: str
    text: str
    title: str = ""
    author: str = ""
    published_at: datetime | None = None
    rating: float | None = None
    engagement: int | None = None
    comment_count: int | None = None
    language: str | None = None
    brands: tuple[str, ...] = ()
    kind: str = "review"
    extra: dict[str, Any] = field(default_factory=dict)
