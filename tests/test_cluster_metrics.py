"""Per-node metrics of a real cluster (issue 18, scope 5): a ``brandpulse worker`` (two
pool processes) and a ``brandpulse scheduler`` subprocess on RabbitMQ and a fresh
PostgreSQL database, each serving ``/metrics`` on its own port; the feeds are real texts
served by the harness's local HTTP server (see ``tests/cluster_harness.py``)."""

from __future__ import annotations

import socket
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from cluster_harness import (
    AMQP_URL,
    Cluster,
    counts,
    fresh_database,
    purge_redis_queue,
    serve,
    wait_for,
    write_config,
    write_feeds,
)
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.postgres

N_MENTIONS = 120
PER_FEED = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _scrape(address: str) -> str:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as reply:
        return str(reply.read().decode("utf-8"))


def _samples(text: str, name: str, **labels: str) -> list[tuple[dict[str, str], float]]:
    found = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                found.append((dict(sample.labels), float(sample.value)))
    return found


def _total(text: str, name: str, **labels: str) -> float:
    return sum(value for _, value in _samples(text, name, **labels))


def _scrape_or_empty(address: str) -> str:
    try:
        return _scrape(address)
    except OSError:  # not listening yet
        return ""


@pytest.fixture
def queue() -> Iterator[str]:
    name = f"bp-test-{uuid.uuid4().hex[:8]}"
    yield name
    purge_redis_queue(name)


def test_worker_and_scheduler_serve_node_labelled_metrics_without_secrets(
    tmp_path: Path, queue: str
) -> None:
    password = urlsplit(AMQP_URL).password
    assert password  # the broker URL carries one: it must never be scraped
    root = tmp_path / "feeds"
    root.mkdir()
    names = write_feeds(root, N_MENTIONS, per_feed=PER_FEED, seed=7)
    broken = f"http://127.0.0.1:{_free_port()}/gone.json"  # nothing listens there
    worker_at = f"127.0.0.1:{_free_port()}"
    scheduler_at = f"127.0.0.1:{_free_port()}"
    with fresh_database() as database, serve(root) as base:
        config = write_config(
            tmp_path,
            database_url=database,
            broker_url=AMQP_URL,
            queue=queue,
            base_url=base,
            feeds=names,
            per_feed=PER_FEED,
            batch_size=40,
            engine_extra="max_retries = 1\nretry_backoff_seconds = 0.1\n",
            extra=f'[[sources]]\nname = "broken"\ntype = "feed"\nurl = "{broken}"\n\n'
            "[http]\nretries = 1\nbackoff_seconds = 0\n",
        )
        cluster = Cluster(config, tmp_path)
        try:
            cluster.worker("w0", concurrency=2, metrics=worker_at)
            cluster.scheduler("s0", metrics=scheduler_at)

            def done() -> bool:
                cluster.check_alive()
                text = _scrape_or_empty(worker_at)
                return (
                    _total(text, "brandpulse_worker_mentions_analysed_total") >= N_MENTIONS
                    and _total(text, "brandpulse_worker_dead_letters_total") >= 1
                )

            wait_for(done, timeout_s=25, what="the worker's metrics to count the job")
            worker = _scrape(worker_at)
            scheduler = _scrape(scheduler_at)
        finally:
            cluster.close()
        with psycopg.connect(database) as conn:
            row = conn.execute("SELECT count(*) FROM task_dead_letters").fetchone()
        assert row is not None
        c = counts(database)

    host = socket.gethostname()
    node = {"host": host, "node": "w0@test"}
    # Counts summed over the worker's two pool processes agree with the database.
    assert c["mentions"] == c["analyses"] == N_MENTIONS
    assert _total(worker, "brandpulse_worker_mentions_collected_total", **node) == N_MENTIONS
    assert _total(worker, "brandpulse_worker_mentions_analysed_total", **node) == N_MENTIONS
    collect = {**node, "task": "brandpulse.collect"}
    analyse = {**node, "task": "brandpulse.analyse"}
    assert _total(worker, "brandpulse_worker_tasks_succeeded_total", **collect) >= len(names)
    assert _total(worker, "brandpulse_worker_tasks_succeeded_total", **analyse) >= 3  # 120/40
    # The broken source: one retry, then one failure that is a dead letter (as in the DB).
    assert _total(worker, "brandpulse_worker_tasks_retried_total", **collect) >= 1
    assert _total(worker, "brandpulse_worker_tasks_failed_total", **collect) == 1
    assert _total(worker, "brandpulse_worker_dead_letters_total", **collect) == 1 == row[0]
    started = _total(worker, "brandpulse_worker_tasks_started_total", **collect)
    assert started >= len(names) + 2  # each try counts
    timed = _total(worker, "brandpulse_worker_task_duration_seconds_count", **collect)
    assert timed == started
    assert _total(worker, "brandpulse_worker_task_duration_seconds_sum", **analyse) > 0
    # Every worker series names its node; nothing else is labelled with a node.
    for family in text_string_to_metric_families(worker):
        if family.name.startswith("brandpulse_worker"):
            for sample in family.samples:
                assert sample.labels["host"] == host and sample.labels["node"] == "w0@test"

    leader = _samples(scheduler, "brandpulse_scheduler_leader", host=host)
    assert len(leader) == 1 and leader[0][1] == 1.0
    assert leader[0][0]["node"].startswith(f"{host}:")
    sent = "brandpulse_scheduler_jobs_dispatched_total"
    assert _total(scheduler, sent, task="brandpulse.collect") >= len(names) + 1

    for text in (worker, scheduler):
        assert password not in text and AMQP_URL not in text and database not in text


def test_a_bad_or_taken_metrics_address_stops_the_node_with_exit_2(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from cluster_harness import MAIN, ROOT

    config = write_config(
        tmp_path,
        database_url="postgresql://127.0.0.1:1/never",  # not reached: the address fails first
        broker_url=AMQP_URL,
        queue="bp-test-unused",
        base_url="http://127.0.0.1:1",
        feeds=[],
        per_feed=1,
    )

    def node(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", MAIN, *args, "--config", str(config)],
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
            timeout=60,
        )

    bad = node("worker", "--metrics-listen", "localhost")
    assert bad.returncode == 2 and "must be host:port" in bad.stderr
    bad = node("scheduler", "--metrics-listen", "127.0.0.1:99999")
    assert bad.returncode == 2 and "must be host:port" in bad.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = node("worker", "--metrics-listen", f"127.0.0.1:{port}")
    assert busy.returncode == 2, busy.stderr
    assert f"cannot serve metrics on 127.0.0.1:{port}" in busy.stderr
    assert "guest" not in busy.stdout + busy.stderr


def test_the_scheduler_gauge_follows_the_lock_and_dispatches_are_counted_per_task() -> None:
    """In process: the gauge is read at scrape time from ``Scheduler.leading``; the send
    wrapper counts what the scheduler's ``send`` was given (standby: gauge 0)."""
    from prometheus_client import generate_latest

    from brandpulse.distributed.metrics import SchedulerMetrics

    state = {"leading": False}
    sent: list[tuple[str, tuple[object, ...], str | None]] = []
    metrics = SchedulerMetrics("vm:1", lambda: state["leading"], host="vm")
    send = metrics.counting(lambda name, args, task_id: sent.append((name, args, task_id)))

    def text() -> str:
        return generate_latest(metrics.registry).decode()

    leader = 'brandpulse_scheduler_leader{host="vm",node="vm:1"}'
    assert f"{leader} 0.0" in text()
    state["leading"] = True
    send("brandpulse.collect", ("f0000", "collect:f0000", "2026-12-01T12:00:00"), "x@1")
    send("brandpulse.analyse", (), None)
    send("brandpulse.analyse", (), None)
    assert f"{leader} 1.0" in text()
    assert len(sent) == 3 and sent[0][2] == "x@1"  # passed through unchanged
    assert (
        _total(text(), "brandpulse_scheduler_jobs_dispatched_total", task="brandpulse.analyse") == 2
    )
    assert (
        _total(text(), "brandpulse_scheduler_jobs_dispatched_total", task="brandpulse.collect") == 1
    )
