"""Cluster commands (issue 18): ``brandpulse worker``, ``brandpulse scheduler`` and
``brandpulse status``. Registered on :data:`brandpulse.cli.app` by importing this module.

``worker`` and ``scheduler`` need ``[engine] kind = "celery"`` and the ``distributed``
extra (``pip install 'brandpulse[distributed]'``); ``status`` works in either mode.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from typing import Annotated, Any

import typer

from brandpulse.cli import app
from brandpulse.cli_common import EXIT_FAILED, ConfigOption, VerboseOption, load, setup_logging
from domain.errors import ConfigError

logger = logging.getLogger(__name__)

#: Thread-count variables of numpy's BLAS and OpenMP, set per worker (unless already set).
BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _cluster_config(config: Any) -> Any:
    cfg = load(config)
    if cfg.engine.kind != "celery":
        raise ConfigError(
            'this command runs a cluster node: set [engine] kind = "celery" and broker_url '
            "(one machine needs none of it: use `brandpulse run`)"
        )
    try:
        import celery  # noqa: F401
    except ImportError:
        raise ConfigError(
            "Celery is not installed: pip install 'brandpulse[distributed]'"
        ) from None
    return cfg


#: ``--metrics-listen``: a per-process port (see :mod:`brandpulse.distributed.metrics`).
MetricsListenOption = Annotated[
    str | None,
    typer.Option(
        envvar="BRANDPULSE_METRICS_LISTEN",
        help='Serve this node\'s Prometheus metrics at "host:port"/metrics (one port per '
        "process; default: none).",
    ),
]


@app.command()
def worker(
    config: ConfigOption = None,
    concurrency: Annotated[
        int | None,
        typer.Option(help="Worker processes on this node (default: one per CPU core)."),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="Node name shown by `status` (default: brandpulse-PID@host).")
    ] = None,
    metrics_listen: MetricsListenOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Run a Celery worker node: collect, crawl, analyse and deliver tasks from the queue.
    Migrates the shared database first (one node at a time). Stops on SIGTERM after the
    tasks in progress (a SIGKILL loses nothing either: unacknowledged tasks go back to
    the queue, claimed mentions are taken over after their lease)."""
    setup_logging(verbose)
    cfg = _cluster_config(config)
    from brandpulse.distributed.app import CONFIG_ENV, configure
    from brandpulse.distributed.node import Node, prepare_database

    if cfg.path is not None:
        os.environ[CONFIG_ENV] = str(cfg.path)
    processes = concurrency or os.cpu_count() or 1
    # One BLAS/OpenMP thread pool per pool process, sized to share the node's cores:
    # N processes each with a pool of all cores thrash (set before numpy is imported).
    threads = str(max(1, (os.cpu_count() or 1) // processes))
    for var in BLAS_THREAD_VARS:
        os.environ.setdefault(var, threads)
    if metrics_listen:
        from brandpulse.distributed.metrics import start_worker

        start_worker(metrics_listen)  # before the pool forks
    prepare_database(cfg)
    Node.set_config(cfg)
    celery_app = configure(cfg)
    argv = [
        "worker",
        "--loglevel",
        "DEBUG" if verbose else "INFO",
        "-Q",
        cfg.engine.queue,
        "-n",
        name or f"brandpulse-{os.getpid()}@%h",
        "--pool",
        "prefork",
        "--concurrency",
        str(processes),
        "--without-gossip",
        "--without-mingle",
    ]
    celery_app.worker_main(argv)


@app.command()
def scheduler(
    config: ConfigOption = None,
    metrics_listen: MetricsListenOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Run a scheduler node: run it on two or more nodes; one leads (PostgreSQL advisory
    lock) and dispatches every job slot once; another takes over within
    ``engine.leader_check_seconds`` of the leader's death. Stops on SIGTERM/SIGINT."""
    setup_logging(verbose)
    cfg = _cluster_config(config)
    from brandpulse.distributed.leader import Scheduler
    from brandpulse.distributed.node import prepare_database

    if metrics_listen:
        from brandpulse.distributed.metrics import split_listen

        split_listen(metrics_listen)  # a bad address fails before anything starts
    prepare_database(cfg)
    stop = threading.Event()

    def on_stop(_signum: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    node = Scheduler(cfg, stop=stop)
    metrics = None
    if metrics_listen:
        from brandpulse.distributed.metrics import start_scheduler

        metrics = start_scheduler(node, metrics_listen)
    try:
        node.run()
    finally:
        if metrics is not None:
            metrics.close()


@app.command()
def status(config: ConfigOption = None) -> None:
    """The engine and, for a cluster: workers answering, messages waiting in the queue,
    the scheduler leader, analysis left, dead letters (exit 1 when the broker or the
    database cannot be reached)."""
    cfg = load(config)
    if cfg.engine.kind != "celery":
        typer.echo("engine: single (one process: `brandpulse run`; see `brandpulse sources`)")
        return
    cfg = _cluster_config(config)
    from brandpulse.distributed.status import cluster_status
    from domain.redact import redact

    report = cluster_status(cfg)
    for line in report.lines():
        typer.echo(redact(line) if line.startswith(("error", "  ")) else line)
    if report.errors:
        raise typer.Exit(EXIT_FAILED)
