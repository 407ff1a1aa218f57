"""Alerts and their deliveries: candidates, one alert per story, the delivery ledger."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import models as m
from storage.base import MAX_ERROR_CHARS, chunks
from storage.labels import effective_label_sql
from storage.mentions import MentionStore
from storage.models import utcnow
from storage.records import AlertItem, StoredMention


def duplicate_counts(
    session: Session, mention_ids: Sequence[int], *, since: datetime | None = None
) -> dict[int, int]:
    """Other stored mentions of each mention's story: same content hash or same
    near-duplicate story (cross-posts, syndication, retweets); with ``since``, only the
    others published (else collected) at or after it.

    Three indexed look-ups per chunk of ids (the mentions themselves, those sharing a
    content hash, those sharing a story) instead of a self-join with ``OR``, which no
    index serves; the counts are the same. Mentions with no other copy are left out.
    """
    if not mention_ids:
        return {}
    mid_col, hash_col, story_col = (
        col(m.Mention.id),
        col(m.Mention.content_hash),
        col(m.Mention.story_id),
    )
    own: dict[int, tuple[str, int]] = {}
    for chunk in chunks(sorted(set(mention_ids))):
        for mid, digest, story in session.execute(
            select(mid_col, hash_col, story_col).where(mid_col.in_(chunk))
        ).all():
            own[int(mid or 0)] = (digest, int(story) if story is not None else int(mid or 0))
    by_hash: dict[str, set[int]] = {}
    by_story: dict[int, set[int]] = {}
    when = func.coalesce(col(m.Mention.published_at), col(m.Mention.collected_at))
    recent = when >= since if since is not None else true()
    hashes = sorted({digest for digest, _ in own.values()})
    stories = sorted({story for _, story in own.values()})
    for hash_chunk in chunks(hashes):
        for mid, digest in session.execute(
            select(mid_col, hash_col).where(hash_col.in_(hash_chunk), recent)
        ).all():
            by_hash.setdefault(digest, set()).add(int(mid or 0))
    for story_chunk in chunks(stories):
        # A mention's story is its story_id, or its own id when it has none.
        for mid, story in session.execute(
            select(mid_col, func.coalesce(story_col, mid_col)).where(
                or_(
                    story_col.in_(story_chunk),
                    and_(mid_col.in_(story_chunk), story_col.is_(None)),
                ),
                recent,
            )
        ).all():
            by_story.setdefault(int(story), set()).add(int(mid or 0))
    counts: dict[int, int] = {}
    for mid, (digest, story) in own.items():
        others = (by_hash.get(digest, set()) | by_story.get(story, set())) - {mid}
        if others:
            counts[mid] = len(others)
    return counts


class AlertStore(MentionStore):
    """Which mentions deserve an alert, the alerts raised, and their deliveries."""

    def alert_candidates(
        self, *, brands: Sequence[str], labels: Sequence[str], since: datetime
    ) -> list[StoredMention]:
        """Mentions of ``brands`` whose effective label *for one of those brands* is in
        ``labels`` (human correction, else the brand's own label in a multi-brand mention,
        else the mention's label), collected or published after ``since``, that have no
        alert yet and whose story (same content hash, or same near-duplicate story id) has
        not been alerted either. Use ``StoredMention.label_for``/``for_brand`` to tell
        which brand qualified."""
        mention_id = col(m.Mention.id)
        alerted_hashes = (
            select(col(m.Mention.content_hash))
            .join(m.Alert, col(m.Alert.mention_id) == mention_id)
            .scalar_subquery()
        )
        story = func.coalesce(col(m.Mention.story_id), mention_id)
        alerted_stories = (
            select(story).join(m.Alert, col(m.Alert.mention_id) == mention_id).scalar_subquery()
        )
        effective = effective_label_sql(
            correction=col(m.LabelOverride.label),
            brand_label=col(m.MentionBrand.label),
            model_label=col(m.Analysis.label),
        )
        stmt = (
            select(mention_id)
            .join(m.MentionBrand, col(m.MentionBrand.mention_id) == mention_id)
            .join(m.Brand, col(m.Brand.id) == col(m.MentionBrand.brand_id))
            .join(m.Analysis, col(m.Analysis.mention_id) == mention_id)
            .outerjoin(m.LabelOverride, col(m.LabelOverride.mention_id) == mention_id)
            .outerjoin(m.Alert, col(m.Alert.mention_id) == mention_id)
            .where(
                col(m.Brand.name).in_(brands),
                effective.in_(labels),
                col(m.Alert.id).is_(None),
                col(m.Mention.content_hash).not_in(alerted_hashes),
                story.not_in(alerted_stories),
                func.coalesce(col(m.Mention.published_at), col(m.Mention.collected_at)) >= since,
            )
            .distinct()
        )
        with Session(self.engine) as session:
            ids = [mid for mid in session.execute(stmt).scalars() if mid is not None]
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
            return len(session.execute(stmt.returning(col(m.Alert.id))).all())

    def pending_alerts(self, target: str, *, since: datetime) -> list[AlertItem]:
        """Alerts created after ``since`` not yet delivered to ``target``, most urgent first."""
        sent = (
            select(col(m.Delivery.alert_id))
            .where(col(m.Delivery.target) == target, col(m.Delivery.status) == "sent")
            .scalar_subquery()
        )
        stmt = (
            select(m.Alert)
            .where(col(m.Alert.created_at) >= since, col(m.Alert.id).not_in(sent))
            .order_by(col(m.Alert.urgency).desc(), col(m.Alert.id))
        )
        with Session(self.engine) as session:
            alerts = session.execute(stmt).scalars().all()
            dup_counts = duplicate_counts(session, [a.mention_id for a in alerts])
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

    def record_deliveries(
        self, alert_ids: Sequence[int], target: str, *, ok: bool, error: str | None = None
    ) -> None:
        """Mark alerts sent to ``target``, or failed (to be retried, attempts counted).

        ``error`` is stored cut to ``MAX_ERROR_CHARS`` (2,000) characters.
        """
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
                session.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["alert_id", "target"],
                        set_={
                            "status": status,
                            "attempts": col(m.Delivery.attempts) + 1,
                            "last_error": stmt.excluded.last_error,
                            "updated_at": now,
                        },
                    )
                )

    def delivery_counts(self) -> dict[str, int]:
        """Number of deliveries per status (``sent``, ``failed``)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(col(m.Delivery.status), func.count()).group_by(col(m.Delivery.status))
            ).all()
            return {status: int(n) for status, n in rows}

    def alert_count(self) -> int:
        """Number of alerts ever raised."""
        with Session(self.engine) as session:
            return int(session.execute(select(func.count()).select_from(m.Alert)).scalar_one())
