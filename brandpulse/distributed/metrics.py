"""Prometheus metrics per cluster node: ``brandpulse worker --metrics-listen HOST:PORT``
and ``brandpulse scheduler --metrics-listen HOST:PORT`` serve ``/metrics``.

Each process needs its own port (several workers on one host), so the port is a
per-process option (or ``BRANDPULSE_METRICS_LISTEN``), not ``[metrics] listen``, which
stays the single-process daemon's. Every series carries ``host`` (the machine's hostname)
and ``node`` (the worker's Celery node name, e.g. ``w0@host``, or the scheduler's
``host:pid``); Prometheus adds ``instance`` on top.

Worker (counted in the pool processes by Celery signals, summed by the main process at
scrape time through ``prometheus_client``'s multiprocess mode, in a private directory
removed when the worker exits):

* ``brandpulse_worker_tasks_started_total{host,node,task}`` (``task_prerun``);
* ``brandpulse_worker_tasks_succeeded_total{host,node,task}`` (``task_success``);
* ``brandpulse_worker_tasks_retried_total{host,node,task}`` (``task_retry``: a try failed
  and the next one is scheduled);
* ``brandpulse_worker_tasks_failed_total{host,node,task}`` (``task_failure``);
* ``brandpulse_worker_dead_letters_total{host,node,task}`` failures of the cluster's own
  tasks after their last try (each is a row of ``task_dead_letters``);
* ``brandpulse_worker_task_duration_seconds{host,node,task}`` histogram of one try, from
  ``task_prerun`` to ``task_postrun`` (seconds);
* ``brandpulse_worker_mentions_collected_total{host,node}`` new mentions stored by
  collect and crawl tasks;
* ``brandpulse_worker_mentions_analysed_total{host,node}`` mentions analysed.

Scheduler:

* ``brandpulse_scheduler_leader{host,node}`` 1 while this process holds the leader
  advisory lock, else 0;
* ``brandpulse_scheduler_jobs_dispatched_total{host,node,task}`` tasks sent (job slots
  and analysis top-ups).

No label holds a URL or a config value, so no secret can reach a scrape.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from domain.errors import ConfigError

logger = logging.getLogger(__name__)

#: Environment variable read when ``--metrics-listen`` is not given.
LISTEN_ENV = "BRANDPULSE_METRICS_LISTEN"
#: Task duration buckets, seconds (analyse batches take ms to s, crawls minutes).
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
#: The tasks whose last failure is a dead letter (see :mod:`brandpulse.distributed.tasks`).
OWN_TASK_PREFIX = "brandpulse."


def split_listen(listen: str) -> tuple[str, int]:
    """``"host:port"`` (IPv6 as ``[::1]:9465``) to (host, port); ConfigError otherwise."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"metrics listen address must be host:port, got {listen!r}")
    return host.strip("[]") or "0.0.0.0", int(port)


def _serve(listen: str, registry: CollectorRegistry) -> tuple[Any, Any]:
    from prometheus_client import start_http_server

    host, port = split_listen(listen)
    try:
        server = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:  # most often: another process on this host has the port
        raise ConfigError(f"cannot serve metrics on {listen}: {exc.strerror or exc}") from exc
    logger.info("node metrics at http://%s/metrics", listen)
    return server


class WorkerMetrics:
    """A worker node's counters, fed by Celery signals in its pool processes.

    Build it in the worker's main process before the pool forks (:func:`start_worker`).
    """

    def __init__(self, host: str | None = None) -> None:
        self.host = host or socket.gethostname()
        labels = ["host", "node", "task"]
        self.started = Counter(
            "brandpulse_worker_tasks_started", "Tasks started (each try)", labels
        )
        self.succeeded = Counter("brandpulse_worker_tasks_succeeded", "Tasks succeeded", labels)
        self.retried = Counter(
            "brandpulse_worker_tasks_retried", "Tries failed with a retry scheduled", labels
        )
        self.failed = Counter("brandpulse_worker_tasks_failed", "Tasks failed for good", labels)
        self.dead_letters = Counter(
            "brandpulse_worker_dead_letters", "Cluster tasks failed after their last try", labels
        )
        self.duration = Histogram(
            "brandpulse_worker_task_duration_seconds",
            "Seconds one try of a task took",
            labels,
            buckets=DURATION_BUCKETS,
        )
        self.collected = Counter(
            "brandpulse_worker_mentions_collected",
            "New mentions stored by collect and crawl tasks",
            ["host", "node"],
        )
        self.analysed = Counter(
            "brandpulse_worker_mentions_analysed", "Mentions analysed", ["host", "node"]
        )
        self._started_at: dict[str, float] = {}

    def _labels(self, task: Any) -> tuple[str, str, str]:
        request = getattr(task, "request", None)
        node = str(getattr(request, "hostname", None) or f"{self.host}:{os.getpid()}")
        return self.host, node, str(getattr(task, "name", "unknown"))

    # -- Celery signal receivers (keyword arguments as Celery sends them) -------------------
    def on_prerun(self, sender: Any = None, task_id: str | None = None, **_: Any) -> None:
        self.started.labels(*self._labels(sender)).inc()
        if task_id:
            self._started_at[task_id] = time.monotonic()

    def on_postrun(self, sender: Any = None, task_id: str | None = None, **_: Any) -> None:
        began = self._started_at.pop(task_id or "", None)
        if began is not None:
            self.duration.labels(*self._labels(sender)).observe(time.monotonic() - began)

    def on_success(self, sender: Any = None, result: Any = None, **_: Any) -> None:
        host, node, task = self._labels(sender)
        self.succeeded.labels(host, node, task).inc()
        if isinstance(result, dict):
            new = result.get("inserted", result.get("stored"))
            if isinstance(new, int) and new > 0:
                self.collected.labels(host, node).inc(new)
            analysed = result.get("analysed")
            if isinstance(analysed, int) and analysed > 0:
                self.analysed.labels(host, node).inc(analysed)

    def on_retry(self, sender: Any = None, **_: Any) -> None:
        self.retried.labels(*self._labels(sender)).inc()

    def on_failure(self, sender: Any = None, **_: Any) -> None:
        labels = self._labels(sender)
        self.failed.labels(*labels).inc()
        if labels[2].startswith(OWN_TASK_PREFIX):
            self.dead_letters.labels(*labels).inc()

    def connect(self) -> None:
        """Receive Celery's task signals (weakly held by Celery: keep this object)."""
        from celery import signals

        signals.task_prerun.connect(self.on_prerun, weak=False)
        signals.task_postrun.connect(self.on_postrun, weak=False)
        signals.task_success.connect(self.on_success, weak=False)
        signals.task_retry.connect(self.on_retry, weak=False)
        signals.task_failure.connect(self.on_failure, weak=False)


def _multiprocess_mode() -> str:
    """Switch ``prometheus_client`` to multiprocess mode in a new private directory
    (removed at this process's exit); returns the directory."""
    from prometheus_client import values

    path = tempfile.mkdtemp(prefix="brandpulse-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    values.ValueClass = values.get_value_class()  # metrics made from now on use the files
    owner = os.getpid()

    def cleanup() -> None:
        if os.getpid() == owner:  # not in a forked pool process
            shutil.rmtree(path, ignore_errors=True)

    atexit.register(cleanup)
    return path


def start_worker(listen: str) -> WorkerMetrics:
    """Serve the worker's metrics on ``listen`` (``host:port``) and count its tasks.

    Call in the worker's main process before Celery starts the pool: the pool
    processes inherit the signal receivers and write their counts to files that the
    main process sums at each scrape.
    """
    from prometheus_client import multiprocess

    split_listen(listen)  # a bad address fails before anything else
    _multiprocess_mode()
    metrics = WorkerMetrics()
    metrics.connect()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    _serve(listen, registry)
    return metrics


class SchedulerMetrics:
    """The scheduler's leader gauge and dispatch counter, in their own registry."""

    def __init__(self, node: str, is_leader: Callable[[], bool], host: str | None = None) -> None:
        self.registry = CollectorRegistry()
        self.host = host or socket.gethostname()
        self.node = node
        leader = Gauge(
            "brandpulse_scheduler_leader",
            "1 while this scheduler holds the leader lock",
            ["host", "node"],
            registry=self.registry,
        )
        leader.labels(self.host, node).set_function(lambda: 1.0 if is_leader() else 0.0)
        self.dispatched = Counter(
            "brandpulse_scheduler_jobs_dispatched",
            "Tasks sent by this scheduler (job slots and analysis top-ups)",
            ["host", "node", "task"],
            registry=self.registry,
        )
        self._server: tuple[Any, Any] | None = None

    def counting(self, send: Callable[..., Any]) -> Callable[..., Any]:
        """``send`` (name, args, task id), counting each task it sent."""

        def counted(name: str, args: tuple[Any, ...], task_id: str | None) -> Any:
            result = send(name, args, task_id)
            self.dispatched.labels(self.host, self.node, name).inc()
            return result

        return counted

    def serve(self, listen: str) -> None:
        """Serve ``/metrics`` on ``listen`` (``host:port``) in a background thread."""
        self._server = _serve(listen, self.registry)

    def close(self) -> None:
        if self._server is not None:
            server, thread = self._server
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self._server = None


def start_scheduler(scheduler: Any, listen: str) -> SchedulerMetrics:
    """Serve ``scheduler``'s (a :class:`~brandpulse.distributed.leader.Scheduler`)
    metrics on ``listen`` and count the tasks it sends."""
    split_listen(listen)
    metrics = SchedulerMetrics(scheduler.node, lambda: bool(scheduler.leading))
    scheduler._send = metrics.counting(scheduler._send)  # every task goes through it
    metrics.serve(listen)
    return metrics
