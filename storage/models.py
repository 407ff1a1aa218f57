"""SQLModel tables. Only the storage modules (stores, labels) and the migrations use them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns timezone-aware UTC on every dialect."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


class Brand(SQLModel, table=True):
    __tablename__ = "brands"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    is_own: bool = False


class Source(SQLModel, table=True):
    __tablename__ = "sources"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, index=True)
    kind: str
    enabled: bool = True
    disabled_reason: str | None = None
    cursor: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    expected_interval_s: int | None = None
    last_run_at: datetime | None = _ts()
    last_success_at: datetime | None = _ts()
    last_item_count: int | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    last_error_at: datetime | None = _ts()
    consecutive_failures: int = 0
    #: Last run's raw items, stored mentions and skips by reason (JSON); see storage.run_counts.
    last_run_seen: int | None = None
    last_run_stored: int | None = None
    last_run_skipped: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Mention(SQLModel, table=True):
    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_mentions_source_external_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)
    external_id: str
    url: str
    author: str = ""
    title: str = ""
    text: str = Field(sa_column=Column(Text, nullable=False))
    published_at: datetime | None = _ts(index=True)
    collected_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    rating: float | None = None
    engagement: int | None = None
    comment_count: int | None = None
    author_followers: int | None = None
    source_language: str | None = None
    content_hash: str = Field(index=True)
    #: Id of the earliest mention of the same story (near-duplicates); None when unique.
    story_id: int | None = Field(default=None, index=True)
    extra: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class MentionBrand(SQLModel, table=True):
    """A mention's link to a brand, with the brand's own sentiment where it differs.

    ``label``/``score`` hold the per-brand (target) sentiment of a mention that names
    several brands ("switched from Slack to Teams"); ``method`` says how it was derived
    (``segment``, ``comparative`` or ``mention``). All three are NULL for single-brand
    mentions and before analysis; a NULL label means "use the mention's label".
    """

    __tablename__ = "mention_brands"
    mention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True)
    )
    brand_id: int = Field(
        sa_column=Column(Integer, ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True)
    )
    label: str | None = None
    score: float | None = None
    method: str | None = None


class Analysis(SQLModel, table=True):
    __tablename__ = "analyses"
    mention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True)
    )
    label: str
    score: float
    confidence: float
    language: str
    language_confidence: float | None = None
    model: str
    topic: str | None = None
    analyzed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class LabelOverride(SQLModel, table=True):
    """A human correction: wins over every model and survives re-analysis."""

    __tablename__ = "label_overrides"
    mention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True)
    )
    label: str
    note: str | None = None
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Alert(SQLModel, table=True):
    """One alert per mention, ever (the primary key on mention_id enforces it)."""

    __tablename__ = "alerts"
    id: int | None = Field(default=None, primary_key=True)
    mention_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("mentions.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    brand: str
    urgency: float
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class Delivery(SQLModel, table=True):
    """Delivery state of one alert to one target; failed ones are retried next cycle."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "target", name="uq_deliveries_alert_target"),)
    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(
        sa_column=Column(Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False)
    )
    target: str
    status: str  # "sent" | "failed"
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class RatingAggregate(SQLModel, table=True):
    """A product's or business's overall rating as a page showed it on one day
    (schema.org ``AggregateRating``); see :mod:`storage.aggregates`."""

    __tablename__ = "rating_aggregates"
    __table_args__ = (
        UniqueConstraint("source", "url", "item_name", "seen_on", name="uq_rating_aggregates_day"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)
    brand: str | None = Field(default=None, index=True)
    item_name: str = ""
    url: str
    rating_value: float
    best_rating: float | None = None
    worst_rating: float | None = None
    rating_count: int | None = None
    review_count: int | None = None
    seen_on: date = Field(sa_column=Column(Date, nullable=False, index=True))
    seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# Indexes for the hot queries (migration 0007, issue 14): the "when" of a mention that
# every period filter uses, a brand's mentions, and a target's deliveries.
Index(
    "ix_mentions_when",
    func.coalesce(Mention.__table__.c.published_at, Mention.__table__.c.collected_at),  # type: ignore[attr-defined]
)
Index(
    "ix_mention_brands_brand_id",
    MentionBrand.__table__.c.brand_id,  # type: ignore[attr-defined]
    MentionBrand.__table__.c.mention_id,  # type: ignore[attr-defined]
)
Index(
    "ix_deliveries_target_status",
    Delivery.__table__.c.target,  # type: ignore[attr-defined]
    Delivery.__table__.c.status,  # type: ignore[attr-defined]
)
