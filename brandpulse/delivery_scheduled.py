"""Messages besides new alerts: escalations of overdue alerts, the heartbeat line when a
scheduled digest has nothing new for a recipient (once per recipient), retries of the
competitor report, and the dry run's report of what would be sent."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from brandpulse.delivery_rules import DeliveryResult, alert_id_of, inbox_api
from digest.build import source_warnings
from digest.deliver import target_key
from digest.message import heartbeat_message
from storage.outbox import IMMEDIATE, NewDelivery

if TYPE_CHECKING:
    from brandpulse.delivery import Deliverer

logger = logging.getLogger(__name__)

HEARTBEAT = "heartbeat"


def enqueue_heartbeats(d: Deliverer, now: datetime, *, skip: set[str]) -> int:
    """A heartbeat row for each digest recipient that got nothing in this digest."""
    stamp = now.strftime("%Y-%m-%dT%H:%M")
    rows = [
        NewDelivery(f"heartbeat:{stamp}", key, HEARTBEAT)
        for key in dict.fromkeys(d.digest_targets)
        if key not in skip
    ]
    return d.outbox.enqueue(rows, now=now)


def send_heartbeats(d: Deliverer, now: datetime, *, retries_only: bool) -> list[DeliveryResult]:
    items = d.claim_due(now, HEARTBEAT, retries_only=retries_only)
    if not items:
        return []
    health, silent = d.health(now)
    healthy = sum(
        1 for h in health if h.enabled and not h.consecutive_failures and h.name not in silent
    )
    warnings = source_warnings(health, silent)
    results = []
    for item in items:
        url = d.urls.get(item.target)
        if url is None:
            results.append(d.orphan(item, now, False))
            continue
        doc = heartbeat_message(
            title=d.config.digest.title,
            since=d.outbox.last_sent(item.target),
            healthy=healthy,
            total=len(health),
            warnings=warnings,
        )
        results.append(d.send_rows([item], url, doc, "heartbeat", item.idempotency_key, now))
    return results


def escalate(d: Deliverer, now: datetime) -> int:
    """Queue overdue alerts (past their reply time, not yet escalated) for every
    escalation route, once each. Needs the alert lifecycle of ``storage.inbox``; does
    nothing when it is absent or no route has ``escalation = true``."""
    routes = [r for r in d.config.alerts.routes if r.escalation and r.urls]
    if not routes:
        return 0
    api = inbox_api(d.repo)
    if api is None:
        logger.debug("no alert lifecycle (storage.inbox): escalation routes are idle")
        return 0
    overdue_fn, mark_fn = api
    overdue: dict[int, str | None] = {}
    for item in overdue_fn(now):
        alert_id = alert_id_of(item)
        if alert_id is not None:
            due = getattr(item, "sla_due_at", None)
            overdue[alert_id] = (
                f"reply was due {due:%Y-%m-%d %H:%M} UTC" if isinstance(due, datetime) else None
            )
    if not overdue:
        return 0
    rows = [
        NewDelivery(
            f"escalation:{alert_id}", target_key(url), IMMEDIATE, alert_id, r.name, note=note
        )
        for alert_id, note in overdue.items()
        for r in routes
        for url in r.urls
    ]
    created = d.outbox.enqueue(rows, now=now)
    for alert_id in overdue:  # queued durably first: marking cannot lose one
        mark_fn(alert_id)
    return created


def send_reports(d: Deliverer, now: datetime) -> list[DeliveryResult]:
    """The competitor report's due deliveries: failed or unconfirmed sends of earlier
    report runs, that period's report rendered again (:mod:`brandpulse.report_delivery`)."""
    from brandpulse.report_delivery import send_due_reports

    return send_due_reports(d.config, d.repo, now=now, worker=d.worker)


def dry_run(d: Deliverer) -> list[DeliveryResult]:
    counts: dict[str, int] = {}
    for item in d.outbox.items(states=["pending", "failed", "unknown"], limit=10_000):
        counts[item.target] = counts.get(item.target, 0) + 1
    for key, n in counts.items():
        logger.info("dry run: would send %d queued delivery(ies) to %s", n, key)
    return [
        DeliveryResult(k, "dry_run", f"{n} queued", "dry run: not sent") for k, n in counts.items()
    ]
