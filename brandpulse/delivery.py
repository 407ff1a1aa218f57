"""Alert delivery through the outbox: route, enqueue, claim, send, record.

Every (alert, recipient) pair is one outbox row (:mod:`storage.outbox`), created once and
never deleted: an alert is never sent twice to a recipient and never lost.

1. **Enqueue** alerts of the last ``alerts.max_age_hours``: mode ``digest`` for every
   ``digest.recipients`` URL; for each ``[[alerts.routes]]`` URL whose filters they pass,
   ``immediate`` at or above ``min_urgency``, else ``digest`` (one row per URL, immediate
   wins). A recipient added later gets that window as one message (mode ``batch``).
2. **Claim** due rows atomically, so two instances on one database never send one row.
3. **Send** immediate rows one message per alert unless in quiet hours (deferred to their
   end), over the hourly budget or inside the debounce window (moved to the digest);
   digest and batch rows as one digest per recipient.
4. **Record** ``sent``; ``failed`` with the reason (retried with tenacity's exponential
   backoff); or ``unknown`` when no answer came after sending (sent again, same key).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from brandpulse.config import Config
from brandpulse.config_delivery import RouteConfig
from brandpulse.delivery_rules import (
    DeliveryResult,
    batch_messages,
    in_quiet_hours,
    inbox_states,
    limit_note,
    retry_delay_s,
    route_matches,
    status_line,
    with_changes,
)
from brandpulse.delivery_scheduled import (
    dry_run,
    enqueue_heartbeats,
    escalate,
    send_heartbeats,
    send_reports,
)
from brandpulse.inbox import split_for_digest
from digest.build import AlertView, build_alert_digest
from digest.deliver import legacy_target_key, target_key
from digest.message import alert_message
from digest.render import Rendered, render_alert_digest
from digest.send import SendResult, send_message
from listeners.health import is_silent
from storage import AlertItem, Repository, SourceHealth
from storage.outbox import (
    DIGEST,
    IMMEDIATE,
    NewDelivery,
    Outbox,
    OutboxItem,
    worker_id,
)

__all__ = [
    "Deliverer",
    "DeliveryResult",
    "in_quiet_hours",
    "retry_delay_s",
    "route_matches",
    "status_line",
]

logger = logging.getLogger(__name__)

#: New recipients' backlog: one batched message, sent on the next tick.
BATCH = "batch"


class Deliverer:
    """Delivery for one config and database. ``now`` is injectable for tests."""

    def __init__(
        self,
        config: Config,
        repo: Repository,
        *,
        now: Callable[[], datetime],
        worker: str | None = None,
    ) -> None:
        self.config = config
        self.repo = repo
        self.outbox = Outbox(repo.engine)
        self._now = now
        self.worker = worker or worker_id()
        self._routes = {r.name: r for r in config.alerts.routes}
        self.urls: dict[str, str] = {}
        for url in config.digest.recipients:
            self.urls[target_key(url)] = url
        for route in config.alerts.routes:
            for url in route.urls:
                self.urls[target_key(url)] = url
        self.digest_targets = [target_key(u) for u in config.digest.recipients]

    # -- the public steps --------------------------------------------------------------
    def run(self, *, digest: bool, heartbeat: bool = False) -> list[DeliveryResult]:
        """Enqueue new alerts, escalate overdue ones, send what is due.

        Args:
            digest: also send the digest (rows waiting for it), as ``run --once`` and the
                daemon's digest schedule do; the daemon's polls and ticks pass False
                (immediate messages, batches and retries only).
            heartbeat: send the "nothing new" line to digest recipients that got no digest
                (the daemon's scheduled digest; needs ``digest.heartbeat``).
        """
        now = self._now()
        self.enqueue(now)
        escalate(self, now)
        if self.config.digest.dry_run:
            return dry_run(self)
        released = self.outbox.release_dead_claims(now=now)
        if released:
            logger.warning(
                "%d delivery claim(s) of a stopped process released; sending again", released
            )
        results = self.send_immediate(now)
        results += self.send_batches(now, mode=BATCH)
        results += self.send_batches(now, mode=DIGEST, retries_only=not digest)
        if digest and heartbeat and self.config.digest.heartbeat:
            sent_to = {r.target for r in results if r.what.startswith("digest")}
            enqueue_heartbeats(self, now, skip=sent_to)
        results += send_heartbeats(self, now, retries_only=not (digest and heartbeat))
        return results + send_reports(self, now)  # the competitor report's retries

    def enqueue(self, now: datetime) -> int:
        """Create the outbox rows of alerts raised within ``alerts.max_age_hours``."""
        since = now - timedelta(hours=self.config.alerts.max_age_hours)
        alerts = self.outbox.recent_alerts(since=since)
        if not alerts or not self.urls:
            return 0
        subjects = [f"alert:{a.alert_id}" for a in alerts]
        known_by_target = {key: self.outbox.subjects(key, subjects) for key in self.urls}
        if all(len(known) == len(subjects) for known in known_by_target.values()):
            return 0  # every recipient has a row for every alert: the common tick
        mentions = {m.id: m for m in self.repo.mentions(ids=[a.mention_id for a in alerts])}
        source_types = {h.name: h.kind for h in self.repo.source_health()}
        wanted: dict[str, dict[str, NewDelivery]] = {key: {} for key in self.urls}
        for alert in alerts:
            mention = mentions.get(alert.mention_id)
            if mention is None:
                continue
            subject = f"alert:{alert.alert_id}"
            for key in self.digest_targets:
                wanted[key][subject] = NewDelivery(subject, key, DIGEST, alert.alert_id)
            for route in self.config.alerts.routes:
                if route.escalation or not route_matches(
                    route, alert, mention, source_types.get(mention.source)
                ):
                    continue
                mode = IMMEDIATE if alert.urgency >= route.min_urgency else DIGEST
                for url in route.urls:
                    key = target_key(url)
                    existing = wanted[key].get(subject)
                    if existing is None or (mode == IMMEDIATE and existing.mode != IMMEDIATE):
                        wanted[key][subject] = NewDelivery(
                            subject, key, mode, alert.alert_id, route=route.name
                        )
        rows: list[NewDelivery] = []
        for key, by_subject in wanted.items():
            if not by_subject:
                continue
            known = known_by_target[key]
            new = [d for s, d in by_subject.items() if s not in known]
            if not new:
                continue
            legacy = self.outbox.legacy_sent(
                legacy_target_key(self.urls[key]), [d.alert_id or 0 for d in new]
            )
            # A recipient added to a running installation gets its backlog in one message.
            first_time = not known and not self.outbox.has_rows(key) and self.outbox.has_rows()
            for d in new:
                if d.alert_id in legacy:
                    rows.append(
                        with_changes(d, state="sent", note="sent before the outbox existed")
                    )
                elif first_time and len(new) > 1:
                    rows.append(with_changes(d, mode=BATCH, note="backlog for a new recipient"))
                else:
                    rows.append(d)
        created = self.outbox.enqueue(rows, now=now)
        if created:
            logger.info("%d delivery(ies) queued", created)
        return created

    def send_immediate(self, now: datetime) -> list[DeliveryResult]:
        """One message per due immediate row (new alerts and escalations)."""
        items = self.claim_due(now, IMMEDIATE)
        if not items:
            return []
        views = self._views([i.alert_id for i in items if i.alert_id is not None], now)
        states = inbox_states(self.repo, list(views))
        results = []
        for item in items:
            route = self._routes.get(item.route or "")
            url = self.urls.get(item.target)
            if route is None or url is None or item.alert_id not in views:
                results.append(self.orphan(item, now, route is None))
                continue
            escalation = item.subject.startswith("escalation:")
            quiet_end = in_quiet_hours(route.quiet_hours, route.timezone, now)
            if quiet_end is not None:
                self.outbox.release(
                    [item.id],
                    worker=self.worker,
                    next_attempt_at=quiet_end,
                    note=f"quiet hours {route.quiet_hours} {route.timezone}: deferred",
                )
                continue
            view = views[item.alert_id]
            state = states.get(item.alert_id, "open")
            if not escalation and state in ("watch", "handled", "dismissed"):
                # Low-confidence ("worth a look") or already worked in the inbox: digest only.
                self.outbox.release(
                    [item.id],
                    worker=self.worker,
                    next_attempt_at=now,
                    note=f"inbox state {state}: not sent at once",
                    mode=DIGEST,
                )
                continue
            if not escalation and self._over_limits(item, route, view, now):
                continue
            due = (item.note or "").removeprefix("reply was due ") if escalation else ""
            doc = alert_message(
                view,
                title=self.config.digest.title,
                escalation=escalation,
                overdue_since=due or None,
            )
            what = f"{'escalation' if escalation else 'alert'} #{item.alert_id}"
            results.append(self.send_rows([item], url, doc, what, item.idempotency_key, now))
        return results

    def send_batches(
        self, now: datetime, *, mode: str, retries_only: bool = False
    ) -> list[DeliveryResult]:
        """One digest per recipient of the due rows of ``mode`` (``digest`` or ``batch``)."""
        items = self.claim_due(now, mode, retries_only=retries_only)
        if not items:
            return []
        by_target: dict[str, list[OutboxItem]] = {}
        for item in items:
            by_target.setdefault(item.target, []).append(item)
        health, silent = self.health(now)
        alert_items = self._alert_items([i.alert_id for i in items if i.alert_id], now)
        results: list[DeliveryResult] = []
        for target, rows in by_target.items():
            url = self.urls.get(target)
            if url is None:
                results.extend(self.orphan(i, now, False) for i in rows)
                continue
            for key, group in batch_messages(rows, target):
                alerts = [alert_items[i.alert_id] for i in group if i.alert_id in alert_items]
                alerts.sort(key=lambda a: (-a.urgency, a.alert_id))
                act, look, _ids = split_for_digest(self.repo, alerts)
                if not act and not look:  # all handled or dismissed in the inbox meanwhile
                    self.outbox.mark_sent([i.id for i in group], worker=self.worker, now=now)
                    continue
                doc = render_alert_digest(
                    build_alert_digest(
                        title=self.config.digest.title,
                        alerts=act,
                        worth_a_look=look,
                        thank_you=[],
                        health=health,
                        silent=silent,
                        now=now,
                    )
                )
                what = f"digest of {len(group)} alert(s)"
                results.append(self.send_rows(group, url, doc, what, key, now))
        return results

    # -- helpers ---------------------------------------------------------------------------
    def claim_due(
        self, now: datetime, mode: str, *, retries_only: bool = False
    ) -> list[OutboxItem]:
        return self.outbox.claim(
            worker=self.worker,
            now=now,
            lease=timedelta(minutes=self.config.delivery.lease_minutes),
            mode=mode,
            retries_only=retries_only,
        )

    def _over_limits(
        self, item: OutboxItem, route: RouteConfig, view: AlertView, now: datetime
    ) -> bool:
        """Budget or debounce reached: move the row to the digest and say so."""
        note = limit_note(self.outbox, item, route, view.brand, now)
        if note is None:
            return False
        self.outbox.release(
            [item.id], worker=self.worker, next_attempt_at=now, note=note, mode=DIGEST
        )
        logger.info("alert #%s to %s: %s", item.alert_id, item.target, note)
        return True

    def send_rows(
        self,
        items: Sequence[OutboxItem],
        url: str,
        doc: Rendered,
        what: str,
        key: str,
        now: datetime,
    ) -> DeliveryResult:
        cfg = self.config.delivery
        ids = [i.id for i in items]
        if not (len(items) == 1 and items[0].idempotency_key == key):
            # A batch: remember its key first (a single row's key is its own, stable).
            self.outbox.set_message_key(ids, worker=self.worker, key=key)
        result: SendResult = send_message(
            doc,
            url,
            idempotency_key=key,
            connect_timeout_s=cfg.connect_timeout_seconds,
            read_timeout_s=cfg.timeout_seconds,
        )
        attempts = max(i.attempts for i in items)
        retry_at = now + timedelta(
            seconds=retry_delay_s(
                attempts, initial_s=cfg.retry_initial_seconds, max_s=cfg.retry_max_seconds
            )
        )
        if result.status == "sent":
            self.outbox.mark_sent(ids, worker=self.worker, now=self._now())
        elif result.status == "unknown":
            self.outbox.mark_unknown(
                ids, worker=self.worker, reason=result.reason or "", retry_at=retry_at
            )
            logger.warning("%s to %s: %s", what, result.target, result.reason)
        else:
            self.outbox.mark_failed(
                ids, worker=self.worker, reason=result.reason or "failed", retry_at=retry_at
            )
            logger.error(
                "%s to %s failed (attempt %d, retried from %s): %s",
                what,
                result.target,
                attempts,
                retry_at.strftime("%H:%M:%S"),
                result.reason,
            )
        return DeliveryResult(result.target, result.status, what, result.reason)

    def orphan(self, item: OutboxItem, now: datetime, route_gone: bool) -> DeliveryResult:
        """A row whose recipient (or route) left the config: kept as failed, never lost;
        sent if the URL comes back."""
        reason = (
            f"route {item.route!r} is no longer in the config"
            if route_gone
            else "recipient is no longer in the config (its URL was removed or changed)"
        )
        retry_at = now + timedelta(seconds=self.config.delivery.retry_max_seconds)
        self.outbox.mark_failed([item.id], worker=self.worker, reason=reason, retry_at=retry_at)
        return DeliveryResult(item.target, "failed", item.subject, reason)

    def health(self, now: datetime) -> tuple[list[SourceHealth], list[str]]:
        health = self.repo.source_health()
        return health, [h.name for h in health if is_silent(h, now)]

    def _alert_items(self, alert_ids: Sequence[int | None], now: datetime) -> dict[int, AlertItem]:
        wanted = {a for a in alert_ids if a is not None}
        if not wanted:
            return {}
        alerts = self.outbox.alerts_by_id(sorted(wanted))
        mentions = {m.id: m for m in self.repo.mentions(ids=[a.mention_id for a in alerts])}
        return {
            a.alert_id: AlertItem(
                alert_id=a.alert_id,
                brand=a.brand,
                urgency=a.urgency,
                created_at=a.created_at,
                mention=mentions[a.mention_id].for_brand(a.brand),
            )
            for a in alerts
            if a.mention_id in mentions
        }

    def _views(self, alert_ids: Sequence[int | None], now: datetime) -> dict[int, AlertView]:
        items = self._alert_items(alert_ids, now)
        if not items:
            return {}
        health, silent = self.health(now)
        digest = build_alert_digest(
            title="",
            alerts=list(items.values()),
            thank_you=[],
            health=health,
            silent=silent,
            now=now,
        )
        return {v.alert_id: v for v in digest.alerts}
