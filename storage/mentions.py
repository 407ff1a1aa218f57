"""Mentions: saving (deduplicated upserts with brand links), reading, and story ids."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, SQLColumnExpression, and_, bindparam, func, select, update
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from domain.records import Mention
from domain.text import content_hash
from storage import models as m
from storage.base import Store, brands_of, chunks
from storage.labels import effective_label_sql, effective_score_sql
from storage.models import utcnow
from storage.pg_bulk import copy_links, copy_mentions
from storage.records import PendingText, SaveResult, StoredMention
from storage.sources import mark_success


def _mention_row(mention: Mention, now: datetime) -> dict[str, Any]:
    """The ``mentions`` row of a collected mention; ``now`` is its collection time."""
    if mention.source == "" or mention.external_id == "":
        raise ValueError(f"mention without source or external_id: {mention!r}")
    return {
        "source": mention.source,
        "external_id": mention.external_id,
        "url": mention.url,
        "author": mention.author,
        "title": mention.title,
        "text": mention.text,
        "published_at": mention.published_at,
        "collected_at": now,
        "rating": mention.rating,
        "engagement": mention.engagement,
        "comment_count": mention.comment_count,
        "author_followers": mention.author_followers,
        "source_language": mention.language,
        "content_hash": content_hash(mention.title, mention.text),
        "extra": json.dumps(dict(mention.extra), default=str) if mention.extra else None,
    }


class MentionStore(Store):
    """Collected mentions: save them once, read them joined with brands and analysis."""

    def save_mentions(
        self,
        source: str,
        mentions: Sequence[Mention],
        *,
        cursor: dict[str, Any] | None = None,
        item_count: int | None = None,
    ) -> SaveResult:
        """Store mentions, advance the cursor and mark the run a success, in one transaction.

        Mentions already stored (same source and external id) are skipped, so a re-run
        never duplicates; their brand links are still completed. ``item_count`` is what
        the source returned this run (defaults to ``len(mentions)``).
        """
        now = utcnow()
        inserted = 0
        insert_mention = self._insert(m.Mention).on_conflict_do_nothing(
            index_elements=["source", "external_id"]
        )
        insert_link = self._insert(m.MentionBrand).on_conflict_do_nothing()
        postgres = self.engine.dialect.name == "postgresql"
        with Session(self.engine) as session, session.begin():
            brand_ids = self._brand_id_map(session)
            connection = session.connection()
            for chunk in chunks(mentions):
                # One prepared INSERT ... ON CONFLICT DO NOTHING run for the whole chunk
                # (executemany), not a multi-row statement compiled afresh per chunk.
                rows = list({
                    (row["source"], row["external_id"]): row
                    for row in reversed([_mention_row(mention, now) for mention in chunk])
                }.values())  # fmt: skip
                rows.reverse()  # the first of a repeated external id wins, as in SQL
                external_ids = [r["external_id"] for r in rows]
                if postgres:  # COPY, one INSERT ... SELECT and the ids: see pg_bulk
                    added, ids = copy_mentions(connection, rows)
                    inserted += added
                else:  # sqlite3 sums the executemany's row counts
                    inserted += connection.execute(insert_mention, rows).rowcount
                    ids = self._ids_of(connection, source, external_ids)
                links = list(
                    dict.fromkeys(
                        (ids[mention.external_id], brand_ids[brand])
                        for mention in chunk
                        for brand in mention.brands
                        if brand in brand_ids and mention.external_id in ids
                    )
                )
                if links and postgres:
                    copy_links(connection, links)
                elif links:
                    connection.execute(
                        insert_link, [{"mention_id": mid, "brand_id": bid} for mid, bid in links]
                    )
            mark_success(
                session, source, len(mentions) if item_count is None else item_count, cursor, now
            )
        return SaveResult(inserted=inserted, duplicates=len(mentions) - inserted)

    @staticmethod
    def _ids_of(connection: Connection, source: str, external_ids: Sequence[str]) -> dict[str, int]:
        """``external id → mention id`` of those of ``external_ids`` stored for ``source``
        (a Core query on the session's connection: no ORM overhead)."""
        rows = connection.execute(
            select(col(m.Mention.external_id), col(m.Mention.id)).where(
                col(m.Mention.source) == source, col(m.Mention.external_id).in_(external_ids)
            )
        ).all()
        return {ext: int(mid) for ext, mid in rows if mid is not None}

    def known_external_ids(self, source: str, external_ids: Sequence[str]) -> set[str]:
        """Which of ``external_ids`` are already stored for ``source``."""
        known: set[str] = set()
        with Session(self.engine) as session:
            for chunk in chunks(list(external_ids)):
                known.update(
                    session.execute(
                        select(col(m.Mention.external_id)).where(
                            col(m.Mention.source) == source,
                            col(m.Mention.external_id).in_(chunk),
                        )
                    ).scalars()
                )
        return known

    def recent_external_ids(self, source: str, *, limit: int = 2_000) -> list[str]:
        """The external ids of ``source``'s most recently collected mentions (newest first,
        at most ``limit``): what an incremental crawl may stop at."""
        with Session(self.engine) as session:
            return list(
                session.execute(
                    select(col(m.Mention.external_id))
                    .where(col(m.Mention.source) == source)
                    .order_by(col(m.Mention.id).desc())
                    .limit(limit)
                ).scalars()
            )

    def recent_for_grouping(self, *, since: datetime, limit: int = 5_000) -> list[PendingText]:
        """The newest mentions collected after ``since`` (at most ``limit``), for
        near-duplicate grouping; ``language`` holds nothing here."""
        stmt = (
            select(col(m.Mention.id), col(m.Mention.title), col(m.Mention.text))
            .where(col(m.Mention.collected_at) >= since)
            .order_by(col(m.Mention.id).desc())
            .limit(limit)
        )
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
        return [
            PendingText(int(mid or 0), title, text, None) for mid, title, text in reversed(rows)
        ]

    def set_story_ids(self, stories: dict[int, int]) -> int:
        """Record ``mention id → story id`` (the earliest near-duplicate's id); returns how
        many mentions changed story.

        The stored story ids are read in chunks and only the changed rows are written, with
        one prepared UPDATE for all of them (executemany), in one transaction.
        """
        wanted = {mid: (None if story == mid else story) for mid, story in stories.items()}
        changed: list[dict[str, int | None]] = []
        with self.engine.begin() as connection:
            for chunk in chunks(list(wanted)):
                rows = connection.execute(
                    select(col(m.Mention.id), col(m.Mention.story_id)).where(
                        col(m.Mention.id).in_(chunk)
                    )
                ).all()
                changed += [
                    {"mid": mid, "story": wanted[mid]}
                    for mid, story in rows
                    if mid is not None and story != wanted[mid]
                ]
            if changed:
                connection.execute(
                    update(m.Mention)
                    .where(col(m.Mention.id) == bindparam("mid"))
                    .values(story_id=bindparam("story")),
                    changed,
                )
        return len(changed)

    def mentions(
        self,
        *,
        ids: Sequence[int] | None = None,
        since: datetime | None = None,
        brand: str | None = None,
        label: str | None = None,
        overridden: bool | None = None,
        limit: int | None = None,
        order: str = "id",
    ) -> list[StoredMention]:
        """Stored mentions joined with brands and analysis.

        Args:
            ids: only these mention ids.
            since: only mentions published (or, if undated, collected) at or after this.
            brand: only mentions of this brand, *as seen for it*: in a mention naming
                several brands, ``label``, ``score`` and the label filter and ordering are
                the brand's own (see ``StoredMention.for_brand``).
            label: only this effective label (override first, then the brand's own label
                when ``brand`` is given, then the model's).
            overridden: only mentions with (True) or without (False) a human correction.
            limit: at most this many.
            order: ``id`` (default, oldest first), ``score`` (most positive first) or
                ``-score`` (most negative first).
        """
        correction, model_label = col(m.LabelOverride.label), col(m.Analysis.label)
        effective = effective_label_sql(correction=correction, model_label=model_label)
        stmt = (
            select(
                m.Mention,
                col(m.Analysis.language),
                effective.label("effective"),
                col(m.Analysis.score),
                col(m.Analysis.confidence),
                col(m.Analysis.model),
                col(m.Analysis.topic),
                correction,
            )
            .outerjoin(m.Analysis, col(m.Analysis.mention_id) == col(m.Mention.id))
            .outerjoin(m.LabelOverride, col(m.LabelOverride.mention_id) == col(m.Mention.id))
        )
        if ids is not None:
            stmt = stmt.where(col(m.Mention.id).in_(ids))
        if since is not None:
            stmt = stmt.where(
                func.coalesce(col(m.Mention.published_at), col(m.Mention.collected_at)) >= since
            )
        score: SQLColumnExpression[float | None] = col(m.Analysis.score)
        if brand is not None:
            view = aliased(m.MentionBrand, name="brand_view")
            brand_id = select(col(m.Brand.id)).where(col(m.Brand.name) == brand).scalar_subquery()
            stmt = stmt.join(
                view,
                and_(col(view.mention_id) == col(m.Mention.id), col(view.brand_id) == brand_id),
            )
            effective = effective_label_sql(
                correction=correction, brand_label=col(view.label), model_label=model_label
            )
            score = effective_score_sql(
                corrected=col(m.LabelOverride.mention_id).is_not(None),
                brand_score=col(view.score),
                model_score=col(m.Analysis.score),
            )
        if label is not None:
            stmt = stmt.where(effective == label)
        if overridden is not None:
            column = col(m.LabelOverride.mention_id)
            stmt = stmt.where(column.is_not(None) if overridden else column.is_(None))
        if order == "score":
            stmt = stmt.order_by(score.desc(), col(m.Mention.id))
        elif order == "-score":
            stmt = stmt.order_by(score.asc(), col(m.Mention.id))
        else:
            stmt = stmt.order_by(col(m.Mention.id))
        if limit is not None:
            stmt = stmt.limit(limit)
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
            brands = brands_of(session, [int(row[0].id or 0) for row in rows])
        found = [
            StoredMention(
                id=int(mn.id or 0),
                source=mn.source,
                external_id=mn.external_id,
                url=mn.url,
                author=mn.author,
                title=mn.title,
                text=mn.text,
                published_at=mn.published_at,
                collected_at=mn.collected_at,
                brands=tuple(name for name, _ in brands.get(int(mn.id or 0), ())),
                rating=mn.rating,
                engagement=mn.engagement,
                comment_count=mn.comment_count,
                author_followers=mn.author_followers,
                content_hash=mn.content_hash,
                language=lang or mn.source_language,
                label=eff,
                score=score_,
                confidence=conf,
                model=("human" if override else model),
                topic=topic,
                overridden=override is not None,
                story_id=mn.story_id,
                brand_sentiments=tuple(
                    b for _, b in brands.get(int(mn.id or 0), ()) if b is not None
                ),
            )
            for mn, lang, eff, score_, conf, model, topic, override in rows
        ]
        # With ``brand`` the label and score are the brand's own (the effective label, a
        # correction included, is already in ``label``).
        return [s.for_brand(brand) for s in found] if brand is not None else found
