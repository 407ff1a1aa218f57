"""Inbox queries beside the lifecycle: learning from dismissals, alert-raising helpers
and spike data. :class:`storage.inbox.InboxStore` combines them with the lifecycle; each
class also works alone on an engine."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import models as m
from storage.alerts import duplicate_counts
from storage.inbox_models import brand_negative_examples, spike_reports
from storage.labels import effective_label_sql
from storage.models import utcnow

__all__ = ["LearningQueries", "NegativeExample", "SpikeQueries", "SpikeRow"]


@dataclass(frozen=True, slots=True)
class NegativeExample:
    """A mention a person said is not about ``brand``."""

    mention_id: int
    brand: str
    actor: str
    created_at: datetime
    alert_id: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class SpikeRow:
    """One analyzed mention as the spike detector needs it."""

    mention_id: int
    brand: str
    source: str
    at: datetime
    label: str | None
    text: str


def _loads(raw: str | None, default: Any) -> Any:
    return json.loads(raw) if raw else default


def _aware(value: Any) -> datetime:
    """A timestamp from an expression SQLAlchemy could not type (coalesce, max): naive
    UTC or an ISO string on SQLite, aware on PostgreSQL → aware UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EngineStore:
    """Holds the engine; builds dialect-aware ``INSERT`` statements (ON CONFLICT)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _insert(self, table: Any) -> Any:
        if self.engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)


class LearningQueries(EngineStore):
    """Negative brand examples ("not our brand") and the alert-raising helpers."""

    def add_negative_example(
        self,
        mention_id: int,
        brand: str,
        *,
        actor: str,
        alert_id: int | None = None,
        note: str | None = None,
        now: datetime | None = None,
    ) -> None:
        """Record that ``mention_id`` is not about ``brand`` (idempotent: the latest wins)."""
        values = {
            "alert_id": alert_id,
            "actor": actor,
            "note": note,
            "created_at": now or utcnow(),
        }
        stmt = self._insert(brand_negative_examples).values(
            mention_id=mention_id, brand=brand, **values
        )
        with self.engine.begin() as conn:
            conn.execute(
                stmt.on_conflict_do_update(index_elements=["mention_id", "brand"], set_=values)
            )

    def negative_examples(self, brand: str | None = None) -> list[NegativeExample]:
        """Mentions people said are not about a brand, oldest first."""
        t = brand_negative_examples
        stmt = select(t).order_by(t.c.created_at, t.c.mention_id)
        if brand is not None:
            stmt = stmt.where(t.c.brand == brand)
        with self.engine.connect() as conn:
            return [
                NegativeExample(r.mention_id, r.brand, r.actor, r.created_at, r.alert_id, r.note)
                for r in conn.execute(stmt).all()
            ]

    def low_rated_candidates(
        self, *, brands: Sequence[str], since: datetime, max_rating: float
    ) -> list[int]:
        """Ids of analyzed mentions of ``brands`` rated at most ``max_rating`` stars,
        published (else collected) after ``since``, with no alert, whose story (same content
        hash or near-duplicate story) has not been alerted: reviews the rating rule may
        turn negative whatever their text label."""
        alerted_hashes = (
            select(col(m.Mention.content_hash))
            .join(m.Alert, col(m.Alert.mention_id) == col(m.Mention.id))
            .scalar_subquery()
        )
        story = func.coalesce(col(m.Mention.story_id), col(m.Mention.id))
        alerted_stories = (
            select(story)
            .join(m.Alert, col(m.Alert.mention_id) == col(m.Mention.id))
            .scalar_subquery()
        )
        stmt = (
            select(col(m.Mention.id))
            .join(m.MentionBrand, col(m.MentionBrand.mention_id) == col(m.Mention.id))
            .join(m.Brand, col(m.Brand.id) == col(m.MentionBrand.brand_id))
            .join(m.Analysis, col(m.Analysis.mention_id) == col(m.Mention.id))
            .outerjoin(m.Alert, col(m.Alert.mention_id) == col(m.Mention.id))
            .where(
                col(m.Brand.name).in_(list(brands)),
                col(m.Mention.rating).is_not(None),
                col(m.Mention.rating) <= max_rating,
                col(m.Alert.id).is_(None),
                col(m.Mention.content_hash).not_in(alerted_hashes),
                story.not_in(alerted_stories),
                func.coalesce(col(m.Mention.published_at), col(m.Mention.collected_at)) >= since,
            )
            .distinct()
        )
        with self.engine.connect() as conn:
            return [int(i or 0) for i in conn.execute(stmt).scalars()]

    def story_copies(self, mention_ids: Sequence[int], *, since: datetime) -> dict[int, int]:
        """For each mention: how many *other* mentions of its story (same content hash or
        near-duplicate story) were published (else collected) at or after ``since``."""
        with Session(self.engine) as session:
            return duplicate_counts(session, mention_ids, since=since)

    def source_kinds(self) -> dict[str, str]:
        """Each registered source's stored type (``feed``, ``reddit``, ``crawl:amazon`` …)."""
        with self.engine.connect() as conn:
            return dict(conn.execute(select(col(m.Source.name), col(m.Source.kind))).all())


class SpikeQueries(EngineStore):
    """What spike detection reads (mentions per brand and source) and what it reports."""

    def spike_rows(
        self, *, since: datetime, until: datetime, text_since: datetime | None = None
    ) -> list[SpikeRow]:
        """Every (mention, brand) published (else collected) in ``[since, until)`` with its
        effective label for the brand (correction, brand's own label, mention's label).
        Texts are read only for mentions from ``text_since`` on (empty before it)."""
        when = func.coalesce(col(m.Mention.published_at), col(m.Mention.collected_at))
        effective = effective_label_sql(
            correction=col(m.LabelOverride.label),
            brand_label=col(m.MentionBrand.label),
            model_label=col(m.Analysis.label),
        )
        text = case((when >= (text_since or since), col(m.Mention.text)), else_="")
        stmt = (
            select(
                col(m.Mention.id), col(m.Brand.name), col(m.Mention.source), when, effective, text
            )
            .join(m.MentionBrand, col(m.MentionBrand.mention_id) == col(m.Mention.id))
            .join(m.Brand, col(m.Brand.id) == col(m.MentionBrand.brand_id))
            .outerjoin(m.Analysis, col(m.Analysis.mention_id) == col(m.Mention.id))
            .outerjoin(m.LabelOverride, col(m.LabelOverride.mention_id) == col(m.Mention.id))
            .where(when >= since, when < until)
            .order_by(col(m.Mention.id))
        )
        with self.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            SpikeRow(int(mid), brand, source, _aware(at), label, body or "")
            for mid, brand, source, at, label, body in rows
        ]

    def last_spike_reports(self, *, since: datetime) -> dict[tuple[str, str, str], datetime]:
        """``(brand, source, kind) → latest detection`` for spikes reported after ``since``."""
        t = spike_reports
        stmt = (
            select(t.c.brand, t.c.source, t.c.kind, func.max(t.c.detected_at))
            .where(t.c.detected_at >= since)
            .group_by(t.c.brand, t.c.source, t.c.kind)
        )
        with self.engine.connect() as conn:
            return {
                (brand, source, kind): _aware(at)
                for brand, source, kind, at in conn.execute(stmt).all()
            }

    def record_spike(
        self,
        *,
        brand: str,
        source: str,
        kind: str,
        detected_at: datetime,
        summary: str,
        details: Mapping[str, Any],
    ) -> None:
        """Store a reported spike (starts its cooldown)."""
        with self.engine.begin() as conn:
            conn.execute(
                spike_reports.insert().values(
                    brand=brand,
                    source=source,
                    kind=kind,
                    detected_at=detected_at,
                    summary=summary,
                    details=json.dumps(dict(details), default=str, ensure_ascii=False),
                )
            )

    def spike_reports(self, *, since: datetime) -> list[dict[str, Any]]:
        """Spikes reported at or after ``since``, newest first, as plain dicts."""
        t = spike_reports
        stmt = select(t).where(t.c.detected_at >= since).order_by(t.c.detected_at.desc(), t.c.id)
        with self.engine.connect() as conn:
            return [
                {
                    "brand": r.brand,
                    "source": r.source,
                    "kind": r.kind,
                    "detected_at": r.detected_at,
                    "summary": r.summary,
                    "details": _loads(r.details, {}),
                }
                for r in conn.execute(stmt).all()
            ]
