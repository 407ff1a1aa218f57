"""Housekeeping queries: sources removed from the config, retention, delivery counts.

Functions take the SQLAlchemy :class:`~sqlalchemy.Engine` (``Repository.engine``).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session, col, select

from storage import models as m

#: ``disabled_reason`` of a source that is no longer in the config: hidden from digests
#: and shown as "removed" by ``brandpulse sources``.
REMOVED_REASON = "removed from the config"


def mark_removed_sources(engine: Engine, configured: Collection[str]) -> int:
    """Mark every registered source whose name is not in ``configured`` as removed
    (disabled, failure count reset), except ad-hoc crawls (kind ``crawl:*`` not run from
    the config), which have no config entry by nature. Returns how many were marked."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(m.Source)
            .where(
                col(m.Source.name).not_in(list(configured)),
                col(m.Source.kind).not_like("crawl:%"),
                col(m.Source.disabled_reason).is_(None)
                | (col(m.Source.disabled_reason) != REMOVED_REASON),
            )
            .values(enabled=False, disabled_reason=REMOVED_REASON, consecutive_failures=0)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delete_mentions_before(engine: Engine, before: datetime) -> int:
    """Delete mentions collected before ``before`` with their brands, analyses,
    corrections, alerts and delivery records (foreign keys cascade). Returns the count."""
    with Session(engine) as session, session.begin():
        old = select(col(m.Mention.id)).where(col(m.Mention.collected_at) < before)
        # Children first: PostgreSQL cascades by itself, SQLite only with foreign_keys=ON.
        alert_ids = select(col(m.Alert.id)).where(col(m.Alert.mention_id).in_(old))
        session.execute(delete(m.Delivery).where(col(m.Delivery.alert_id).in_(alert_ids)))
        session.execute(delete(m.Alert).where(col(m.Alert.mention_id).in_(old)))
        for child in (m.MentionBrand, m.Analysis, m.LabelOverride):
            session.execute(delete(child).where(col(child.mention_id).in_(old)))
        result = session.execute(delete(m.Mention).where(col(m.Mention.id).in_(old)))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


def delivery_counts(engine: Engine) -> dict[str, int]:
    """Delivery records per status (``sent``, ``failed``, ...) plus ``undelivered``:
    alerts with no delivery record at all yet."""
    with Session(engine) as session:
        counts = {
            str(status): int(n)
            for status, n in session.execute(
                select(col(m.Delivery.status), func.count()).group_by(col(m.Delivery.status))
            ).all()
        }
        delivered = select(col(m.Delivery.alert_id))
        counts["undelivered"] = int(
            session.execute(
                select(func.count()).select_from(m.Alert).where(col(m.Alert.id).not_in(delivered))
            ).scalar_one()
        )
    return counts


def mention_counts(engine: Engine) -> dict[str, int]:
    """Stored mentions per source."""
    with Session(engine) as session:
        return {
            str(source): int(n)
            for source, n in session.execute(
                select(col(m.Mention.source), func.count()).group_by(col(m.Mention.source))
            ).all()
        }
