"""``brandpulse scheduler``: one leader at a time dispatches the cluster's jobs.

Run it on two or more nodes. Each process keeps one dedicated PostgreSQL connection and
tries the session-level advisory lock ``pg_try_advisory_lock`` on it every
``engine.leader_check_seconds`` (default 5 s); the one that holds it is the leader. The
server releases the lock when the leader's connection ends (process killed, host gone:
at the latest when TCP keepalive notices), and a standby takes over at its next try; the
leader checks every ``leader_check_seconds`` that its session still holds the lock and
steps down otherwise.

Jobs and their slots: a source every ``interval_minutes`` (slot = the interval's start,
UTC), each start URL of a crawl every ``interval_minutes``, alerts and deliveries every
``delivery.tick_seconds``, the digest at each ``digest.schedule`` time. Before sending a
slot's task the leader inserts (job, slot) into ``schedule_slots``, whose primary key lets
a slot be dispatched once only, by whichever scheduler gets there first, even if two
leaders overlapped for a moment. A slot missed while no leader was running is not made up
(the next slot runs), except the digest, looked for up to ``MISFIRE_GRACE_S`` back.

Analysis is not a slotted job: every ``engine.analyse_every_seconds`` the leader tops the
queue up with analyse tasks for the mentions still pending (duplicates are harmless: a
task that finds nothing claimable returns at once).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from brandpulse.config import Config
from brandpulse.distributed import tasks
from storage.models import utcnow

logger = logging.getLogger(__name__)

#: Seconds between two looks at the jobs while leading.
TICK_S = 1.0
#: Seconds back a leader looks for a digest time it has not dispatched (a fail-over gap).
MISFIRE_GRACE_S = 300
#: Analyse tasks kept queued at most (more would only wait in the broker).
MAX_QUEUED_ANALYSE = 64


@dataclass(frozen=True, slots=True)
class Job:
    """A dispatched job: its name (unique), the task, its args, and either an interval
    in seconds or a cron trigger."""

    name: str
    task: str
    args: tuple[Any, ...]
    interval_s: float | None = None
    cron: Any = None

    def slot_at(self, now: datetime) -> str | None:
        """The slot due at ``now`` (interval jobs): the UTC start of its interval."""
        if self.interval_s is None:
            return None
        start = math.floor(now.timestamp() / self.interval_s) * self.interval_s
        return datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def cluster_jobs(config: Config) -> list[Job]:
    """Every job of ``config`` (enabled sources and crawl URLs, deliveries, the digest)."""
    from apscheduler.triggers.cron import CronTrigger

    jobs: list[Job] = []
    for source in config.sources:
        if source.enabled:
            jobs.append(
                Job(f"collect:{source.name}", tasks.COLLECT, (source.name,),
                    interval_s=source.interval_minutes * 60.0)
            )  # fmt: skip
    for crawl in config.crawls:
        if crawl.enabled:
            for i, url in enumerate(crawl.urls):
                jobs.append(
                    Job(f"crawl:{crawl.name}:{i}", tasks.CRAWL, (crawl.name, url),
                        interval_s=crawl.interval_minutes * 60.0)
                )  # fmt: skip
    jobs.append(Job("deliver", tasks.DELIVER, (), interval_s=float(config.delivery.tick_seconds)))
    jobs.append(
        Job(
            "digest",
            tasks.DIGEST,
            (),
            cron=CronTrigger.from_crontab(config.digest.schedule, timezone=config.digest.timezone),
        )
    )
    return jobs


def node_name() -> str:
    """``host:pid`` of this process (recorded with each slot it dispatches)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Scheduler:
    """The scheduler loop of one process; :meth:`run` until ``stop`` is set.

    Args:
        config: the cluster's config (``[engine] kind = "celery"``).
        send: how a task is sent (default: the Celery app's ``send_task``); tests may
            pass their own.
        now: the clock (default UTC now).
    """

    def __init__(
        self,
        config: Config,
        *,
        send: Callable[..., Any] | None = None,
        now: Callable[[], datetime] = utcnow,
        stop: threading.Event | None = None,
    ) -> None:
        from storage import make_engine

        self.config = config
        self.engine = make_engine(config.database.url)
        self.node = node_name()
        self.stop = stop or threading.Event()
        self._now = now
        self._send = send or self._send_celery
        self.jobs = cluster_jobs(config)
        self.leading = False
        self._cron_checked: datetime | None = None
        self._last_top_up = 0.0
        self._client: Any = None

    def _send_celery(self, name: str, args: tuple[Any, ...], task_id: str | None) -> None:
        if self._client is None:
            from brandpulse.distributed.app import client

            self._client = client(self.config)
        self._client.send_task(name, args=args, task_id=task_id, queue=self.config.engine.queue)

    # -- the loop ---------------------------------------------------------------------------
    def run(self) -> None:
        """Elect, lead, or stand by, until :attr:`stop` is set (a connection lost to the
        database makes a leader step down; the loop reconnects)."""
        check_s = self.config.engine.leader_check_seconds
        while not self.stop.is_set():
            try:
                self._session(check_s)
            except Exception as exc:
                from domain.redact import redact

                self.leading = False
                logger.error("scheduler: %s; retrying in %.0fs", redact(str(exc)), check_s)
                self.stop.wait(check_s)
        logger.info("scheduler %s stopped", self.node)

    def _session(self, check_s: float) -> None:
        from sqlalchemy import text

        from storage.cluster_locks import LEADER_LOCK_KEY, holds_advisory_lock, try_advisory_lock

        with self.engine.connect() as conn:
            conn.execute(
                text("SELECT set_config('application_name', :n, false)"),
                {"n": f"brandpulse-scheduler {self.node}"[:63]},
            )
            conn.commit()
            while not self.stop.is_set():
                if not self.leading:
                    if try_advisory_lock(conn, LEADER_LOCK_KEY):
                        self.leading = True
                        self._cron_checked = self._now() - timedelta(seconds=MISFIRE_GRACE_S)
                        logger.info("scheduler %s is the leader", self.node)
                    else:
                        logger.debug("scheduler %s: standing by", self.node)
                        self.stop.wait(check_s)
                        continue
                last_check = 0.0
                import time

                while not self.stop.is_set():
                    if time.monotonic() - last_check >= check_s:
                        if not holds_advisory_lock(conn, LEADER_LOCK_KEY):
                            logger.warning("scheduler %s lost the leader lock", self.node)
                            self.leading = False
                            break
                        last_check = time.monotonic()
                    self.tick()
                    self.stop.wait(TICK_S)
            if self.leading:
                from storage.cluster_locks import LEADER_LOCK_KEY as key

                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
                self.leading = False

    # -- one look at the jobs ---------------------------------------------------------------
    def tick(self) -> list[tuple[str, str]]:
        """Dispatch every job whose current slot no scheduler dispatched yet, and top up
        analysis. Returns the (job, slot) pairs this call dispatched."""
        from storage.cluster import claim_slot

        now = self._now()
        sent: list[tuple[str, str]] = []
        for job in self.jobs:
            for slot in self._due_slots(job, now):
                if claim_slot(self.engine, job=job.name, slot=slot, node=self.node):
                    self._send(job.task, (*job.args, job.name, slot), f"{job.name}@{slot}")
                    sent.append((job.name, slot))
                    logger.info("dispatched %s slot %s", job.name, slot)
        self._cron_checked = now
        self._top_up_analysis()
        return sent

    def _due_slots(self, job: Job, now: datetime) -> list[str]:
        if job.interval_s is not None:
            slot = job.slot_at(now)
            return [slot] if slot else []
        slots = []
        since = self._cron_checked or now
        fire = job.cron.get_next_fire_time(None, since)
        while fire is not None and fire <= now:
            slots.append(fire.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"))
            fire = job.cron.get_next_fire_time(fire, fire + timedelta(seconds=1))
        return slots[-1:]  # coalesce: one digest however many times were missed

    def _top_up_analysis(self) -> None:
        import time

        from storage.cluster import count_pending

        every = self.config.engine.analyse_every_seconds
        if time.monotonic() - self._last_top_up < every:
            return
        self._last_top_up = time.monotonic()
        pending = count_pending(self.engine)
        if not pending:
            return
        from brandpulse.distributed.status import queue_depth

        want = min(MAX_QUEUED_ANALYSE, math.ceil(pending / self.config.analysis.batch_size))
        try:
            queued = queue_depth(self.config)
        except Exception:
            queued = 0
        for _ in range(max(0, want - queued)):
            self._send(tasks.ANALYSE, (), None)
