"""The cluster's tasks. Each is idempotent and commits its own work before it returns
(the broker message is acknowledged after that: ``acks_late``):

* ``brandpulse.collect``: one source through the one intake path; records are upserted on
  (source, external id) with the cursor in the same transaction, so running it twice
  stores nothing twice. New mentions queue analysis at once.
* ``brandpulse.crawl``: one start URL of a ``[[crawls]]`` entry, in its own Scrapy
  subprocess, after taking the domain's token from the shared Redis bucket (without a
  token it is re-queued for when one is due).
* ``brandpulse.analyse``: claims a batch of pending mentions (leases in PostgreSQL), so
  two workers never analyse one mention; a redelivered task takes its own claims back.
* ``brandpulse.deliver``: stories, alerts and due outbox items (the outbox claims its
  rows itself); one node at a time (advisory lock), others return at once.
* ``brandpulse.digest``: topics, digest, competitor summary and retention.

A failing collection or crawl (source error) and a database error are retried with
exponential backoff and jitter (``engine.max_retries``, ``engine.retry_backoff_seconds``);
after the last try the task is a dead letter: kept in ``task_dead_letters``, shown by
``brandpulse status``, and written into the source's health (``brandpulse sources``).
"""

from __future__ import annotations

import logging
import math
import os
import random
from typing import Any

from celery import Task
from sqlalchemy.exc import DBAPIError

from brandpulse.distributed.app import app
from brandpulse.distributed.node import Node
from domain.errors import SourceError
from domain.redact import redact

logger = logging.getLogger(__name__)

COLLECT = "brandpulse.collect"
CRAWL = "brandpulse.crawl"
ANALYSE = "brandpulse.analyse"
DELIVER = "brandpulse.deliver"
DIGEST = "brandpulse.digest"

#: Batches one analyse task does at most before it hands over to a new task (so a long
#: backlog does not hold one message unacknowledged for long).
MAX_BATCHES_PER_TASK = 20
#: Seconds a crawl task waits in place for its domain's token before it re-queues itself.
MAX_INLINE_WAIT_S = 2.0


class SourceFailed(SourceError):
    """A source or crawl failed this try (its health holds the reason); retried."""


class BrandPulseTask(Task):
    """Retries with backoff, and a dead letter after the last try."""

    abstract = True
    acks_late = True
    reject_on_worker_lost = True

    def retry_later(self, exc: Exception) -> Exception:
        """Schedule the next try (exponential backoff with full jitter), or raise ``exc``
        when the tries are used up (Celery then calls :meth:`on_failure`)."""
        engine = Node.current().config.engine
        tries = int(self.request.retries)
        base = engine.retry_backoff_seconds * (2**tries)
        countdown = random.uniform(0, min(engine.retry_backoff_max_seconds, base))
        logger.warning(
            "%s %s: try %d failed (%s); retrying in %.1fs",
            self.name,
            _subject(self.name, self.request.args),
            tries + 1,
            redact(str(exc)),
            countdown,
        )
        return self.retry(exc=exc, countdown=countdown, max_retries=engine.max_retries)

    def on_failure(self, exc: Exception, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        from storage.cluster import record_dead_letter

        node = Node.current()
        tries = int(self.request.retries) + 1
        subject = _subject(self.name, args)
        reason = redact(f"{exc.__class__.__name__}: {exc}")
        logger.error("%s %s: dead letter after %d tries: %s", self.name, subject, tries, reason)
        try:
            record_dead_letter(
                node.engine,
                task=self.name,
                task_id=task_id,
                subject=subject,
                error=reason,
                tries=tries,
            )
            source = _source_of(self.name, args)
            if source is not None:
                node.repo.record_failure(
                    source, f"dead letter: {self.name} failed after {tries} tries: {reason}"
                )
        except Exception:
            logger.exception("cannot record the dead letter of %s %s", self.name, task_id)


def _subject(name: str, args: Any) -> str | None:
    """What a task is about (a source, ``crawl url``), for logs and dead letters."""
    if not args:
        return None
    if name == CRAWL and len(args) >= 2:
        return f"{args[0]} {args[1]}"
    return str(args[0])


def _source_of(name: str, args: Any) -> str | None:
    return str(args[0]) if name in (COLLECT, CRAWL) and args else None


def _finish_slot(job: str | None, slot: str | None) -> None:
    if job and slot:
        from storage.cluster import finish_slot

        finish_slot(Node.current().engine, job=job, slot=slot)


def queue_analysis(count: int) -> int:
    """Queue enough analyse tasks for ``count`` new mentions; returns how many."""
    node = Node.current()
    batch = node.config.analysis.batch_size
    tasks = math.ceil(count / batch) if count > 0 else 0
    for _ in range(tasks):
        app.send_task(ANALYSE, queue=node.config.engine.queue)
    return tasks


@app.task(bind=True, base=BrandPulseTask, name=COLLECT)
def collect_source(self: BrandPulseTask, name: str, job: str | None = None,
                   slot: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Collect the ``[[sources]]`` entry ``name`` once."""
    from brandpulse.intake import Intake
    from brandpulse.sources import make_http, run_source

    node = Node.current()
    config = node.config
    source = next((s for s in config.sources if s.name == name), None)
    if source is None:
        raise KeyError(f"no [[sources]] entry named {name!r} in this node's config")
    try:
        intake = Intake.for_config(config, node.repo)
        with make_http(config) as http, http.deadline(config.http.source_deadline_seconds):
            run = run_source(source, config=config, repo=node.repo, http=http, intake=intake)
    except DBAPIError as exc:
        raise self.retry_later(exc) from exc
    if not run.ok:
        raise self.retry_later(SourceFailed(run.error or f"source {name!r} failed"))
    queued = queue_analysis(run.inserted)
    _finish_slot(job, slot)
    return {"source": name, "fetched": run.fetched, "inserted": run.inserted, "queued": queued}


@app.task(bind=True, base=BrandPulseTask, name=CRAWL)
def crawl_url(self: BrandPulseTask, crawl_name: str, url: str, job: str | None = None,
              slot: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Crawl one start URL of the ``[[crawls]]`` entry ``crawl_name``, politely: one crawl
    start per domain per ``engine.crawl_domain_interval_seconds`` across the cluster."""
    import time

    from brandpulse.crawls import crawl
    from brandpulse.distributed.ratelimit import domain_of
    from brandpulse.intake import Intake

    node = Node.current()
    config = node.config
    entry = next((c for c in config.crawls if c.name == crawl_name), None)
    if entry is None:
        raise KeyError(f"no [[crawls]] entry named {crawl_name!r} in this node's config")
    limiter = node.rate_limit
    if limiter is not None:
        wait = limiter.acquire(domain_of(url))
        if 0 < wait <= MAX_INLINE_WAIT_S:
            time.sleep(wait)
            wait = limiter.acquire(domain_of(url))
        if wait > 0:
            # Re-queued as a new message before this one is acknowledged: never lost.
            self.apply_async(args=(crawl_name, url, job, slot), countdown=wait)
            return {"crawl": crawl_name, "url": url, "deferred_s": wait}
    try:
        run = crawl(
            config,
            intake=Intake.for_config(config, node.repo),
            spider=entry.spider,
            urls=[url],
            source=entry.name,
            brand=entry.brand,
            crawl_config=entry,
        )
    except DBAPIError as exc:
        raise self.retry_later(exc) from exc
    if not run.ok:
        raise self.retry_later(SourceFailed(run.error or f"crawl {crawl_name!r} failed"))
    queued = queue_analysis(run.intake.stored)
    _finish_slot(job, slot)
    return {"crawl": crawl_name, "url": url, "stored": run.intake.stored, "queued": queued}


@app.task(bind=True, base=BrandPulseTask, name=ANALYSE)
def analyse_batch(self: BrandPulseTask) -> dict[str, Any]:
    """Claim batches of ``analysis.batch_size`` pending mentions, classify them and save
    the ones still claimed by this task (see :mod:`storage.cluster`), until none is left
    or :data:`MAX_BATCHES_PER_TASK` batches are done (then the task queues its sequel)."""
    from brandpulse.analysis import analyses_for
    from storage.cluster import finish_claims, renew_claims

    node = Node.current()
    config = node.config
    owner = str(self.request.id)
    lease = config.engine.claim_lease_seconds
    brand_terms = {b.name: b.terms_record().terms for b in config.brands}
    case_sensitive = {b.name for b in config.brands if b.case_sensitive}
    analysed = batches = 0
    try:
        while batches < MAX_BATCHES_PER_TASK:
            ids = node.claim_floor.claim(
                node.engine, owner=owner, pid=os.getpid(), limit=config.analysis.batch_size,
                lease_s=lease,
            )  # fmt: skip
            if not ids:
                break
            batches += 1
            rows = analyses_for(
                node.repo.pending_texts(ids),
                node.analyzer,
                brand_terms=brand_terms,
                case_sensitive=case_sensitive,
            )
            kept = set(renew_claims(node.engine, owner=owner, ids=ids, lease_s=lease))
            rows = [r for r in rows if r.mention_id in kept]
            node.repo.save_analyses(rows)
            finish_claims(node.engine, owner=owner, ids=[r.mention_id for r in rows])
            analysed += len(rows)
            logger.info("analysed %d mentions (claimed %d)", len(rows), len(ids))
    except DBAPIError as exc:
        raise self.retry_later(exc) from exc
    if batches >= MAX_BATCHES_PER_TASK:
        app.send_task(ANALYSE, queue=config.engine.queue)  # more may be waiting
    return {"analysed": analysed, "batches": batches}


@app.task(bind=True, base=BrandPulseTask, name=DELIVER)
def deliver(
    self: BrandPulseTask, job: str | None = None, slot: str | None = None
) -> dict[str, Any]:
    """Group stories, raise alerts and send what the outbox has due, on one node at a
    time (another node's run of the same step makes this one return at once)."""
    from storage.cluster_locks import TAIL_LOCK_KEY, try_transaction_lock

    node = Node.current()
    try:
        with try_transaction_lock(node.engine, TAIL_LOCK_KEY) as got:
            if not got:
                _finish_slot(job, slot)
                return {"skipped": "another node is delivering"}
            pipeline = node.pipeline
            pipeline.group_stories()
            raised = pipeline.raise_alerts()
            _, outcomes, _ = pipeline.deliver(digest=False)
    except DBAPIError as exc:
        raise self.retry_later(exc) from exc
    _finish_slot(job, slot)
    return {"alerts": raised, "deliveries": len(outcomes)}


@app.task(bind=True, base=BrandPulseTask, name=DIGEST)
def digest(self: BrandPulseTask, job: str | None = None, slot: str | None = None) -> dict[str, Any]:
    """Topics, the digest (files in ``digest.output_dir`` of the node that runs it, and
    recipients), the competitor summary and retention."""
    from brandpulse.retention import apply_retention
    from storage.cluster_locks import TAIL_LOCK_KEY, try_transaction_lock
    from storage.models import utcnow

    node = Node.current()
    try:
        with try_transaction_lock(node.engine, TAIL_LOCK_KEY) as got:
            if not got:
                raise self.retry_later(RuntimeError("another node holds the delivery step"))
            pipeline = node.pipeline
            themes = pipeline.update_topics()
            _, outcomes, files = pipeline.deliver(digest=True, heartbeat=True)
            files += pipeline.write_competitor_report(themes)
            apply_retention(node.config, node.repo, now=utcnow())
    except DBAPIError as exc:
        raise self.retry_later(exc) from exc
    _finish_slot(job, slot)
    return {"deliveries": len(outcomes), "files": [str(f) for f in files]}
