"""Frozen dataclasses that storage returns (the mention record itself is :mod:`domain.records`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from domain.labels import effective_label, effective_score
from domain.records import Mention
from domain.text import content_hash, normalize_text

__all__ = [
    "AlertItem",
    "AnalysisInput",
    "BrandCounts",
    "BrandSentiment",
    "Mention",
    "PendingText",
    "SaveResult",
    "SourceHealth",
    "StoredMention",
    "content_hash",
    "normalize_text",
]


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
        """The effective label for one brand (:func:`domain.labels.effective_label`): a
        human correction, else the brand's own label, else the mention's label."""
        own = self.brand_sentiment(brand)
        # ``label`` already holds the correction when there is one (``overridden``).
        return effective_label(
            correction=self.label if self.overridden else None,
            brand_label=own.label if own is not None else None,
            model_label=self.label,
        )

    def for_brand(self, brand: str) -> StoredMention:
        """This mention as seen for ``brand``: label and score are the brand's own where
        one is stored (and no human correction applies), else unchanged."""
        own = None if self.overridden else self.brand_sentiment(brand)
        if own is None:
            return self
        return replace(
            self,
            label=self.label_for(brand),
            score=effective_score(
                corrected=self.overridden, brand_score=own.score, model_score=self.score
            ),
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


@dataclass(frozen=True, slots=True)
class AnalysisInput:
    """One analysis to store for a mention (see ``sentiment.Sentiment`` for the fields).

    ``brands`` holds the per-brand results of a mention linked to several brands (see
    :class:`BrandSentiment`); leave it empty for single-brand mentions.
    """

    mention_id: int
    label: str
    score: float
    confidence: float
    language: str
    model: str
    language_confidence: float | None = None
    topic: str | None = None
    brands: tuple[BrandSentiment, ...] = ()


@dataclass(frozen=True, slots=True)
class PendingText:
    """A mention waiting for analysis (or grouping), with the names of its brands."""

    mention_id: int
    title: str
    text: str
    language: str | None
    brands: tuple[str, ...] = ()
    #: star rating on a 1-5 scale, None when the mention has none
    rating: float | None = None
