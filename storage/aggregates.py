"""Overall ratings (schema.org ``AggregateRating``) of products and businesses, one row
per item, source and day, for the competitor report's rating grid.

A review page that carries only the aggregate ("4.3 out of 5, 1,287 ratings") and no
individual reviews still says how customers rate the product; the spider hands it over
as an :class:`Aggregate` and :func:`save_aggregates` keeps the day's latest reading.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import models as m

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Aggregate:
    """One reading of an item's overall rating.

    Attributes:
        source: configured source name.
        url: the page it was read from.
        rating_value: the average rating, on the page's scale (``best_rating``, 5 if absent).
        item_name: the product or business name (``itemReviewed``/the enclosing item).
        brand: the brand the source is configured for, if any.
        best_rating / worst_rating: the scale's ends as the page gives them.
        rating_count / review_count: how many ratings / written reviews it averages.
        seen_at: when it was read (timezone-aware UTC).
    """

    source: str
    url: str
    rating_value: float
    seen_at: datetime
    item_name: str = ""
    brand: str | None = None
    best_rating: float | None = None
    worst_rating: float | None = None
    rating_count: int | None = None
    review_count: int | None = None

    @property
    def seen_on(self) -> date:
        return self.seen_at.date()


def _insert(engine: Engine) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into ``rating_aggregates`` with ``on_conflict_do_update`` for the
    engine's dialect."""
    if engine.dialect.name == "postgresql":
        return postgresql.insert(m.RatingAggregate)
    return sqlite.insert(m.RatingAggregate)


def save_aggregates(engine: Engine, aggregates: Sequence[Aggregate]) -> int:
    """Store readings; a second reading of the same item (source, URL, name) on the same
    UTC day replaces the first. Returns how many rows were written."""
    if not aggregates:
        return 0
    rows = [
        {
            "source": a.source,
            "brand": a.brand,
            "item_name": a.item_name,
            "url": a.url,
            "rating_value": a.rating_value,
            "best_rating": a.best_rating,
            "worst_rating": a.worst_rating,
            "rating_count": a.rating_count,
            "review_count": a.review_count,
            "seen_on": a.seen_on,
            "seen_at": a.seen_at,
        }
        for a in aggregates
    ]
    keys = ["source", "url", "item_name", "seen_on"]
    with Session(engine) as session, session.begin():
        for row in rows:
            stmt = _insert(engine).values(row)
            stmt = stmt.on_conflict_do_update(
                index_elements=keys,
                set_={k: v for k, v in row.items() if k not in keys},
            )
            session.execute(stmt)
    return len(rows)


def latest_aggregates(
    engine: Engine, brand: str | None = None, since: date | datetime | None = None
) -> list[Aggregate]:
    """The newest reading of every item (by source, URL and name), optionally only for
    ``brand`` and only readings from ``since`` on; ordered by brand, then item name."""
    agg = m.RatingAggregate
    source, url, item_name, seen_on = (
        col(agg.source),
        col(agg.url),
        col(agg.item_name),
        col(agg.seen_on),
    )
    newest = select(source, url, item_name, func.max(seen_on).label("seen_on")).group_by(
        source, url, item_name
    )
    if brand is not None:
        newest = newest.where(col(agg.brand) == brand)
    if since is not None:
        day = since.date() if isinstance(since, datetime) else since
        newest = newest.where(seen_on >= day)
    sub = newest.subquery()
    query = (
        select(agg)
        .join(
            sub,
            and_(
                source == sub.c.source,
                url == sub.c.url,
                item_name == sub.c.item_name,
                seen_on == sub.c.seen_on,
            ),
        )
        .order_by(col(agg.brand), item_name, url)
    )
    with Session(engine) as session:
        return [
            Aggregate(
                source=row.source,
                url=row.url,
                rating_value=row.rating_value,
                seen_at=row.seen_at,
                item_name=row.item_name,
                brand=row.brand,
                best_rating=row.best_rating,
                worst_rating=row.worst_rating,
                rating_count=row.rating_count,
                review_count=row.review_count,
            )
            for row in session.scalars(query)
        ]
