"""Every SQL statement the product runs. Short transactions; upserts via ON CONFLICT."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, bindparam, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage import models as m
from storage.models import utcnow
from storage.records import (
    AlertItem,
    BrandCounts,
    BrandSentiment,
    Mention,
    SaveResult,
    SourceHealth,
    StoredMention,
    content_hash,
)

logger = logging.getLogger(__name__)

_CHUNK = 500
MAX_ERROR_CHARS = 2_000


@dataclass(frozen=True, slots=True)
class AnalysisInput:
    """One analysis to store for a mention (see ``sentiment.Sentiment`` for the fields).

    ``brands`` holds the per-brand results of a mention linked to several brands (see
    :class:`~storage.records.BrandSentiment`); leave it empty for single-brand mentions.
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
    """A mention waiting for analysis, with the names of the brands it is linked to."""

    mention_id: int
    title: str
    text: str
    language: str | None
    brands: tuple[str, ...] = ()


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Repository:
    """Data access for one database. Thread-safe as long as the engine is."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._brand_ids: dict[str, int] = {}

    # -- dialect helpers ---------------------------------------------------------------
    def _insert(self, table: Any) -> Any:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    # -- brands and sources --------------------------------------------------------------
    def sync_brands(self, brands: Iterable[tuple[str, bool]]) -> None:
        """Create or update brands as ``(name, is_own)`` pairs."""
        with Session(self.engine) as session, session.begin():
            for name, is_own in brands:
                stmt = self._insert(m.Brand).values(name=name, is_own=is_own)
                stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"is_own": is_own})
                session.execute(stmt)
        self._brand_ids.clear()

    def _brand_id_map(self, session: Session) -> dict[str, int]:
        if not self._brand_ids:
            rows = session.execute(select(m.Brand.name, m.Brand.id)).all()
            self._brand_ids = {name: bid for name, bid in rows}
        return self._brand_ids

    def sync_source(
        self,
        name: str,
        kind: str,
        *,
        expected_interval_s: int | None = None,
        enabled: bool | None = True,
        disabled_reason: str | None = None,
    ) -> None:
        """Register a configured source (idempotent); keeps its cursor and health.

        ``enabled=None`` keeps the stored state (a new source starts enabled): use it when
        the config allows the source but only a run can tell whether it is usable.
        """
        values: dict[str, Any] = {"kind": kind, "expected_interval_s": expected_interval_s}
        if enabled is not None:
            values.update(enabled=enabled, disabled_reason=disabled_reason)
        with Session(self.engine) as session, session.begin():
            stmt = self._insert(m.Source).values(
                name=name,
                consecutive_failures=0,
                **{"enabled": True, "disabled_reason": None, **values},
            )
            session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))

    def get_cursor(self, source: str) -> dict[str, Any] | None:
        """The cursor stored by the source's last successful run, or None."""
        with Session(self.engine) as session:
            raw = session.execute(
                select(m.Source.cursor).where(m.Source.name == source)
            ).scalar_one_or_none()
        return json.loads(raw) if raw else None

    # -- collect ---------------------------------------------------------------------------
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
        with Session(self.engine) as session, session.begin():
            brand_ids = self._brand_id_map(session)
            for chunk in _chunks(mentions):
                rows = [self._mention_row(mention, now) for mention in chunk]
                stmt = self._insert(m.Mention).values(rows)
                stmt = stmt.on_conflict_do_nothing(index_elements=["source", "external_id"])
                inserted += len(session.execute(stmt.returning(m.Mention.id)).all())
                ids: dict[str, int] = dict(
                    session.execute(
                        select(m.Mention.external_id, m.Mention.id).where(
                            m.Mention.source == source,
                            m.Mention.external_id.in_([r["external_id"] for r in rows]),
                        )
                    ).all()
                )
                links = [
                    {"mention_id": ids[mention.external_id], "brand_id": brand_ids[brand]}
                    for mention in chunk
                    for brand in dict.fromkeys(mention.brands)
                    if brand in brand_ids
                ]
                if links:
                    session.execute(
                        self._insert(m.MentionBrand).values(links).on_conflict_do_nothing()
                    )
            self._mark_success(
                session, source, len(mentions) if item_count is None else item_count, cursor, now
            )
        return SaveResult(inserted=inserted, duplicates=len(mentions) - inserted)

    @staticmethod
    def _mention_row(mention: Mention, now: datetime) -> dict[str, Any]:
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

    def _mark_success(
        self,
        session: Session,
        source: str,
        item_count: int,
        cursor: dict[str, Any] | None,
        now: datetime,
    ) -> None:
        values: dict[str, Any] = {
            "last_run_at": now,
            "last_success_at": now,
            "last_item_count": item_count,
            "consecutive_failures": 0,
        }
        if cursor is not None:
            values["cursor"] = json.dumps(cursor, sort_keys=True, default=str)
        session.execute(update(m.Source).where(m.Source.name == source).values(**values))

    def record_failure(self, source: str, error: str) -> int:
        """Record a failed run; returns the number of consecutive failures so far."""
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(m.Source)
                .where(m.Source.name == source)
                .values(
                    last_run_at=now,
                    last_error=error[:MAX_ERROR_CHARS],
                    last_error_at=now,
                    consecutive_failures=m.Source.consecutive_failures + 1,
                )
            )
            failures = session.execute(
                select(m.Source.consecutive_failures).where(m.Source.name == source)
            ).scalar_one_or_none()
        return int(failures or 0)

    def known_external_ids(self, source: str, external_ids: Sequence[str]) -> set[str]:
        """Which of ``external_ids`` are already stored for ``source``."""
        known: set[str] = set()
        with Session(self.engine) as session:
            for chunk in _chunks(list(external_ids)):
                known.update(
                    session.execute(
                        select(m.Mention.external_id).where(
                            m.Mention.source == source,
                            m.Mention.external_id.in_(chunk),
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
                    select(m.Mention.external_id)
                    .where(m.Mention.source == source)
                    .order_by(m.Mention.id.desc())
                    .limit(limit)
                ).scalars()
            )

    def source_health(self) -> list[SourceHealth]:
        """Every registered source with its health and stored mention count, by name."""
        with Session(self.engine) as session:
            counts: dict[str, int] = dict(
                session.execute(
                    select(m.Mention.source, func.count()).group_by(m.Mention.source)
                ).all()
            )
            sources = session.execute(select(m.Source).order_by(m.Source.name)).scalars().all()
            return [
                SourceHealth(
                    name=s.name,
                    kind=s.kind,
                    enabled=s.enabled,
                    disabled_reason=s.disabled_reason,
                    last_run_at=s.last_run_at,
                    last_success_at=s.last_success_at,
                    last_item_count=s.last_item_count,
                    last_error=s.last_error,
                    last_error_at=s.last_error_at,
                    consecutive_failures=s.consecutive_failures,
                    expected_interval_s=s.expected_interval_s,
                    cursor=json.loads(s.cursor) if s.cursor else None,
                    total_mentions=int(counts.get(s.name, 0)),
                )
                for s in sources
            ]

    # -- analyze ---------------------------------------------------------------------------
    def pending_analysis(self, *, limit: int = 1_000) -> list[PendingText]:
        """Mentions to analyze, oldest first, at most ``limit``: those with no analysis
        yet, and those linked to two or more brands that lack per-brand results (analyzed
        before per-brand sentiment existed, or linked to another brand since)."""
        missing_targets = (
            select(m.MentionBrand.mention_id)
            .group_by(m.MentionBrand.mention_id)
            .having(and_(func.count() >= 2, func.count(m.MentionBrand.method) < func.count()))
        )
        stmt = (
            select(m.Mention.id, m.Mention.title, m.Mention.text, m.Mention.source_language)
            .outerjoin(m.Analysis, m.Analysis.mention_id == m.Mention.id)
            .where(or_(m.Analysis.mention_id.is_(None), m.Mention.id.in_(missing_targets)))
            .order_by(m.Mention.id)
            .limit(limit)
        )
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
            brands = self._brands_of(session, [row[0] for row in rows])
        return [
            PendingText(mid, title, text, language, tuple(n for n, _ in brands.get(mid, ())))
            for mid, title, text, language in rows
        ]

    def save_analyses(self, analyses: Sequence[AnalysisInput]) -> None:
        """Insert or replace analyses and their per-brand results, in one transaction.

        Re-analysis overwrites: a mention's previous per-brand results are cleared and
        replaced by ``brands`` (none stored when it is empty). Overrides are kept apart.
        """
        now = utcnow()
        links = m.MentionBrand.__table__
        with Session(self.engine) as session, session.begin():
            brand_ids = self._brand_id_map(session)
            for chunk in _chunks(analyses):
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
                stmt = self._insert(m.Analysis).values(rows)
                excluded = stmt.excluded
                stmt = stmt.on_conflict_do_update(
                    index_elements=["mention_id"],
                    set_={
                        col: excluded[col]
                        for col in (
                            "label",
                            "score",
                            "confidence",
                            "language",
                            "language_confidence",
                            "model",
                            "topic",
                            "analyzed_at",
                        )
                    },
                )
                session.execute(stmt)
                session.execute(
                    update(links)
                    .where(links.c.mention_id.in_([a.mention_id for a in chunk]))
                    .values(label=None, score=None, method=None)
                )
                targets = [
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
                    session.execute(
                        update(links)
                        .where(
                            links.c.mention_id == bindparam("mid"),
                            links.c.brand_id == bindparam("bid"),
                        )
                        .values(
                            label=bindparam("label"),
                            score=bindparam("score"),
                            method=bindparam("method"),
                        ),
                        targets,
                    )

    def set_topics(self, topics: dict[int, str]) -> None:
        """Store a topic label per mention id (mentions without analysis are ignored)."""
        with Session(self.engine) as session, session.begin():
            for mention_id, topic in topics.items():
                session.execute(
                    update(m.Analysis)
                    .where(m.Analysis.mention_id == mention_id)
                    .values(topic=topic)
                )

    def set_override(self, mention_id: int, label: str, *, note: str | None = None) -> None:
        """Record a human label for a mention; it wins over every model from now on."""
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

    # -- alerts and deliveries -----------------------------------------------------------------
    def alert_candidates(
        self, *, brands: Sequence[str], labels: Sequence[str], since: datetime
    ) -> list[StoredMention]:
        """Mentions of ``brands`` whose effective label *for one of those brands* is in
        ``labels`` (human correction, else the brand's own label in a multi-brand mention,
        else the mention's label), collected or published after ``since``, that have no
        alert yet and whose story (same content hash, or same near-duplicate story id) has
        not been alerted either. Use ``StoredMention.label_for``/``for_brand`` to tell
        which brand qualified."""
        alerted_hashes = (
            select(m.Mention.content_hash)
            .join(m.Alert, m.Alert.mention_id == m.Mention.id)
            .scalar_subquery()
        )
        story = func.coalesce(m.Mention.story_id, m.Mention.id)
        alerted_stories = (
            select(story).join(m.Alert, m.Alert.mention_id == m.Mention.id).scalar_subquery()
        )
        # Per brand: a human correction, else the brand's own label, else the mention's.
        effective = func.coalesce(m.LabelOverride.label, m.MentionBrand.label, m.Analysis.label)
        stmt = (
            select(m.Mention.id)
            .join(m.MentionBrand, m.MentionBrand.mention_id == m.Mention.id)
            .join(m.Brand, m.Brand.id == m.MentionBrand.brand_id)
            .join(m.Analysis, m.Analysis.mention_id == m.Mention.id)
            .outerjoin(m.LabelOverride, m.LabelOverride.mention_id == m.Mention.id)
            .outerjoin(m.Alert, m.Alert.mention_id == m.Mention.id)
            .where(
                m.Brand.name.in_(brands),
                effective.in_(labels),
                m.Alert.id.is_(None),
                m.Mention.content_hash.not_in(alerted_hashes),
                story.not_in(alerted_stories),
                func.coalesce(m.Mention.published_at, m.Mention.collected_at) >= since,
            )
            .distinct()
        )
        with Session(self.engine) as session:
            ids = list(session.execute(stmt).scalars())
        return self.mentions(ids=ids) if ids else []

    def insert_alerts(self, alerts: Sequence[tuple[int, str, float]]) -> int:
        """Insert ``(mention_id, brand, urgency)`` alerts; existing ones are kept. Returns new."""
        if not alerts:
            return 0
        now = utcnow()
        rows = [
            {"mention_id": mid, "brand": brand, "urgency": urgency, "created_at": now}
            for mid, brand, urgency in alerts
        ]
        with Session(self.engine) as session, session.begin():
            stmt = self._insert(m.Alert).values(rows).on_conflict_do_nothing()
            return len(session.execute(stmt.returning(m.Alert.id)).all())

    def pending_alerts(self, target: str, *, since: datetime) -> list[AlertItem]:
        """Alerts created after ``since`` not yet delivered to ``target``, most urgent first."""
        sent = (
            select(m.Delivery.alert_id)
            .where(m.Delivery.target == target, m.Delivery.status == "sent")
            .scalar_subquery()
        )
        stmt = (
            select(m.Alert)
            .where(m.Alert.created_at >= since, m.Alert.id.not_in(sent))
            .order_by(m.Alert.urgency.desc(), m.Alert.id)
        )
        with Session(self.engine) as session:
            alerts = session.execute(stmt).scalars().all()
            dup_counts = self._duplicate_counts(session, [a.mention_id for a in alerts])
        by_id = {s.id: s for s in self.mentions(ids=[a.mention_id for a in alerts])}
        return [
            AlertItem(
                alert_id=int(a.id or 0),
                brand=a.brand,
                urgency=a.urgency,
                created_at=a.created_at,
                mention=by_id[a.mention_id].for_brand(a.brand),
                duplicates=dup_counts.get(a.mention_id, 0),
            )
            for a in alerts
            if a.mention_id in by_id
        ]

    def _duplicate_counts(self, session: Session, mention_ids: Sequence[int]) -> dict[int, int]:
        """Other stored mentions of each mention's story: same content hash or same
        near-duplicate story (cross-posts, syndication, retweets)."""
        if not mention_ids:
            return {}
        other = m.Mention.__table__.alias("other")
        own_story = func.coalesce(m.Mention.story_id, m.Mention.id)
        other_story = func.coalesce(other.c.story_id, other.c.id)
        stmt = (
            select(m.Mention.id, func.count(other.c.id))
            .join(
                other,
                and_(
                    other.c.id != m.Mention.id,
                    or_(other.c.content_hash == m.Mention.content_hash, other_story == own_story),
                ),
            )
            .where(m.Mention.id.in_(mention_ids))
            .group_by(m.Mention.id)
        )
        return {int(mid): int(n) for mid, n in session.execute(stmt).all()}

    def recent_for_grouping(self, *, since: datetime, limit: int = 5_000) -> list[PendingText]:
        """The newest mentions collected after ``since`` (at most ``limit``), for
        near-duplicate grouping; ``language`` holds nothing here."""
        stmt = (
            select(m.Mention.id, m.Mention.title, m.Mention.text)
            .where(m.Mention.collected_at >= since)
            .order_by(m.Mention.id.desc())
            .limit(limit)
        )
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
        return [PendingText(mid, title, text, None) for mid, title, text in reversed(rows)]

    def set_story_ids(self, stories: dict[int, int]) -> int:
        """Record ``mention id → story id`` (the earliest near-duplicate's id); returns how
        many mentions changed story."""
        changed = 0
        with Session(self.engine) as session, session.begin():
            for mention_id, story_id in stories.items():
                value = None if story_id == mention_id else story_id
                result = session.execute(
                    update(m.Mention)
                    .where(m.Mention.id == mention_id, m.Mention.story_id.is_distinct_from(value))
                    .values(story_id=value)
                )
                changed += result.rowcount or 0
        return changed

    def record_deliveries(
        self, alert_ids: Sequence[int], target: str, *, ok: bool, error: str | None = None
    ) -> None:
        """Mark alerts sent to ``target``, or failed (to be retried, attempts counted)."""
        now = utcnow()
        status = "sent" if ok else "failed"
        with Session(self.engine) as session, session.begin():
            for alert_id in alert_ids:
                stmt = self._insert(m.Delivery).values(
                    alert_id=alert_id,
                    target=target,
                    status=status,
                    attempts=1,
                    last_error=None if ok else (error or "")[:MAX_ERROR_CHARS],
                    updated_at=now,
                )
                stmt = stmt.on_conflict_do_update(
                    index_elements=["alert_id", "target"],
                    set_={
                        "status": status,
                        "attempts": m.Delivery.attempts + 1,
                        "last_error": stmt.excluded.last_error,
                        "updated_at": now,
                    },
                )
                session.execute(stmt)

    def delivery_counts(self) -> dict[str, int]:
        """Number of deliveries per status (``sent``, ``failed``)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(m.Delivery.status, func.count()).group_by(m.Delivery.status)
            ).all()
        return {status: int(n) for status, n in rows}

    def alert_count(self) -> int:
        with Session(self.engine) as session:
            return int(session.execute(select(func.count()).select_from(m.Alert)).scalar_one())

    # -- read ------------------------------------------------------------------------------
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
        effective = func.coalesce(m.LabelOverride.label, m.Analysis.label).label("effective")
        stmt = (
            select(
                m.Mention,
                m.Analysis.language,
                effective,
                m.Analysis.score,
                m.Analysis.confidence,
                m.Analysis.model,
                m.Analysis.topic,
                m.LabelOverride.label,
            )
            .outerjoin(m.Analysis, m.Analysis.mention_id == m.Mention.id)
            .outerjoin(m.LabelOverride, m.LabelOverride.mention_id == m.Mention.id)
        )
        if ids is not None:
            stmt = stmt.where(m.Mention.id.in_(ids))
        if since is not None:
            stmt = stmt.where(
                func.coalesce(m.Mention.published_at, m.Mention.collected_at) >= since
            )
        score: Any = m.Analysis.score
        if brand is not None:
            view = m.MentionBrand.__table__.alias("brand_view")
            brand_id = select(m.Brand.id).where(m.Brand.name == brand).scalar_subquery()
            stmt = stmt.join(
                view, and_(view.c.mention_id == m.Mention.id, view.c.brand_id == brand_id)
            )
            effective = func.coalesce(  # type: ignore[assignment]
                m.LabelOverride.label, view.c.label, m.Analysis.label
            )
            score = case(
                (m.LabelOverride.mention_id.is_not(None), m.Analysis.score),
                else_=func.coalesce(view.c.score, m.Analysis.score),
            )
        if label is not None:
            stmt = stmt.where(effective == label)
        if overridden is not None:
            column = m.LabelOverride.mention_id
            stmt = stmt.where(column.is_not(None) if overridden else column.is_(None))
        if order == "score":
            stmt = stmt.order_by(score.desc(), m.Mention.id)
        elif order == "-score":
            stmt = stmt.order_by(score.asc(), m.Mention.id)
        else:
            stmt = stmt.order_by(m.Mention.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        with Session(self.engine) as session:
            rows = session.execute(stmt).all()
            brands = self._brands_of(session, [row[0].id for row in rows])
        found = [
            StoredMention(
                id=int(mn.id),
                source=mn.source,
                external_id=mn.external_id,
                url=mn.url,
                author=mn.author,
                title=mn.title,
                text=mn.text,
                published_at=mn.published_at,
                collected_at=mn.collected_at,
                brands=tuple(name for name, _ in brands.get(int(mn.id), ())),
                rating=mn.rating,
                engagement=mn.engagement,
                comment_count=mn.comment_count,
                author_followers=mn.author_followers,
                content_hash=mn.content_hash,
                language=lang or mn.source_language,
                label=eff,
                score=score,
                confidence=conf,
                model=("human" if override else model),
                topic=topic,
                overridden=override is not None,
                story_id=mn.story_id,
                brand_sentiments=tuple(b for _, b in brands.get(int(mn.id), ()) if b is not None),
            )
            for mn, lang, eff, score, conf, model, topic, override in rows
        ]
        # With ``brand`` the label and score are the brand's own (the effective label, a
        # correction included, is already in ``label``).
        return [s.for_brand(brand) for s in found] if brand is not None else found

    def _brands_of(
        self, session: Session, mention_ids: Sequence[int]
    ) -> dict[int, list[tuple[str, BrandSentiment | None]]]:
        """Each mention's brands (own brands first, then by name) with their stored
        per-brand result, None where there is none."""
        out: dict[int, list[tuple[str, BrandSentiment | None]]] = {}
        for chunk in _chunks(list(mention_ids)):
            rows = session.execute(
                select(
                    m.MentionBrand.mention_id,
                    m.Brand.name,
                    m.MentionBrand.method,
                    m.MentionBrand.label,
                    m.MentionBrand.score,
                )
                .join(m.Brand, m.Brand.id == m.MentionBrand.brand_id)
                .where(m.MentionBrand.mention_id.in_(chunk))
                .order_by(m.Brand.is_own.desc(), m.Brand.name)
            ).all()
            for mid, name, method, label, score in rows:
                result = BrandSentiment(name, method, label, score) if method else None
                out.setdefault(int(mid), []).append((name, result))
        return out

    def brand_counts(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[BrandCounts]:
        """Mentions per brand by effective label; own brand first, then by name.

        Only mentions published (else collected) at or after ``since`` and before ``until``
        count, when given; every brand is listed, with zeros when it has none.

        The effective label of a mention for a brand is the human correction if any, else
        the brand's own label (multi-brand mentions: "X is better than Y" counts positive
        for X and negative for Y), else the mention's label.
        """
        effective = func.coalesce(m.LabelOverride.label, m.MentionBrand.label, m.Analysis.label)
        stmt = (
            select(m.Brand.name, m.Brand.is_own, effective, func.count(m.Mention.id))
            .select_from(m.Brand)
            .outerjoin(m.MentionBrand, m.MentionBrand.brand_id == m.Brand.id)
            .outerjoin(m.Mention, m.Mention.id == m.MentionBrand.mention_id)
            .outerjoin(m.Analysis, m.Analysis.mention_id == m.Mention.id)
            .outerjoin(m.LabelOverride, m.LabelOverride.mention_id == m.Mention.id)
            .group_by(m.Brand.name, m.Brand.is_own, effective)
        )
        when = func.coalesce(m.Mention.published_at, m.Mention.collected_at)
        if since is not None:
            stmt = stmt.where(or_(m.Mention.id.is_(None), when >= since))
        if until is not None:
            stmt = stmt.where(or_(m.Mention.id.is_(None), when < until))
        table: dict[str, dict[str, Any]] = {}
        with Session(self.engine) as session:
            present: dict[str, bool] = dict(
                session.execute(select(m.Brand.name, m.Brand.is_own)).all()
            )
            for name, is_own, label, count in session.execute(stmt).all():
                entry = table.setdefault(name, {"is_own": is_own, "counts": {}})
                entry["counts"][label] = int(count)
        result = []
        for name, is_own in present.items():
            counts = table.get(name, {"counts": {}})["counts"]
            analyzed = {k: counts.get(k, 0) for k in ("positive", "neutral", "negative")}
            unanalyzed = counts.get(None, 0)
            total = sum(analyzed.values()) + unanalyzed
            result.append(BrandCounts(name, bool(is_own), total, unanalyzed=unanalyzed, **analyzed))
        result.sort(key=lambda c: (not c.is_own, c.brand.casefold()))
        return result
