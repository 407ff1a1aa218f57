"""Analyses: what is pending, storing model results (per brand too), topics, corrections."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import models as m
from storage.base import Store, brands_of, chunks
from storage.models import utcnow
from storage.records import AnalysisInput, PendingText

#: Columns an analysis overwrites when a mention is analyzed again.
_REANALYZED = (
    "label",
    "score",
    "confidence",
    "language",
    "language_confidence",
    "model",
    "topic",
    "analyzed_at",
)


class AnalysisStore(Store):
    """Model results per mention and per brand, topics, and human corrections."""

    def _pending_condition(self) -> Any:
        """Mentions with no analysis yet, or linked to two or more brands that lack
        per-brand results (a WHERE clause over ``mentions`` outer-joined to analyses)."""
        link_mention = col(m.MentionBrand.mention_id)
        missing_targets = (
            select(link_mention)
            .group_by(link_mention)
            .having(and_(func.count() >= 2, func.count(col(m.MentionBrand.method)) < func.count()))
        )
        return or_(
            col(m.Analysis.mention_id).is_(None),
            col(m.Mention.id).in_(missing_targets),
        )

    def pending_analysis(self, *, limit: int = 1_000) -> list[PendingText]:
        """Mentions to analyze, oldest first, at most ``limit``: those with no analysis
        yet, and those linked to two or more brands that lack per-brand results (analyzed
        before per-brand sentiment existed, or linked to another brand since)."""
        return self.pending_texts(self.pending_analysis_ids(limit=limit))

    def pending_analysis_ids(self, *, limit: int | None = None) -> list[int]:
        """Ids of the mentions :meth:`pending_analysis` would return, oldest first, at
        most ``limit`` (None: all of them), in one query: select them once per cycle and
        fetch the texts batch by batch with :meth:`pending_texts`."""
        stmt = (
            select(col(m.Mention.id))
            .outerjoin(m.Analysis, col(m.Analysis.mention_id) == col(m.Mention.id))
            .where(self._pending_condition())
            .order_by(col(m.Mention.id))
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        with Session(self.engine) as session:
            return [int(mid) for mid in session.execute(stmt).scalars() if mid is not None]

    def pending_texts(self, mention_ids: Sequence[int]) -> list[PendingText]:
        """Title, text, declared language, brands and rating of ``mention_ids`` (in id
        order)."""
        rows: list[tuple[int, str, str, str | None, float | None]] = []
        with Session(self.engine) as session:
            for chunk in chunks(sorted(mention_ids)):
                stmt = select(
                    col(m.Mention.id),
                    col(m.Mention.title),
                    col(m.Mention.text),
                    col(m.Mention.source_language),
                    col(m.Mention.rating),
                ).where(col(m.Mention.id).in_(chunk))
                rows += [
                    (int(mid or 0), title, text, language, rating)
                    for mid, title, text, language, rating in session.execute(stmt).all()
                ]
            rows.sort()
            brands = brands_of(session, [row[0] for row in rows])
        return [
            PendingText(
                mid, title, text, language, tuple(n for n, _ in brands.get(mid, ())), rating
            )
            for mid, title, text, language, rating in rows
        ]

    def save_analyses(self, analyses: Sequence[AnalysisInput]) -> None:
        """Insert or replace analyses and their per-brand results, in one transaction.

        Re-analysis overwrites: a mention's previous per-brand results are cleared and
        replaced by ``brands`` (none stored when it is empty). Overrides are kept apart.
        """
        now = utcnow()
        link_mention, link_brand = col(m.MentionBrand.mention_id), col(m.MentionBrand.brand_id)
        upsert = self._insert(m.Analysis)
        upsert = upsert.on_conflict_do_update(
            index_elements=["mention_id"],
            set_={column: upsert.excluded[column] for column in _REANALYZED},
        )
        with Session(self.engine) as session, session.begin():
            brand_ids = self._brand_id_map(session)
            for chunk in chunks(analyses):
                rows = [
                    {
                        "mention_id": a.mention_id,
                        "label": a.label,
                        "score": a.score,
                        "confidence": a.confidence,
                        "language": a.language,
                        "language_confidence": a.language_confidence,
                        "model": a.model,
                        "topic": a.topic,
                        "analyzed_at": now,
                    }
                    for a in chunk
                ]
                # One prepared upsert run for the chunk (executemany).
                session.connection().execute(upsert, rows)
                session.execute(
                    update(m.MentionBrand)
                    .where(link_mention.in_([a.mention_id for a in chunk]))
                    .values(label=None, score=None, method=None)
                )
                targets: list[dict[str, Any]] = [
                    {
                        "mid": a.mention_id,
                        "bid": brand_ids[b.brand],
                        "label": b.label,
                        "score": b.score,
                        "method": b.method,
                    }
                    for a in chunk
                    for b in a.brands
                    if b.brand in brand_ids
                ]
                if targets:
                    # One UPDATE run for many parameter sets (executemany) on the session's
                    # connection: the ORM's bulk update would want primary keys by name.
                    session.connection().execute(
                        update(m.MentionBrand)
                        .where(link_mention == bindparam("mid"), link_brand == bindparam("bid"))
                        .values(
                            label=bindparam("label"),
                            score=bindparam("score"),
                            method=bindparam("method"),
                        ),
                        targets,
                    )

    def set_topics(self, topics: dict[int, str]) -> None:
        """Store a topic label per mention id (mentions without analysis are ignored)."""
        if not topics:
            return
        # One prepared UPDATE, executed for every row (executemany).
        stmt = (
            update(m.Analysis)
            .where(col(m.Analysis.mention_id) == bindparam("mid"))
            .values(topic=bindparam("topic"))
        )
        with self.engine.begin() as connection:
            connection.execute(stmt, [{"mid": k, "topic": v} for k, v in topics.items()])

    def set_override(self, mention_id: int, label: str, *, note: str | None = None) -> None:
        """Record a human label for a mention; it wins over every model from now on.

        Raises:
            KeyError: no mention has id ``mention_id``.
        """
        with Session(self.engine) as session, session.begin():
            exists = session.get(m.Mention, mention_id)
            if exists is None:
                raise KeyError(f"no mention with id {mention_id}")
            values = {"label": label, "note": note, "created_at": utcnow()}
            stmt = self._insert(m.LabelOverride).values(mention_id=mention_id, **values)
            session.execute(stmt.on_conflict_do_update(index_elements=["mention_id"], set_=values))

    def clear_override(self, mention_id: int) -> bool:
        """Remove a human label; returns whether there was one."""
        with Session(self.engine) as session, session.begin():
            row = session.get(m.LabelOverride, mention_id)
            if row is None:
                return False
            session.delete(row)
            return True
