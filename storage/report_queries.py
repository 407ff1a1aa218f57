"""Aggregates for the competitor benchmark, computed in SQL (counts by brand, label, day;
star ratings by brand and source). Read-only; works on SQLite and PostgreSQL.

Every figure counts a mention once per brand it is linked to, over the mentions published
(else collected) at or after ``since`` and before ``until`` (timezone-aware UTC). The
effective label of a mention for a brand is the human correction, else the brand's own
label (multi-brand mentions), else the mention's label (``storage.labels``, the rule
``Repository.brand_counts`` uses too).

A page's own overall rating (schema.org AggregateRating) comes from ``rating_aggregates``
(:mod:`storage.aggregates`); the time to handle an alert comes from the inbox's
``alert_states``. Nothing here creates or migrates a table.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Engine, Select, func, inspect, select
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import models as m
from storage.aggregates import Aggregate, latest_aggregates
from storage.inbox_models import alert_states
from storage.labels import effective_rated_label_sql

logger = logging.getLogger(__name__)

_Ts = TypeVarTuple("_Ts")

__all__ = [
    "AggregateRatingRow",
    "DailyLabelCount",
    "DailyRating",
    "RatingBucket",
    "ReportQueries",
    "SourceCount",
]


@dataclass(frozen=True, slots=True)
class DailyLabelCount:
    """Mentions of one brand on one UTC day with one effective label (None: not analyzed)."""

    brand: str
    day: date
    label: str | None
    count: int


@dataclass(frozen=True, slots=True)
class RatingBucket:
    """Reviews of one brand on one source with one star value (rounded to whole stars)."""

    brand: str
    source: str
    stars: int
    count: int
    rating_sum: float


@dataclass(frozen=True, slots=True)
class DailyRating:
    """Sum and count of the star ratings of one brand's reviews on one UTC day."""

    brand: str
    day: date
    rating_sum: float
    count: int


@dataclass(frozen=True, slots=True)
class SourceCount:
    """How many of a brand's mentions in the period came from one source."""

    brand: str
    source: str
    count: int


@dataclass(frozen=True, slots=True)
class AggregateRatingRow:
    """The newest stored AggregateRating of one source (a shop or review page's own
    average over all its reviews, not only the ones BrandPulse stored)."""

    brand: str | None
    source: str
    rating: float
    count: int | None
    observed_at: datetime | None


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


class ReportQueries:
    """The report's read queries over one database engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- helpers ------------------------------------------------------------------------
    @staticmethod
    def _when() -> ColumnElement[datetime]:
        """When a mention happened: published, else collected (stored naive UTC)."""
        when: ColumnElement[datetime] = func.coalesce(
            col(m.Mention.published_at), col(m.Mention.collected_at)
        )
        return when

    def _window(
        self, stmt: Select[*_Ts], since: datetime | None, until: datetime | None
    ) -> Select[*_Ts]:
        when = self._when()
        if since is not None:
            stmt = stmt.where(when >= since)
        if until is not None:
            stmt = stmt.where(when < until)
        return stmt

    @staticmethod
    def _linked(stmt: Select[*_Ts]) -> Select[*_Ts]:
        """``stmt`` over brand ⋈ mention_brands ⋈ mentions, with analysis and correction
        outer-joined."""
        mention_id = col(m.Mention.id)
        return (
            stmt.select_from(m.Brand)
            .join(m.MentionBrand, col(m.MentionBrand.brand_id) == col(m.Brand.id))
            .join(m.Mention, mention_id == col(m.MentionBrand.mention_id))
            .outerjoin(m.Analysis, col(m.Analysis.mention_id) == mention_id)
            .outerjoin(m.LabelOverride, col(m.LabelOverride.mention_id) == mention_id)
        )

    @staticmethod
    def _effective() -> ColumnElement[str | None]:
        """The effective label with the star-rating rule (a 1-star review counts negative
        unless its text is clearly positive), as alerts and the inbox see it."""
        return effective_rated_label_sql(
            correction=col(m.LabelOverride.label),
            brand_label=col(m.MentionBrand.label),
            model_label=col(m.Analysis.label),
            rating=col(m.Mention.rating),
            score=func.coalesce(col(m.MentionBrand.score), col(m.Analysis.score)),
        )

    # -- queries ------------------------------------------------------------------------
    def daily_label_counts(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[DailyLabelCount]:
        """Mentions per brand, UTC day and effective label, oldest day first."""
        brand = col(m.Brand.name)
        day = func.date(self._when())
        effective = self._effective()
        stmt = self._linked(select(brand, day, effective, func.count()))
        stmt = self._window(stmt, since, until).group_by(brand, day, effective)
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
        out = [DailyLabelCount(name, _as_date(d), label, int(n)) for name, d, label, n in rows]
        return sorted(out, key=lambda r: (r.day, r.brand, r.label or ""))

    def rating_buckets(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[RatingBucket]:
        """Star-rated mentions per brand, source and whole star (1-5), with the sum of the
        exact ratings so averages keep half stars."""
        brand, source, rating = col(m.Brand.name), col(m.Mention.source), col(m.Mention.rating)
        stars = func.round(rating)
        stmt = self._linked(select(brand, source, stars, func.count(), func.sum(rating)))
        stmt = self._window(stmt.where(rating.is_not(None)), since, until)
        stmt = stmt.group_by(brand, source, stars)
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
        # SUM over rows WHERE rating IS NOT NULL is never NULL; `or 0.0` is for the type.
        out = [
            RatingBucket(name, src, round(float(s)), int(n), float(total or 0.0))
            for name, src, s, n, total in rows
        ]
        return sorted(out, key=lambda r: (r.brand, r.source, r.stars))

    def daily_ratings(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[DailyRating]:
        """Sum and count of star ratings per brand and UTC day, oldest first."""
        brand, rating = col(m.Brand.name), col(m.Mention.rating)
        day = func.date(self._when())
        stmt = self._linked(select(brand, day, func.sum(rating), func.count()))
        stmt = self._window(stmt.where(rating.is_not(None)), since, until)
        stmt = stmt.group_by(brand, day)
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
        # Never NULL (see rating_buckets); `or 0.0` is for the type.
        out = [DailyRating(name, _as_date(d), float(s or 0.0), int(n)) for name, d, s, n in rows]
        return sorted(out, key=lambda r: (r.day, r.brand))

    def source_counts(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[SourceCount]:
        """Mentions per brand and source in the period, by brand then most first."""
        brand, source = col(m.Brand.name), col(m.Mention.source)
        stmt = self._linked(select(brand, source, func.count()))
        stmt = self._window(stmt, since, until).group_by(brand, source)
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
        out = [SourceCount(name, src, int(n)) for name, src, n in rows]
        return sorted(out, key=lambda r: (r.brand, -r.count, r.source))

    def data_range(self) -> tuple[datetime, datetime] | None:
        """The earliest and latest publication (else collection) time of any brand's
        mention, or None when nothing is stored."""
        when = self._when()
        stmt = self._linked(select(func.min(when), func.max(when)))
        with Session(self.engine) as session:
            first, last = session.execute(stmt).one()
        if first is None or last is None:
            return None
        return _aware(first), _aware(last)

    # -- tables other features add --------------------------------------------------------
    def has_column(self, table: str, column: str) -> bool:
        """Whether ``table`` exists and has ``column`` (checked live, never cached)."""
        insp = inspect(self.engine)
        if not insp.has_table(table):
            return False
        return any(c["name"] == column for c in insp.get_columns(table))

    def aggregate_ratings(self) -> list[AggregateRatingRow]:
        """The newest AggregateRating per source (a page's own average over all its
        reviews, stored by review crawls in ``rating_aggregates``), on a 1-5 scale;
        a source with several items gets the count-weighted mean of their averages."""
        by_source: dict[str, list[Aggregate]] = {}
        for reading in latest_aggregates(self.engine):
            by_source.setdefault(reading.source, []).append(reading)
        rows = []
        for source, readings in by_source.items():
            weights = [r.review_count or r.rating_count or 1 for r in readings]
            scaled = [_five_star(r) for r in readings]
            counts = [r.review_count or r.rating_count for r in readings]
            rows.append(
                AggregateRatingRow(
                    brand=next((r.brand for r in readings if r.brand), None),
                    source=source,
                    rating=sum(v * w for v, w in zip(scaled, weights, strict=True)) / sum(weights),
                    count=sum(c for c in counts if c) or None,
                    observed_at=max(r.seen_at for r in readings),
                )
            )
        return sorted(rows, key=lambda r: (r.brand or "", r.source))

    def alert_handle_times(
        self, brands: Sequence[str], *, since: datetime | None, until: datetime | None
    ) -> list[float]:
        """Seconds from alert to handled (the inbox's ``handled`` state, its ``closed_at``)
        for the alerts of ``brands`` created in the period and handled since."""
        stmt = (
            select(col(m.Alert.created_at), alert_states.c.closed_at)
            .join(alert_states, alert_states.c.alert_id == col(m.Alert.id))
            .where(
                alert_states.c.state == "handled",
                alert_states.c.closed_at.is_not(None),
                col(m.Alert.brand).in_(list(brands)),
            )
        )
        if since is not None:
            stmt = stmt.where(col(m.Alert.created_at) >= since)
        if until is not None:
            stmt = stmt.where(col(m.Alert.created_at) < until)
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
        out = []
        for created, handled in rows:
            seconds = (_aware(handled) - _aware(created)).total_seconds()
            if seconds >= 0:
                out.append(seconds)
        return out


def _aware(value: Any) -> datetime:
    """Stored naive UTC (or an ISO string from a reflected SQLite column) → aware UTC."""
    from datetime import UTC

    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _five_star(reading: Aggregate) -> float:
    """A reading's average on a 1-5 scale (pages may rate out of 10 or 100)."""
    best = reading.best_rating or 5.0
    worst = reading.worst_rating if reading.worst_rating is not None else 1.0
    if (best == 5.0 and worst == 1.0) or best <= worst:
        return reading.rating_value
    return 1.0 + 4.0 * (reading.rating_value - worst) / (best - worst)
