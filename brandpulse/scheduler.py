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
from collections.abc import Iterator
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


def build_scheduler(config: Config, pipeline: Pipeline) -> Any:
    """A BlockingScheduler with one polling job per enabled source and a digest job."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    # One worker for polls and digests (PRAW is not thread-safe; SQLite has one writer),
    # one for crawls, which block in their subprocess for minutes.
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(1), "crawls": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_S},
    )

    def poll(source_name: str) -> None:
        pipeline.collect(only={source_name})
        pipeline.analyze()
        pipeline.group_stories()
        if pipeline.raise_alerts():
            pipeline.deliver()

    def add_interval_job(job_id: str, minutes: int, target: str, executor: str) -> None:
        scheduler.add_job(
            poll,
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

    def digest() -> None:
        themes = pipeline.update_topics()
        pipeline.deliver()
        pipeline.write_competitor_report(themes)

    scheduler.add_job(
        digest,
        CronTrigger.from_crontab(config.digest.schedule, timezone="UTC"),
        id="digest",
        name="digest",
        replace_existing=True,
        misfire_grace_time=MISFIRE_GRACE_S,
        coalesce=True,
    )
    from brandpulse.report import add_report_job, run_scheduled_report

    add_report_job(scheduler, config, lambda: run_scheduled_report(config, pipeline.repo))
    return scheduler


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def lock_path(config: Config) -> Path:
    """The lock shared by the daemon and ``run --once`` (in the digest output folder)."""
    return Path(config.digest.output_dir) / ".brandpulse.lock"


def run_daemon(config: Config, *, pipeline: Pipeline) -> None:
    """Run until SIGINT/SIGTERM. Raises :class:`AlreadyRunning` if a daemon is active."""
    with single_instance(lock_path(config)):
        scheduler = build_scheduler(config, pipeline)

        def stop(signum: int, _frame: Any) -> None:
            logger.info("signal %d: stopping after running jobs finish", signum)
            scheduler.shutdown(wait=True)

        signal.signal(signal.SIGTERM, stop)
        logger.info("daemon started with %d job(s)", len(scheduler.get_jobs()))
        try:
            scheduler.start()
        except KeyboardInterrupt:
            logger.info("interrupted")
