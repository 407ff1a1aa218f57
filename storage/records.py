"""Frozen dataclasses that cross package boundaries (listeners → storage → digest)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_URL = re.compile(r"https?://\S+")


def normalize_text(text: str) -> str:
    """Lower-case, NFKC-fold, drop URLs and punctuation, collapse white space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _URL.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def content_hash(title: str, text: str) -> str:
    """SHA-256 (hex, 64 chars) of the normalized title and text.

    Two posts with the same words (cross-posted, syndicated, re-shared with another URL)
    hash alike, whatever their punctuation, case or links.
    """
    return hashlib.sha256(normalize_text(f"{title} {text}").encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Mention:
    """One post, comment, article or review as a source yields it.

    Attributes:
        source: the configured source name (unique per config).
        external_id: the source's own id for the item (stable across fetches).
        url: link to the item.
        text: plain text (HTML already turned into text).
        title: headline or review title, may be empty.
        author: display name or handle, may be empty.
        published_at: when the author published it (timezone-aware UTC), if known.
        brands: brand names it belongs to. Review sources fix it from config; when empty
            the pipeline matches the brands' search terms against title and text.
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


@dataclass(frozen=True, slots=True)
class SaveResult:
    """How many mentions a save inserted, and how many were already stored."""

    inserted: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class BrandSentiment:
    """One brand's own sentiment in a mention that names several brands.

    Attributes:
        brand: the brand name.
        method: how it was derived: ``segment`` (the brand's own clauses were classified),
            ``comparative`` (a comparison ranked the brands: "X is better than Y") or
            ``mention`` (the brands could not be separated: the mention's label applies).
        label: ``negative``, ``neutral`` or ``positive``; None means the mention's label.
        score: polarity in [-1, 1]; None means the mention's score.
    """

    brand: str
    method: str
    label: str | None = None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class StoredMention:
    """A stored mention joined with its brands, analysis and any label override."""

    id: int
    source: str
    external_id: str
    url: str
    author: str
    title: str
    text: str
    published_at: datetime | None
    collected_at: datetime
    brands: tuple[str, ...]
    rating: float | None
    engagement: int | None
    comment_count: int | None
    author_followers: int | None
    content_hash: str
    language: str | None
    label: str | None
    score: float | None
    confidence: float | None
    model: str | None
    topic: str | None
    overridden: bool
    story_id: int | None = None
    #: Per-brand sentiment of a multi-brand mention (only brands with a stored result).
    brand_sentiments: tuple[BrandSentiment, ...] = ()

    @property
    def story(self) -> int:
        """The story this mention belongs to: the earliest near-duplicate's id, or its own."""
        return self.story_id if self.story_id is not None else self.id

    def brand_sentiment(self, brand: str) -> BrandSentiment | None:
        """The stored per-brand result for ``brand`` that has its own label, if any."""
        return next(
            (b for b in self.brand_sentiments if b.brand == brand and b.label is not None), None
        )

    def label_for(self, brand: str) -> str | None:
        """The effective label for one brand: a human correction, else the brand's own
        label, else the mention's label."""
        own = None if self.overridden else self.brand_sentiment(brand)
        return own.label if own is not None else self.label

    def for_brand(self, brand: str) -> StoredMention:
        """This mention as seen for ``brand``: label and score are the brand's own where
        one is stored (and no human correction applies), else unchanged."""
        own = None if self.overridden else self.brand_sentiment(brand)
        if own is None:
            return self
        return replace(
            self, label=own.label, score=own.score if own.score is not None else self.score
        )


@dataclass(frozen=True, slots=True)
class AlertItem:
    """An alert waiting for delivery: the alert id, its urgency and the mention."""

    alert_id: int
    brand: str
    urgency: float
    created_at: datetime
    mention: StoredMention
    duplicates: int = 0


@dataclass(frozen=True, slots=True)
class BrandCounts:
    """Per-brand mention counts by label over a period (mentions may count for 2 brands)."""

    brand: str
    is_own: bool
    mentions: int
    positive: int
    neutral: int
    negative: int
    unanalyzed: int

    @property
    def net_sentiment(self) -> float:
        """(positive - negative) / analyzed mentions, in [-1, 1]; 0.0 when none."""
        analyzed = self.positive + self.neutral + self.negative
        return (self.positive - self.negative) / analyzed if analyzed else 0.0


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """A source's health as stored after its last run."""

    name: str
    kind: str
    enabled: bool
    disabled_reason: str | None
    last_run_at: datetime | None
    last_success_at: datetime | None
    last_item_count: int | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    expected_interval_s: int | None
    cursor: Mapping[str, Any] | None = None
    total_mentions: int = 0
