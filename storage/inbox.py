"""Queries of the alert inbox: lifecycle state, event history, learning, spikes.

:class:`InboxStore` takes the SQLAlchemy ``Engine`` (``Repository.engine``). Every state
change is one short transaction that updates the state *only if it is still in the
expected state* and appends an event, so two people acting on one alert at once cannot
both win, and the history never misses an action. ``alert_events`` is append-only: no
function here updates or deletes an event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select, update
from sqlmodel import col

from domain.errors import StorageError
from storage import models as m
from storage.inbox_models import alert_events, alert_states
from storage.inbox_queries import LearningQueries, NegativeExample, SpikeQueries, SpikeRow
from storage.models import utcnow

logger = logging.getLogger(__name__)

__all__ = [
    "ACTIVE_STATES",
    "STATES",
    "AlertEvent",
    "AlertState",
    "InboxStore",
    "NegativeExample",
    "NewAlertInfo",
    "SpikeRow",
    "StateConflict",
]

#: Every lifecycle state. ``watch`` is "worth a look": not an immediate alert.
STATES = ("open", "assigned", "snoozed", "handled", "dismissed", "watch")
#: States that still need someone (the SLA clock runs for these).
ACTIVE_STATES = ("open", "assigned")
_CHUNK = 500


class StateConflict(StorageError):
    """The alert is missing, or not in a state that allows the action (the message says)."""


@dataclass(frozen=True, slots=True)
class NewAlertInfo:
    """What the alert-raising step knows about a new alert, stored with its state.

    Attributes:
        mention_id: the alerted mention (alerts are unique per mention).
        state: ``open`` (act now) or ``watch`` (worth a look).
        label: the label after the rating rule.
        confidence: the model's confidence in [0, 1], None for human labels.
        mismatch: stars and text disagree.
        watch_reason: why it is only worth a look (low confidence, rating mismatch).
        reasons: why it ranks where it does, one short phrase each.
        components: the urgency factors by name (see ``digest.urgency``).
        sla_due_at: when it must be handled (UTC), None for no clock.
    """

    mention_id: int
    state: str = "open"
    label: str | None = None
    confidence: float | None = None
    mismatch: bool = False
    watch_reason: str | None = None
    reasons: tuple[str, ...] = ()
    components: Mapping[str, float] = field(default_factory=dict)
    sla_due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AlertState:
    """An alert joined with its lifecycle state (the inbox row before the mention)."""

    alert_id: int
    mention_id: int
    brand: str
    urgency: float
    created_at: datetime
    state: str
    assignee: str | None = None
    snoozed_until: datetime | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    note: str | None = None
    dismiss_reason: str | None = None
    label: str | None = None
    confidence: float | None = None
    mismatch: bool = False
    watch_reason: str | None = None
    reasons: tuple[str, ...] = ()
    components: Mapping[str, float] = field(default_factory=dict)
    sla_due_at: datetime | None = None
    escalated_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        """Still waiting for someone (open or assigned) after its SLA due time."""
        return (
            self.state in ACTIVE_STATES and self.sla_due_at is not None and now >= self.sla_due_at
        )


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One entry of an alert's history."""

    alert_id: int
    at: datetime
    actor: str
    action: str
    details: Mapping[str, Any]


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _loads(raw: str | None, default: Any) -> Any:
    return json.loads(raw) if raw else default


class InboxStore(LearningQueries, SpikeQueries):
    """Inbox data access for one database (thread-safe as far as the engine is): the
    lifecycle here, learning and spike queries from :mod:`storage.inbox_queries`."""

    # -- creating states --------------------------------------------------------------------
    def attach(self, infos: Sequence[NewAlertInfo], *, now: datetime | None = None) -> int:
        """Store the state of newly raised alerts (looked up by mention id) and a ``raised``
        event each. Alerts that already have a state are left alone. Returns how many."""
        if not infos:
            return 0
        now = now or utcnow()
        by_mention = {i.mention_id: i for i in infos}
        added = 0
        with self.engine.begin() as conn:
            for chunk in _chunks(list(by_mention)):
                rows = conn.execute(
                    select(col(m.Alert.id), col(m.Alert.mention_id))
                    .outerjoin(alert_states, alert_states.c.alert_id == col(m.Alert.id))
                    .where(col(m.Alert.mention_id).in_(chunk), alert_states.c.alert_id.is_(None))
                ).all()
                for alert_id, mention_id in rows:
                    info = by_mention[mention_id]
                    conn.execute(
                        alert_states.insert().values(
                            alert_id=alert_id,
                            state=info.state,
                            label=info.label,
                            confidence=info.confidence,
                            mismatch=info.mismatch,
                            watch_reason=info.watch_reason,
                            reasons=json.dumps(list(info.reasons), ensure_ascii=False),
                            components=json.dumps(dict(info.components)),
                            sla_due_at=info.sla_due_at,
                            updated_at=now,
                        )
                    )
                    details: dict[str, Any] = {"state": info.state}
                    if info.watch_reason:
                        details["why"] = info.watch_reason
                    self._event(conn, int(alert_id or 0), now, "brandpulse", "raised", details)
                    added += 1
        return added

    def ensure_states(self, sla_hours: Mapping[str, float | None], *, now: datetime) -> int:
        """Give every alert without a state (raised before the inbox existed, or by another
        code path) an ``open`` state, with an SLA clock of ``sla_hours[brand]`` hours from
        its creation (no clock for brands missing or None). Returns how many."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(col(m.Alert.id), col(m.Alert.brand), col(m.Alert.created_at))
                .outerjoin(alert_states, alert_states.c.alert_id == col(m.Alert.id))
                .where(alert_states.c.alert_id.is_(None))
            ).all()
            for alert_id, brand, created_at in rows:
                hours = sla_hours.get(brand)
                conn.execute(
                    alert_states.insert().values(
                        alert_id=alert_id,
                        state="open",
                        mismatch=False,
                        sla_due_at=None if hours is None else created_at + timedelta(hours=hours),
                        updated_at=now,
                    )
                )
                self._event(
                    conn, int(alert_id or 0), now, "brandpulse", "raised", {"state": "open"}
                )
        return len(rows)

    # -- reading ----------------------------------------------------------------------------
    def _select(self) -> Any:
        return select(
            col(m.Alert.id),
            col(m.Alert.mention_id),
            col(m.Alert.brand),
            col(m.Alert.urgency),
            col(m.Alert.created_at),
            alert_states,
        ).join(alert_states, alert_states.c.alert_id == col(m.Alert.id))

    @staticmethod
    def _row(row: Any) -> AlertState:
        data = row._mapping
        return AlertState(
            alert_id=int(data["id"]),
            mention_id=int(data["mention_id"]),
            brand=data["brand"],
            urgency=float(data["urgency"]),
            created_at=data["created_at"],
            state=data["state"],
            assignee=data["assignee"],
            snoozed_until=data["snoozed_until"],
            closed_at=data["closed_at"],
            closed_by=data["closed_by"],
            note=data["note"],
            dismiss_reason=data["dismiss_reason"],
            label=data["label"],
            confidence=data["confidence"],
            mismatch=bool(data["mismatch"]),
            watch_reason=data["watch_reason"],
            reasons=tuple(_loads(data["reasons"], [])),
            components=_loads(data["components"], {}),
            sla_due_at=data["sla_due_at"],
            escalated_at=data["escalated_at"],
        )

    def states(
        self,
        *,
        states: Collection[str] | None = None,
        brand: str | None = None,
        alert_ids: Collection[int] | None = None,
    ) -> list[AlertState]:
        """Alerts with their state, most urgent first (then oldest), filtered by state,
        brand and ids when given."""
        stmt = self._select()
        if states is not None:
            stmt = stmt.where(alert_states.c.state.in_(list(states)))
        if brand is not None:
            stmt = stmt.where(col(m.Alert.brand) == brand)
        if alert_ids is not None:
            stmt = stmt.where(col(m.Alert.id).in_(list(alert_ids)))
        stmt = stmt.order_by(col(m.Alert.urgency).desc(), col(m.Alert.id))
        with self.engine.connect() as conn:
            return [self._row(r) for r in conn.execute(stmt).all()]

    def get(self, alert_id: int) -> AlertState | None:
        """One alert's state, None when the alert does not exist (or has no state yet)."""
        found = self.states(alert_ids=[alert_id])
        return found[0] if found else None

    def events(self, alert_id: int | None = None) -> list[AlertEvent]:
        """The history of one alert (or of all), oldest first."""
        stmt = select(alert_events).order_by(alert_events.c.id)
        if alert_id is not None:
            stmt = stmt.where(alert_events.c.alert_id == alert_id)
        with self.engine.connect() as conn:
            return [
                AlertEvent(r.alert_id, r.at, r.actor, r.action, _loads(r.details, {}))
                for r in conn.execute(stmt).all()
            ]

    # -- changing states ----------------------------------------------------------------------
    @staticmethod
    def _event(
        conn: Any, alert_id: int, at: datetime, actor: str, action: str, details: Mapping[str, Any]
    ) -> None:
        conn.execute(
            alert_events.insert().values(
                alert_id=alert_id,
                at=at,
                actor=actor,
                action=action,
                details=json.dumps(dict(details), default=str, ensure_ascii=False)
                if details
                else None,
            )
        )

    def transition(
        self,
        alert_id: int,
        *,
        allowed_from: Collection[str],
        values: Mapping[str, Any],
        actor: str,
        action: str,
        details: Mapping[str, Any] | None = None,
        now: datetime | None = None,
    ) -> AlertState:
        """Change an alert's state columns to ``values`` if its state is in
        ``allowed_from``, and append the event, in one transaction.

        Raises:
            StateConflict: no such alert, or its state does not allow the action.
        """
        now = now or utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(alert_states)
                .where(
                    alert_states.c.alert_id == alert_id,
                    alert_states.c.state.in_(list(allowed_from)),
                )
                .values(**values, updated_at=now)
            )
            if not result.rowcount:
                current = conn.execute(
                    select(alert_states.c.state).where(alert_states.c.alert_id == alert_id)
                ).scalar_one_or_none()
                if current is None:
                    raise StateConflict(
                        f"no alert with id {alert_id} (list them with `brandpulse inbox "
                        "--state all`)"
                    )
                raise StateConflict(
                    f"alert {alert_id} is {current}: cannot {action} it (allowed when "
                    f"{', '.join(sorted(allowed_from))})"
                )
            self._event(conn, alert_id, now, actor, action, details or {})
        state = self.get(alert_id)
        assert state is not None
        return state

    def wake_snoozed(self, now: datetime) -> list[int]:
        """Snoozed alerts whose time has come go back to ``assigned`` (when someone has
        them) or ``open``; returns their ids (a ``woke`` event each)."""
        with self.engine.begin() as conn:
            ids = [
                int(i)
                for i in conn.execute(
                    select(alert_states.c.alert_id).where(
                        alert_states.c.state == "snoozed", alert_states.c.snoozed_until <= now
                    )
                ).scalars()
            ]
            if not ids:
                return []
            conn.execute(
                update(alert_states)
                .where(alert_states.c.alert_id.in_(ids), alert_states.c.state == "snoozed")
                .values(
                    state=case((alert_states.c.assignee.is_not(None), "assigned"), else_="open"),
                    snoozed_until=None,
                    updated_at=now,
                )
            )
            for alert_id in ids:
                self._event(conn, alert_id, now, "brandpulse", "woke", {})
        return ids

    # -- SLA escalation (for the delivery step) ----------------------------------------------
    def overdue_unescalated(self, now: datetime) -> list[AlertState]:
        """Open or assigned alerts past their SLA due time that were not escalated yet,
        most overdue first. The delivery step re-notifies them once on an escalation
        route and then calls :meth:`mark_escalated`."""
        stmt = (
            self._select()
            .where(
                alert_states.c.state.in_(ACTIVE_STATES),
                alert_states.c.sla_due_at.is_not(None),
                alert_states.c.sla_due_at <= now,
                alert_states.c.escalated_at.is_(None),
            )
            .order_by(alert_states.c.sla_due_at, col(m.Alert.id))
        )
        with self.engine.connect() as conn:
            return [self._row(r) for r in conn.execute(stmt).all()]

    def mark_escalated(self, alert_id: int, *, now: datetime | None = None) -> bool:
        """Record that an overdue alert was re-notified (once); returns False when it was
        already escalated or does not exist."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(alert_states)
                .where(alert_states.c.alert_id == alert_id, alert_states.c.escalated_at.is_(None))
                .values(escalated_at=now, updated_at=now)
            )
            if not result.rowcount:
                return False
            self._event(conn, alert_id, now, "brandpulse", "escalated", {})
        return True
