"""Delivery rules without I/O of their own: retry backoff, quiet hours, route filters,
how a recipient's digest rows form messages, the status line, the alert-inbox interface."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from brandpulse.config_delivery import RouteConfig
from digest.replies import mention_kind
from storage import Repository, StoredMention
from storage.outbox import (
    CLAIMED,
    FAILED,
    PENDING,
    SENT,
    UNKNOWN,
    NewDelivery,
    Outbox,
    OutboxItem,
    RecentAlert,
    idempotency_key,
)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """One message sent (or not) in this run, for the cycle summary."""

    target: str
    status: str  # sent | failed | unknown | dry_run
    what: str  # "alert #12", "digest of 3 alert(s)", "heartbeat", ...
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in ("sent", "dry_run")


def retry_delay_s(attempts: int, *, initial_s: float, max_s: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: 0 after the first (due on
    the next tick or cycle), then exponential with jitter (tenacity's
    ``wait_exponential_jitter``: ``initial_s`` doubling, plus up to ``initial_s / 2`` of
    jitter, at most ``max_s``)."""
    if attempts <= 1 or initial_s <= 0:
        return 0.0
    import tenacity

    wait = tenacity.wait_exponential_jitter(multiplier=initial_s, max=max_s, jitter=initial_s / 2)
    state = tenacity.RetryCallState(tenacity.Retrying(), None, (), {})
    state.attempt_number = attempts - 1
    return float(wait(state))


def in_quiet_hours(spec: str | None, tz_name: str, now: datetime) -> datetime | None:
    """When ``now`` falls in the quiet hours ``"HH:MM-HH:MM"`` (in ``tz_name``, may span
    midnight), the UTC time they end; else None."""
    if not spec:
        return None
    start_s, end_s = spec.split("-")
    start = time.fromisoformat(start_s)
    end = time.fromisoformat(end_s)
    if start == end:
        return None
    tz = ZoneInfo(tz_name)
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # spans midnight: 22:00-07:00
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    local_end = datetime.combine(end_day, end, tzinfo=tz)
    return local_end.astimezone(now.tzinfo)


def route_matches(
    route: RouteConfig, alert: RecentAlert, mention: StoredMention, source_type: str | None
) -> bool:
    """Whether an alert passes a route's brand, language and source-kind filters."""
    if route.brands and alert.brand not in route.brands:
        return False
    if route.languages and (mention.language or "") not in route.languages:
        return False
    if route.source_kinds:
        kind = mention_kind(mention, source_type)
        if source_type not in route.source_kinds and kind not in route.source_kinds:
            return False
    return True


def status_line(outbox: Outbox) -> str:
    """``Deliveries: 12 sent, 1 pending, 2 failed, 0 unconfirmed``; when any failed, the
    newest failure's recipient key and stored reason (first line, at most 160 characters)
    and where to see them all."""
    counts = outbox.counts()
    waiting = counts.get(PENDING, 0) + counts.get(CLAIMED, 0)
    line = (
        f"Deliveries: {counts.get(SENT, 0)} sent, {waiting} pending, "
        f"{counts.get(FAILED, 0)} failed, {counts.get(UNKNOWN, 0)} unconfirmed"
    )
    if counts.get(FAILED, 0) or counts.get(UNKNOWN, 0):
        newest = outbox.items(states=[FAILED, UNKNOWN], limit=1)
        reason = (newest[0].last_error or "").strip().splitlines() if newest else []
        if newest and reason:
            line += f"; newest failure: {newest[0].target}: {reason[0][:160]}"
        line += " (brandpulse deliveries --failed shows why; they are retried)"
    return line


def batch_messages(rows: Sequence[OutboxItem], target: str) -> list[tuple[str, list[OutboxItem]]]:
    """Split one recipient's claimed digest rows into messages: rows last sent together
    under a key whose outcome is unknown go out again together under that key; the rest
    form one new message keyed by its rows."""
    by_key: dict[str, list[OutboxItem]] = {}
    fresh: list[OutboxItem] = []
    for row in rows:
        if row.message_key:
            by_key.setdefault(row.message_key, []).append(row)
        else:
            fresh.append(row)
    messages = list(by_key.items())
    if fresh:
        key = idempotency_key(",".join(sorted(i.idempotency_key for i in fresh)), target)
        messages.append((key, fresh))
    return messages


def with_changes(d: NewDelivery, **changes: Any) -> NewDelivery:
    return replace(d, **changes)


def alert_id_of(item: Any) -> int | None:
    if isinstance(item, int):
        return item
    for name in ("alert_id", "id"):
        value = getattr(item, name, None)
        if isinstance(value, int):
            return value
    return None


def inbox_api(
    repo: Repository,
) -> tuple[Callable[[datetime], Sequence[Any]], Callable[[int], Any]] | None:
    """``(overdue_unescalated(now), mark_escalated(alert_id))`` from ``storage.inbox`` when
    it exists: methods of ``InboxStore(engine)`` (the alert lifecycle), or module
    functions taking ``(engine, ...)`` or not. Items may be alert ids or objects with
    ``alert_id`` (and optionally ``sla_due_at``)."""
    try:
        from storage import inbox
    except ImportError:
        return None
    for holder_name in ("InboxStore", "Inbox"):
        holder = getattr(inbox, holder_name, None)
        if holder is not None and hasattr(holder, "overdue_unescalated"):
            obj = holder(repo.engine)
            return obj.overdue_unescalated, obj.mark_escalated
    overdue = getattr(inbox, "overdue_unescalated", None)
    mark = getattr(inbox, "mark_escalated", None)
    if not callable(overdue) or not callable(mark):
        return None

    def wants_engine(fn: Callable[..., Any], plain: int) -> bool:
        try:
            return len(inspect.signature(fn).parameters) > plain
        except (TypeError, ValueError):
            return False

    if wants_engine(overdue, 1):
        return (lambda now: overdue(repo.engine, now)), (lambda a: mark(repo.engine, a))
    return overdue, mark


def inbox_states(repo: Repository, alert_ids: Sequence[int]) -> dict[int, str]:
    """Each alert's inbox state (open, watch, assigned, snoozed, handled, dismissed)."""
    if not alert_ids:
        return {}
    from storage.inbox import InboxStore

    return {s.alert_id: s.state for s in InboxStore(repo.engine).states(alert_ids=alert_ids)}


def limit_note(
    outbox: Outbox, item: OutboxItem, route: RouteConfig, brand: str, now: datetime
) -> str | None:
    """Why an immediate message must wait for the digest (the route's hourly budget is
    spent, or ``brand`` was messaged within ``debounce_minutes``), or None."""
    if route.max_per_hour is not None:
        sent = outbox.sent_since(
            target=item.target, route=route.name, since=now - timedelta(hours=1)
        )
        if sent >= route.max_per_hour:
            return f"hourly budget of {route.max_per_hour} reached: in the next digest"
    if route.debounce_minutes > 0:
        last = outbox.last_sent_for_brand(target=item.target, route=route.name, brand=brand)
        if last is not None and now - last < timedelta(minutes=route.debounce_minutes):
            return (
                f"debounced ({brand} messaged {int((now - last).total_seconds() // 60)}"
                f" min ago, window {route.debounce_minutes:g} min): in the next digest"
            )
    return None
