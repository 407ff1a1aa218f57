"""Read queries on the delivery outbox (counts, listings, budget and debounce look-ups)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlmodel import SQLModel

from storage.outbox_schema import (
    IMMEDIATE,
    SENT,
    OutboxItem,
    RecentAlert,
    outbox_table,
    row_item,
)

_t = outbox_table.c


class OutboxReads:
    """The read side of :class:`storage.outbox.Outbox`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"

    def subjects(self, target: str, subjects: Sequence[str]) -> set[str]:
        """Which of ``subjects`` already have a row for ``target``."""
        found: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(subjects), 500):
                chunk = list(subjects[start : start + 500])
                stmt = select(_t.subject).where(_t.target == target, _t.subject.in_(chunk))
                found.update(conn.execute(stmt).scalars())
        return found

    def has_rows(self, target: str | None = None) -> bool:
        """Whether any row exists (for ``target``, or at all)."""
        stmt = select(_t.id).limit(1)
        if target is not None:
            stmt = stmt.where(_t.target == target)
        with self.engine.connect() as conn:
            return conn.execute(stmt).first() is not None

    def recent_alerts(self, *, since: datetime) -> list[RecentAlert]:
        """Alerts created at or after ``since``, most urgent first."""
        alerts = SQLModel.metadata.tables["alerts"]
        stmt = (
            select(
                alerts.c.id,
                alerts.c.mention_id,
                alerts.c.brand,
                alerts.c.urgency,
                alerts.c.created_at,
            )
            .where(alerts.c.created_at >= since)
            .order_by(alerts.c.urgency.desc(), alerts.c.id)
        )
        with self.engine.connect() as conn:
            return [RecentAlert(*row) for row in conn.execute(stmt).all()]

    def alerts_by_id(self, alert_ids: Sequence[int]) -> list[RecentAlert]:
        """The alerts with these ids (any age)."""
        alerts = SQLModel.metadata.tables["alerts"]
        found: list[RecentAlert] = []
        with self.engine.connect() as conn:
            for start in range(0, len(alert_ids), 500):
                chunk = list(alert_ids[start : start + 500])
                stmt = select(
                    alerts.c.id,
                    alerts.c.mention_id,
                    alerts.c.brand,
                    alerts.c.urgency,
                    alerts.c.created_at,
                ).where(alerts.c.id.in_(chunk))
                found.extend(RecentAlert(*row) for row in conn.execute(stmt).all())
        return found

    def legacy_sent(self, legacy_target: str, alert_ids: Sequence[int]) -> set[int]:
        """Alerts the pre-outbox ``deliveries`` table records as sent to ``legacy_target``
        (so an upgrade does not send them again)."""
        deliveries = SQLModel.metadata.tables["deliveries"]
        found: set[int] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(alert_ids), 500):
                chunk = list(alert_ids[start : start + 500])
                stmt = select(deliveries.c.alert_id).where(
                    deliveries.c.target == legacy_target,
                    deliveries.c.status == "sent",
                    deliveries.c.alert_id.in_(chunk),
                )
                found.update(int(a) for a in conn.execute(stmt).scalars())
        return found

    def sent_since(self, *, target: str, route: str, since: datetime) -> int:
        """Immediate messages ``route`` sent to ``target`` since ``since``."""
        stmt = (
            select(func.count())
            .select_from(outbox_table)
            .where(
                _t.target == target,
                _t.route == route,
                _t.mode == IMMEDIATE,
                _t.state == SENT,
                _t.sent_at >= since,
            )
        )
        with self.engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def last_sent_for_brand(self, *, target: str, route: str, brand: str) -> datetime | None:
        """When ``route`` last sent ``target`` an immediate message about ``brand``."""
        alerts = SQLModel.metadata.tables["alerts"]
        stmt = (
            select(func.max(_t.sent_at))
            .join(alerts, alerts.c.id == _t.alert_id)
            .where(
                _t.target == target,
                _t.route == route,
                _t.mode == IMMEDIATE,
                _t.state == SENT,
                alerts.c.brand == brand,
            )
        )
        with self.engine.connect() as conn:
            value = conn.execute(stmt).scalar_one_or_none()
        if value is not None and value.tzinfo is None:  # func.max loses the type decorator
            value = value.replace(tzinfo=UTC)
        return value

    def last_sent(self, target: str) -> datetime | None:
        """When ``target`` last received anything."""
        stmt = select(func.max(_t.sent_at)).where(_t.target == target, _t.state == SENT)
        with self.engine.connect() as conn:
            value = conn.execute(stmt).scalar_one_or_none()
        if isinstance(value, str):  # SQLite returns max() of a datetime column as text
            value = datetime.fromisoformat(value)
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value

    def items(self, *, states: Sequence[str] | None = None, limit: int = 200) -> list[OutboxItem]:
        """Rows in ``states`` (all when None), newest first."""
        stmt = select(outbox_table).order_by(_t.id.desc()).limit(limit)
        if states:
            stmt = stmt.where(_t.state.in_(list(states)))
        with self.engine.connect() as conn:
            return [row_item(r) for r in conn.execute(stmt).all()]

    def counts(self) -> dict[str, int]:
        """Rows per state."""
        stmt = select(_t.state, func.count()).group_by(_t.state)
        with self.engine.connect() as conn:
            return {str(s): int(n) for s, n in conn.execute(stmt).all()}
