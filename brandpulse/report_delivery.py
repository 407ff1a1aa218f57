"""The competitor report's deliveries through the delivery outbox (``storage.outbox``).

Each (report period, recipient) is one outbox row of mode ``report``, created once and
never deleted, so the weekly report is sent to a recipient once and never lost:

* the subject is ``report:<since>-<until>`` (UTC, ``%Y%m%dT%H%MZ``) for the scheduled
  report, so a daemon restarted after sending, or a misfired job run twice, sends nothing
  again; ``brandpulse report competitors --send`` adds ``@<time of the run>`` (a person
  asking again gets it again);
* a failed send is retried by every later ``run --once`` and daemon delivery tick with the
  outbox's exponential backoff (``[delivery]`` ``retry_initial_seconds`` doubling up to
  ``retry_max_seconds``), the report of that period rendered again from the database;
* the row's idempotency key travels as the ``Idempotency-Key`` header (webhooks) or
  ``X-BrandPulse-Idempotency-Key`` (e-mail), the same for every try;
* ``brandpulse deliveries`` lists the rows, with the reason of a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from brandpulse.config import Config
from brandpulse.delivery_rules import DeliveryResult, retry_delay_s
from digest.deliver import target_key
from digest.report import ReportDocuments, send_report
from storage import Repository
from storage.outbox import NewDelivery, Outbox, OutboxItem, worker_id

__all__ = [
    "REPORT",
    "queue_report",
    "report_period",
    "report_subject",
    "send_due_reports",
]

logger = logging.getLogger(__name__)

#: The outbox mode of report deliveries.
REPORT = "report"
_STAMP = "%Y%m%dT%H%MZ"
_RUN_STAMP = "%Y%m%dT%H%M%SZ"

Renderer = Callable[[datetime, datetime], ReportDocuments]
#: The sentence encoder of the themes when a report is rendered again to be retried
#: (None: the default multilingual encoder). Tests replace it with a fast stand-in.
retry_embed: Callable[[Sequence[str]], Any] | None = None


def report_subject(since: datetime, until: datetime, *, run_at: datetime | None = None) -> str:
    """``report:20261123T0000Z-20261130T0000Z`` (UTC, minutes); with ``run_at`` (an
    on-demand send) ``@20261201T093012Z`` is added, so each request is its own delivery."""
    span = f"report:{since.astimezone(UTC):{_STAMP}}-{until.astimezone(UTC):{_STAMP}}"
    return span if run_at is None else f"{span}@{run_at.astimezone(UTC):{_RUN_STAMP}}"


def report_period(subject: str) -> tuple[datetime, datetime]:
    """The ``(since, until)`` of a report subject (inverse of :func:`report_subject`).

    Raises:
        ValueError: not a report subject.
    """
    if not subject.startswith("report:"):
        raise ValueError(f"not a report delivery subject: {subject!r}")
    span = subject.removeprefix("report:").partition("@")[0]
    start, _, end = span.partition("-")
    parse = lambda v: datetime.strptime(v, _STAMP).replace(tzinfo=UTC)  # noqa: E731
    return parse(start), parse(end)


def describe(subject: str) -> str:
    """``report 2026-11-23/7d`` for listings (the subject itself when it is not one)."""
    try:
        since, until = report_period(subject)
    except ValueError:
        return subject
    days = (until - since) / timedelta(days=1)
    length = f"{days:g}d" if days >= 1 else f"{(until - since) / timedelta(hours=1):g}h"
    return f"report {since:%Y-%m-%d}/{length}"


def queue_report(outbox: Outbox, subject: str, recipients: Sequence[str], *, now: datetime) -> int:
    """One ``report`` row per recipient (apprise URLs; stored by their secret-free key).
    A (subject, recipient) already queued is kept as it is. Returns how many are new."""
    rows = [NewDelivery(subject, key, REPORT) for key in dict.fromkeys(map(target_key, recipients))]
    return outbox.enqueue(rows, now=now)


def _default_renderer(
    config: Config, repo: Repository, now: datetime, embed: Callable[[Sequence[str]], Any] | None
) -> Renderer:
    def render(since: datetime, until: datetime) -> ReportDocuments:
        from brandpulse.report import render_for_delivery

        return render_for_delivery(config, repo, since=since, until=until, now=now, embed=embed)

    return render


def send_due_reports(
    config: Config,
    repo: Repository,
    *,
    now: datetime,
    worker: str | None = None,
    documents: Mapping[str, ReportDocuments] | None = None,
    recipients: Sequence[str] = (),
    render: Renderer | None = None,
    embed: Callable[[Sequence[str]], Any] | None = None,
) -> list[DeliveryResult]:
    """Claim the due ``report`` rows and send each; record sent, failed (due again after
    the backoff) or unknown (sent again under the same key).

    Args:
        documents: already rendered reports by subject (this run's); other periods are
            rendered again with ``render`` (default: the full report from the database,
            charts and the PDF as ``report.attach_pdf`` says; ``embed`` replaces the
            sentence encoder of its themes, for tests).
        recipients: URLs besides ``report.recipients`` that rows may be for.
    """
    outbox = Outbox(repo.engine)
    worker = worker or worker_id()
    cfg = config.delivery
    items = outbox.claim(
        worker=worker, now=now, lease=timedelta(minutes=cfg.lease_minutes), mode=REPORT
    )
    if not items:
        return []
    urls = {target_key(u): u for u in [*config.report.recipients, *recipients]}
    rendered: dict[str, ReportDocuments] = dict(documents or {})
    renderer = render or _default_renderer(config, repo, now, embed or retry_embed)
    results: list[DeliveryResult] = []
    for item in items:
        what = describe(item.subject)
        url = urls.get(item.target)
        if url is None:
            reason = (
                "recipient is no longer in [report] recipients (its URL was removed or changed)"
            )
            results.append(_failed(outbox, item, worker, reason, now, cfg.retry_max_seconds))
            continue
        docs = rendered.get(item.subject)
        if docs is None:
            try:
                since, until = report_period(item.subject)
                docs = rendered[item.subject] = renderer(since, until)
            except Exception as exc:  # a report that cannot be rendered stays queued
                logger.exception("could not render %s for a retry", what)
                reason = f"could not render the report: {exc.__class__.__name__}: {exc}"
                results.append(_failed(outbox, item, worker, reason, now, cfg.retry_max_seconds))
                continue
        result = send_report(
            docs,
            url,
            idempotency_key=item.idempotency_key,
            connect_timeout_s=cfg.connect_timeout_seconds,
            read_timeout_s=cfg.timeout_seconds,
        )
        retry_at = now + timedelta(
            seconds=retry_delay_s(
                item.attempts, initial_s=cfg.retry_initial_seconds, max_s=cfg.retry_max_seconds
            )
        )
        if result.status == "sent":
            outbox.mark_sent([item.id], worker=worker, now=now)
        elif result.status == "unknown":
            outbox.mark_unknown(
                [item.id], worker=worker, reason=result.reason or "", retry_at=retry_at
            )
            logger.warning("%s to %s: %s", what, result.target, result.reason)
        else:
            outbox.mark_failed(
                [item.id], worker=worker, reason=result.reason or "failed", retry_at=retry_at
            )
            logger.error(
                "%s to %s failed (attempt %d, retried from %s): %s",
                what,
                result.target,
                item.attempts,
                retry_at.strftime("%Y-%m-%d %H:%M:%S"),
                result.reason,
            )
        results.append(DeliveryResult(item.target, result.status, what, result.reason))
    return results


def _failed(
    outbox: Outbox, item: OutboxItem, worker: str, reason: str, now: datetime, wait_s: float
) -> DeliveryResult:
    outbox.mark_failed(
        [item.id], worker=worker, reason=reason, retry_at=now + timedelta(seconds=wait_s)
    )
    return DeliveryResult(item.target, "failed", describe(item.subject), reason)
