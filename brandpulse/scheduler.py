"""The daemon: APScheduler 3 runs collection per source and the digest on a cron schedule.

Each source is polled every ``interval_minutes``; new negatives are alerted right after
the poll that found them ("the moment a bad review lands"); the competitor summary and
digest files are rewritten on ``digest.schedule``. One process only: a lock file next to
the database (or in the output folder) stops a second daemon or a cron run from racing.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from brandpulse.config import Config
from brandpulse.pipeline import Pipeline
from domain.errors import StorageError

logger = logging.getLogger(__name__)

#: Seconds a job may start late and still run (APScheduler's default of 1 s skips jobs).
MISFIRE_GRACE_S = 300


class AlreadyRunning(StorageError):
    """Another BrandPulse process holds the lock next to the database (exit code 1)."""


@contextlib.contextmanager
def single_instance(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive, non-blocking file lock for the life of the block."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning(
            f"another BrandPulse process holds {lock_path}; stop it before starting a daemon"
        ) from None
    try:
        handle.truncate(0)
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


class _Work:
    """Serialises units of work (one poll, one digest) with shutdown and reload, and
    records metrics. A unit that has started is finished before a reload or stop."""

    def __init__(self, pipeline: Pipeline, metrics: Any | None = None) -> None:
        self.pipeline = pipeline
        self.metrics = metrics
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def poll(self, source_name: str) -> None:
        from listeners.http import Cancelled

        with self.lock:
            if self.stopping.is_set():
                return
            pipeline = self.pipeline
            try:
                runs = pipeline.collect(only={source_name})
            except Cancelled as exc:
                logger.info("poll of %s cancelled: %s", source_name, exc)
                return
            started = time.monotonic()
            pipeline.analyze()
            pipeline.group_stories()
            raised = pipeline.raise_alerts()
            outcomes: list[Any] = []
            if raised:  # urgent alerts at once; the rest waits for the digest
                _, outcomes, _ = pipeline.deliver(digest=False)
            if self.metrics is not None:
                self.metrics.analysis.observe(time.monotonic() - started)
                self.metrics.record_runs(runs)
                self.metrics.alerts.inc(raised)
                self.metrics.record_deliveries(outcomes)

    def digest(self) -> None:
        with self.lock:
            if self.stopping.is_set():
                return
            pipeline = self.pipeline
            themes = pipeline.update_topics()
            _, outcomes, _ = pipeline.deliver(digest=True, heartbeat=True)
            pipeline.write_competitor_report(themes)
            from brandpulse.retention import apply_retention

            apply_retention(pipeline.config, pipeline.repo, now=_now())
            if self.metrics is not None:
                self.metrics.record_deliveries(outcomes)

    def deliveries(self) -> None:
        """Due immediate messages, batches for new recipients, retries of failed and
        unconfirmed deliveries, escalations: on every tick, not only after a new alert."""
        with self.lock:
            if self.stopping.is_set():
                return
            _, outcomes, _ = self.pipeline.deliver(digest=False)
            if self.metrics is not None:
                self.metrics.record_deliveries(outcomes)


def build_scheduler(
    config: Config, pipeline: Pipeline, *, work: _Work | None = None, blocking: bool = True
) -> Any:
    """A scheduler with one polling job per enabled source and crawl, and a digest job
    (BlockingScheduler by default; the daemon uses a BackgroundScheduler)."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler

    # One worker for polls and digests (PRAW is not thread-safe; SQLite has one writer),
    # one for crawls, which block in their subprocess for minutes.
    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(
        executors={"default": ThreadPoolExecutor(1), "crawls": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
    )
    add_jobs(scheduler, config, work or _Work(pipeline))
    return scheduler


def add_jobs(scheduler: Any, config: Config, work: _Work) -> None:
    """(Re)create every job of ``config`` on ``scheduler`` (replacing existing ones)."""
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    def add_interval_job(job_id: str, minutes: int, target: str, executor: str) -> None:
        scheduler.add_job(
            work.poll,
            IntervalTrigger(minutes=minutes),
            args=[target],
            id=job_id,
            name=job_id,
            executor=executor,
            replace_existing=True,
            next_run_time=_now(),
            misfire_grace_time=MISFIRE_GRACE_S,
            coalesce=True,
        )

    for source in config.sources:
        if source.enabled:
            add_interval_job(f"poll:{source.name}", source.interval_minutes, source.name, "default")
    for crawl in config.crawls:
        if crawl.enabled:
            add_interval_job(f"crawl:{crawl.name}", crawl.interval_minutes, crawl.name, "crawls")

    scheduler.add_job(
        work.digest,
        CronTrigger.from_crontab(config.digest.schedule, timezone=config.digest.timezone),
        id="digest",
        name="digest",
        replace_existing=True,
        misfire_grace_time=MISFIRE_GRACE_S,
        coalesce=True,
    )
    from brandpulse.report import add_report_job, run_scheduled_report

    add_report_job(scheduler, config, lambda: run_scheduled_report(config, work.pipeline.repo))
    scheduler.add_job(
        work.deliveries,
        IntervalTrigger(seconds=config.delivery.tick_seconds),
        id="deliveries",
        name="deliveries",
        replace_existing=True,
        misfire_grace_time=MISFIRE_GRACE_S,
        coalesce=True,
    )


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def lock_path(config: Config) -> Path:
    """The lock file of earlier versions (in the digest output folder). The daemon and
    ``run --once`` now hold the run lock in the database (:mod:`storage.runlock`)."""
    return Path(config.digest.output_dir) / ".brandpulse.lock"


#: Seconds SIGTERM waits for the unit of work in progress (its requests are cancelled at
#: once, so this is only reached by a step that cannot be interrupted, e.g. a hung read).
STOP_GRACE_S = 10.0


def run_daemon(
    config: Config,
    *,
    pipeline: Pipeline,
    reload: Callable[[], Config] | None = None,
    metrics: Any | None = None,
) -> None:
    """Run until SIGINT/SIGTERM; the caller holds the run lock (see
    :func:`brandpulse.runguard.exclusive_run`).

    * SIGTERM/SIGINT: in-flight HTTP requests and retry waits are cancelled, the unit of
      work in progress finishes (at most :data:`STOP_GRACE_S` seconds), and the function
      returns (exit 0). Every step commits its own work, so nothing is lost either way.
    * SIGHUP: ``reload()`` is called for a new config (errors are logged, the old config
      stays); after the unit of work in progress, jobs are rebuilt from it and sources
      removed from it are marked removed. The database URL cannot change by reload.
    """
    from listeners.http import SHUTDOWN

    SHUTDOWN.clear()
    work = _Work(pipeline, metrics)
    scheduler = build_scheduler(config, pipeline, work=work, blocking=False)
    wake = threading.Event()
    reload_requested = threading.Event()

    def on_stop(signum: int, _frame: Any) -> None:
        work.stopping.set()
        SHUTDOWN.set()  # cancel in-flight requests and retry waits
        wake.set()

    def on_hup(signum: int, _frame: Any) -> None:
        reload_requested.set()
        wake.set()

    previous = {
        sig: signal.signal(sig, handler)
        for sig, handler in (
            (signal.SIGTERM, on_stop),
            (signal.SIGINT, on_stop),
            (signal.SIGHUP, on_hup),
        )
    }
    scheduler.start()
    logger.info("daemon started with %d job(s)", len(scheduler.get_jobs()))
    try:
        while not work.stopping.is_set():
            wake.wait()
            wake.clear()
            if reload_requested.is_set() and not work.stopping.is_set():
                reload_requested.clear()
                config = _reload(config, reload, scheduler, work)
    finally:
        logger.info("stopping: finishing the unit of work in progress")
        scheduler.shutdown(wait=False)
        finished = work.lock.acquire(timeout=STOP_GRACE_S)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if not finished:
            logger.warning(
                "a unit of work did not stop within %.0fs; exiting anyway (its committed "
                "steps are kept, the rest runs next time)",
                STOP_GRACE_S,
            )
            logging.shutdown()
            os._exit(0)
        work.lock.release()
        logger.info("stopped")


def _reload(
    config: Config, reload: Callable[[], Config] | None, scheduler: Any, work: _Work
) -> Config:
    if reload is None:
        logger.warning("SIGHUP: no config file to reload")
        return config
    try:
        fresh = reload()
    except Exception as exc:
        from domain.redact import redact

        logger.error("SIGHUP: config not reloaded, keeping the running one: %s", redact(exc))
        return config
    if fresh.database.url != config.database.url:
        logger.error("SIGHUP: database.url cannot change by reload; restart the daemon")
        return config
    from brandpulse.crawls import register_crawls
    from brandpulse.sources import register_sources
    from storage.housekeeping import mark_removed_sources

    with work.lock:  # after the unit of work in progress
        work.pipeline.config = fresh
        register_sources(fresh, work.pipeline.repo)
        register_crawls(fresh, work.pipeline.repo)
        mark_removed_sources(
            work.pipeline.repo.engine,
            {s.name for s in fresh.sources} | {c.name for c in fresh.crawls},
        )
        scheduler.remove_all_jobs()
        add_jobs(scheduler, fresh, work)
    logger.info("SIGHUP: config reloaded, %d job(s)", len(scheduler.get_jobs()))
    return fresh
