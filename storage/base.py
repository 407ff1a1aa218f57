"""What every per-concern store shares: the engine, dialect-aware upserts and brand ids.

:class:`Store` is the base of the stores that make up :class:`storage.repo.Repository`
(mentions, analyses, alerts, sources, reports); each store also works alone on an engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col

from storage import models as m
from storage.records import BrandSentiment

#: Rows per statement in bulk inserts and ``IN (...)`` lists.
CHUNK = 500
#: Longest error message stored for a source run or a delivery, in characters.
MAX_ERROR_CHARS = 2_000

_T = TypeVar("_T")

#: An ``INSERT`` that supports ``ON CONFLICT`` (PostgreSQL or SQLite).
UpsertInsert = postgresql.Insert | sqlite.Insert


def chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    """``items`` in consecutive slices of at most ``size`` (default 500)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """Data access for one database. Thread-safe as long as the engine is.

    Attributes:
        engine: the SQLAlchemy engine every query runs on (public: new queries in other
            storage modules take it).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._brand_ids: dict[str, int] = {}

    def _insert(self, model: type[SQLModel]) -> UpsertInsert:
        """An ``INSERT`` into ``model``'s table in this engine's dialect (for ON CONFLICT)."""
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(model)
        return sqlite.insert(model)

    def sync_brands(self, brands: Iterable[tuple[str, bool]]) -> None:
        """Create or update brands as ``(name, is_own)`` pairs."""
        with Session(self.engine) as session, session.begin():
            for name, is_own in brands:
                stmt = self._insert(m.Brand).values(name=name, is_own=is_own)
                session.execute(
                    stmt.on_conflict_do_update(index_elements=["name"], set_={"is_own": is_own})
                )
        self._brand_ids.clear()

    def _brand_id_map(self, session: Session) -> dict[str, int]:
        """Brand name → id, cached until the next :meth:`sync_brands`."""
        if not self._brand_ids:
            rows = session.execute(select(col(m.Brand.name), col(m.Brand.id))).all()
            self._brand_ids = {name: bid for name, bid in rows if bid is not None}
        return self._brand_ids


def brands_of(
    session: Session, mention_ids: Sequence[int]
) -> dict[int, list[tuple[str, BrandSentiment | None]]]:
    """Each mention's brands (own brands first, then by name) with their stored
    per-brand result, None where there is none."""
    out: dict[int, list[tuple[str, BrandSentiment | None]]] = {}
    for chunk in chunks(list(mention_ids)):
        rows = session.execute(
            select(
                col(m.MentionBrand.mention_id),
                col(m.Brand.name),
                col(m.MentionBrand.method),
                col(m.MentionBrand.label),
                col(m.MentionBrand.score),
            )
            .join(m.Brand, col(m.Brand.id) == col(m.MentionBrand.brand_id))
            .where(col(m.MentionBrand.mention_id).in_(chunk))
            .order_by(col(m.Brand.is_own).desc(), col(m.Brand.name))
        ).all()
        for mid, name, method, label, score in rows:
            result = BrandSentiment(name, method, label, score) if method else None
            out.setdefault(int(mid), []).append((name, result))
    return out
