"""The Celery engine (issue 18) against the real PostgreSQL, Redis and RabbitMQ on this
machine, with real ``brandpulse worker`` and ``brandpulse scheduler`` subprocesses.

Each test has its own database and queue; every process it starts is ended by the
fixture (SIGTERM, then SIGKILL of its process group).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from cluster_harness import (
    AMQP_URL,
    REDIS_URL,
    ROOT,
    Cluster,
    counts,
    fresh_database,
    purge_redis_queue,
    serve,
    wait_for,
    write_config,
    write_feeds,
)

pytestmark = pytest.mark.postgres

N_MENTIONS = 1_500
PER_FEED = 250


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture
def queue() -> Iterator[str]:
    name = f"bp-test-{uuid.uuid4().hex[:8]}"
    yield name
    purge_redis_queue(name)


@pytest.fixture
def feeds(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    root = tmp_path / "feeds"
    root.mkdir()
    names = write_feeds(root, N_MENTIONS, per_feed=PER_FEED)
    with serve(root) as base:
        yield base, names


@pytest.fixture
def cluster_factory(tmp_path: Path) -> Iterator[list[Cluster]]:
    made: list[Cluster] = []
    yield made
    for cluster in made:
        cluster.close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _brandpulse(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", "from brandpulse.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _all_analysed(cluster: Cluster, database: str, n: int) -> bool:
    cluster.check_alive()
    try:
        c = counts(database)
    except psycopg.errors.UndefinedTable:  # not migrated yet
        return False
    return c["mentions"] >= n and c["analyses"] == c["mentions"]


def test_three_workers_collect_and_analyse_every_mention_once_with_a_dead_letter(
    tmp_path: Path,
    database: str,
    queue: str,
    feeds: tuple[str, list[str]],
    cluster_factory: list[Cluster],
) -> None:
    base, names = feeds
    broken = f"http://127.0.0.1:{_closed_port()}/gone.json"
    config = write_config(
        tmp_path,
        database_url=database,
        broker_url=REDIS_URL,
        queue=queue,
        base_url=base,
        feeds=names,
        per_feed=PER_FEED,
        engine_extra="max_retries = 1\nretry_backoff_seconds = 0.1\n",
        extra=f'[[sources]]\nname = "broken"\ntype = "feed"\nurl = "{broken}"\n\n'
        "[http]\nretries = 1\nbackoff_seconds = 0\n",
    )
    cluster = Cluster(config, tmp_path)
    cluster_factory.append(cluster)
    for i in range(3):
        cluster.worker(f"w{i}")
    cluster.scheduler("s0")

    wait_for(
        lambda: _all_analysed(cluster, database, N_MENTIONS),
        timeout_s=120,
        what="every mention collected and analysed",
    )
    c = counts(database)
    assert c["mentions"] == c["distinct_ids"] == N_MENTIONS  # no loss, nothing twice
    assert c["analyses"] == N_MENTIONS
    assert c["duplicated"] == 0 and c["open_claims"] == 0
    with psycopg.connect(database) as conn:
        stored = {r[0] for r in conn.execute("SELECT external_id FROM mentions")}
        analysed_by = conn.execute("SELECT count(*) FROM analysis_claims").fetchone()
    assert stored == {f"m{i}" for i in range(N_MENTIONS)}
    assert analysed_by == (N_MENTIONS,)  # every analysis went through a claim

    # The broken source: retried once, then a dead letter in source health and status.
    def dead_letter() -> tuple[str, str] | None:
        with psycopg.connect(database) as conn:
            row = conn.execute(
                "SELECT d.subject, s.last_error FROM task_dead_letters d "
                "JOIN sources s ON s.name = d.subject WHERE d.task = 'brandpulse.collect'"
            ).fetchone()
        return (str(row[0]), str(row[1])) if row else None

    wait_for(lambda: dead_letter() is not None, timeout_s=30, what="the dead letter")
    subject, last_error = dead_letter() or ("", "")
    assert subject == "broken"
    assert last_error.startswith("dead letter: brandpulse.collect failed after 2 tries")

    status = _brandpulse("status", "--config", str(config))
    assert status.returncode == 0, status.stderr
    assert "workers: 3 (w0@test, w1@test, w2@test)" in status.stdout
    assert "scheduler leader: brandpulse-scheduler" in status.stdout
    assert "analysis: 0 pending, 0 claimed now, 0 analysed twice" in status.stdout
    assert "dead letters: 1" in status.stdout and "brandpulse.collect broken" in status.stdout
    sources = _brandpulse("sources", "--config", str(config))
    assert "dead letter" in sources.stdout


def test_a_worker_killed_mid_task_loses_nothing_on_rabbitmq(
    tmp_path: Path,
    database: str,
    queue: str,
    feeds: tuple[str, list[str]],
    cluster_factory: list[Cluster],
) -> None:
    base, names = feeds
    config = write_config(
        tmp_path,
        database_url=database,
        broker_url=AMQP_URL,
        queue=queue,
        base_url=base,
        feeds=names,
        per_feed=PER_FEED,
        batch_size=100,
    )
    cluster = Cluster(config, tmp_path)
    cluster_factory.append(cluster)
    workers = {name: cluster.worker(name) for name in ("w0", "w1")}
    wait_for(
        lambda: all(" ready." in cluster.log(n) for n in workers),
        timeout_s=60,
        what="both workers ready",
    )
    # No scheduler: only Celery's redelivery of the killed worker's task can finish it.
    from brandpulse.cli_common import load
    from brandpulse.distributed.app import client
    from brandpulse.distributed.tasks import COLLECT

    app = client(load(config))
    for name in names:
        app.send_task(COLLECT, args=(name[:-5],), queue=queue)

    killed: list[tuple[str, list[int]]] = []

    def kill_a_claim_holder() -> bool:
        cluster.check_alive()
        try:
            with psycopg.connect(database) as conn:
                rows = conn.execute(
                    "SELECT pid, array_agg(mention_id) FROM analysis_claims "
                    "WHERE done_at IS NULL GROUP BY pid LIMIT 1"
                ).fetchall()
        except psycopg.errors.UndefinedTable:
            return False
        for pid, ids in rows:
            try:
                group = os.getpgid(int(pid))
            except ProcessLookupError:
                continue
            name = next((n for n, p in workers.items() if p.pid == group), None)
            if name is not None:
                cluster.kill(name)  # the worker and its pool process, mid-analysis
                killed.append((name, list(ids)))
                return True
        return False

    wait_for(kill_a_claim_holder, timeout_s=60, every_s=0.02, what="a worker mid-analysis")
    wait_for(
        lambda: _all_analysed(cluster, database, N_MENTIONS),
        timeout_s=120,
        what="every mention analysed after the kill",
    )
    c = counts(database)
    assert c["mentions"] == c["distinct_ids"] == c["analyses"] == N_MENTIONS
    assert c["duplicated"] == 0 and c["open_claims"] == 0
    name, ids = killed[0]
    with psycopg.connect(database) as conn:
        done = conn.execute(
            "SELECT count(*) FROM analyses WHERE mention_id = ANY(%s)", (ids,)
        ).fetchone()
    assert done == (len(ids),)  # the killed task's mentions were analysed by the other
    assert workers[name].returncode == -signal.SIGKILL

    status = _brandpulse("status", "--config", str(config))
    assert "broker: amqp://guest:***@127.0.0.1:5672//" in status.stdout
    assert ":guest@" not in status.stdout + status.stderr


def test_the_scheduler_killed_another_takes_over_and_no_slot_runs_twice(
    tmp_path: Path,
    database: str,
    queue: str,
    cluster_factory: list[Cluster],
) -> None:
    feeds_dir = tmp_path / "feeds"
    feeds_dir.mkdir()
    names = write_feeds(feeds_dir, 40, per_feed=20)
    with serve(feeds_dir) as base:
        config = write_config(
            tmp_path,
            database_url=database,
            broker_url=REDIS_URL,
            queue=queue,
            base_url=base,
            feeds=names,
            per_feed=20,
            extra="[delivery]\ntick_seconds = 5\n",
        )
        cluster = Cluster(config, tmp_path)
        cluster_factory.append(cluster)
        cluster.worker("w0")
        first = cluster.scheduler("s0")
        wait_for(lambda: "is the leader" in cluster.log("s0"), timeout_s=60, what="a leader")
        second = cluster.scheduler("s1")

        def slots_by(pid: int) -> list[tuple[str, str, str, int]]:
            with psycopg.connect(database) as conn:
                rows = conn.execute("SELECT job, slot, node, runs FROM schedule_slots").fetchall()
            return [r for r in rows if str(r[2]).endswith(f":{pid}")]

        wait_for(
            lambda: sum(job == "deliver" for job, *_ in slots_by(first.pid)) >= 2,
            timeout_s=60,
            what="two delivery slots from the first scheduler",
        )
        assert not slots_by(second.pid)  # the standby dispatched nothing
        cluster.kill("s0")
        # A minute at most (here the standby tries the lock every second).
        wait_for(lambda: bool(slots_by(second.pid)), timeout_s=60, what="the standby to lead")
        wait_for(
            lambda: sum(job == "deliver" for job, *_ in slots_by(second.pid)) >= 1,
            timeout_s=30,
            what="a delivery slot from the new leader",
        )

        def all_finished() -> bool:
            with psycopg.connect(database) as conn:
                row = conn.execute("SELECT count(*) FROM schedule_slots WHERE runs = 0").fetchone()
            return row == (0,)

        wait_for(all_finished, timeout_s=60, what="every dispatched slot to run")
        with psycopg.connect(database) as conn:
            rows = conn.execute("SELECT job, slot, runs FROM schedule_slots").fetchall()
        assert rows and all(runs == 1 for _job, _slot, runs in rows), rows
        nodes = {str(n).rsplit(":", 1)[1] for _j, _s, n, _r in slots_by(first.pid)} | {
            str(n).rsplit(":", 1)[1] for _j, _s, n, _r in slots_by(second.pid)
        }
        assert nodes == {str(first.pid), str(second.pid)}
        collect_slots = [(j, s) for j, s, _r in rows if j.startswith("collect:")]
        assert len(collect_slots) == len(set(collect_slots))


def test_claims_never_overlap_and_a_dead_claim_is_taken_over(database: str) -> None:
    from datetime import UTC, datetime

    from storage import Mention, Repository, init_db, make_engine
    from storage.cluster import claim_pending, finish_claims, renew_claims

    engine = make_engine(database)
    init_db(engine)
    repo = Repository(engine)
    repo.sync_brands([("Nimbus", True)])
    repo.save_mentions(
        "s",
        [
            Mention(
                source="s",
                external_id=f"x{i}",
                url=f"https://example.test/{i}",
                text=f"Nimbus post {i}",
                published_at=datetime(2026, 1, 1, tzinfo=UTC),
                brands=("Nimbus",),
            )
            for i in range(300)
        ],
    )
    got: dict[str, list[int]] = {}

    def claim(owner: str) -> None:
        got[owner] = claim_pending(engine, owner=owner, pid=1, limit=40, lease_s=60)

    threads = [threading.Thread(target=claim, args=(f"t{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [mid for ids in got.values() for mid in ids]
    assert len(claimed) == len(set(claimed))  # never one mention in two claims
    assert all(ids for ids in got.values()) and len(claimed) <= 240
    rest = claim_pending(engine, owner="rest", pid=1, limit=1000, lease_s=60)
    assert sorted(claimed + rest) == sorted(set(claimed + rest)) and len(claimed + rest) == 300
    from sqlalchemy import text

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM analysis_claims WHERE owner = 'rest'"))
    # A redelivered task takes its own claims back first.
    assert claim_pending(engine, owner="t0", pid=2, limit=40, lease_s=60) == got["t0"]
    # A lease that ran out (its worker died) goes to the next claimer; the old owner can
    # no longer save.
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE analysis_claims SET lease_until = '2000-01-01' WHERE owner = 't1'")
        )
    taken = claim_pending(engine, owner="late", pid=3, limit=100, lease_s=60)
    assert set(got["t1"]) <= set(taken)
    assert renew_claims(engine, owner="t1", ids=got["t1"], lease_s=60) == []
    assert finish_claims(engine, owner="late", ids=taken) == len(taken)
    engine.dispose()


def test_the_crawl_rate_limit_is_shared_between_nodes() -> None:
    from brandpulse.distributed.ratelimit import DomainRateLimit, domain_of

    prefix = f"brandpulse:rate:test-{uuid.uuid4().hex[:8]}:"
    # Two nodes (two clients) on one bucket of one token per 100 s.
    a = DomainRateLimit(REDIS_URL, interval_s=100, prefix=prefix)
    b = DomainRateLimit(REDIS_URL, interval_s=100, prefix=prefix)
    try:
        domain = domain_of("https://Reviews.Example.test/page?x=1")
        assert domain == "reviews.example.test"
        assert a.acquire(domain) == 0.0
        wait = b.acquire(domain)
        assert 90 < wait <= 100  # the other node must wait for the next token
        assert a.acquire(domain) > 90
        assert b.acquire("other.example.test") == 0.0  # domains are independent
        assert DomainRateLimit(REDIS_URL, interval_s=0, prefix=prefix).acquire(domain) == 0.0
    finally:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        client.delete(*client.keys(f"{prefix}*") or ["none"])
        client.close()
        a.close()
        b.close()


def _config_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(
        f'[database]\nurl = "postgresql://u@127.0.0.1/db"\n[[brands]]\nname = "Nimbus"\n{body}',
        encoding="utf-8",
    )
    return path


def test_the_engine_switch_is_checked_and_the_broker_password_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brandpulse.config import ConfigError, load_config
    from brandpulse.config_engine import shown_url

    assert load_config(_config_file(tmp_path, "")).engine.kind == "single"  # the default
    with pytest.raises(ConfigError, match=r"engine\.broker_url is required"):
        load_config(_config_file(tmp_path, '[engine]\nkind = "celery"\n'))
    with pytest.raises(ConfigError, match="scheme 'http' is not a supported broker"):
        load_config(_config_file(tmp_path, '[engine]\nbroker_url = "http://x"\n'))
    with pytest.raises(ConfigError, match="must be longer than retry_backoff_max_seconds"):
        load_config(
            _config_file(
                tmp_path,
                '[engine]\nkind = "celery"\nbroker_url = "redis://h/0"\n'
                "visibility_timeout_seconds = 60\n",
            )
        )
    sqlite = tmp_path / "s.toml"
    sqlite.write_text(
        '[[brands]]\nname = "N"\n[engine]\nkind = "celery"\nbroker_url = "redis://h/0"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"needs a PostgreSQL database\.url"):
        load_config(sqlite)

    monkeypatch.setenv("BP_TEST_BROKER", "amqp://bp:s3cr3t-pass@mq.internal:5672/bp")
    path = _config_file(
        tmp_path, '[engine]\nkind = "celery"\nbroker_url = "${BP_TEST_BROKER}"\nqueue = ""\n'
    )
    result = _brandpulse("config", "check", "--config", str(path))
    assert result.returncode == 2
    assert "s3cr3t-pass" not in result.stdout + result.stderr
    assert "engine.queue" in result.stderr
    assert (
        shown_url("amqp://bp:s3cr3t-pass@mq.internal:5672/bp")
        == "amqp://bp:***@mq.internal:5672/bp"
    )
    assert shown_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"

    single = _brandpulse("status", "--config", str(_config_file(tmp_path, "")))
    assert single.returncode == 0 and single.stdout.startswith("engine: single")


def test_crawl_tasks_share_one_domain_budget_across_the_cluster(
    tmp_path: Path, database: str, queue: str, cluster_factory: list[Cluster]
) -> None:
    """Two start URLs on one domain: the first crawl runs (Scrapy in its subprocess, on a
    worker), the second is deferred by the shared Redis bucket instead of hitting the site
    at once. Saved pages: the schema.org product pages of ``tests/fixtures/pages``."""
    from replay_server import ReplayServer

    pages_dir = ROOT / "tests" / "fixtures" / "pages"
    pages = {
        "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /private/\n"),
        "/shop/kettle-k2": ("text/html", (pages_dir / "schema_product_p1.html").read_bytes()),
        "/shop/kettle-k3": ("text/html", (pages_dir / "schema_product_p2.html").read_bytes()),
    }
    with ReplayServer(pages=pages) as server:
        crawl = (
            '[[crawls]]\nname = "kettles"\nspider = "reviews"\nbrand = "Nimbus"\n'
            f'urls = ["{server.url}/shop/kettle-k2", "{server.url}/shop/kettle-k3"]\n'
            "download_delay = 0\nmax_pages = 1\n"
        )
        config = write_config(
            tmp_path,
            database_url=database,
            broker_url=REDIS_URL,
            queue=queue,
            base_url=server.url,
            feeds=[],
            per_feed=1,
            extra=crawl,
            engine_extra="crawl_domain_interval_seconds = 600\n",
            visibility_s=1200,
        )
        cluster = Cluster(config, tmp_path)
        cluster_factory.append(cluster)
        cluster.worker("w0")
        wait_for(lambda: " ready." in cluster.log("w0"), timeout_s=60, what="the worker")
        from brandpulse.cli_common import load
        from brandpulse.distributed.app import client
        from brandpulse.distributed.tasks import CRAWL

        app = client(load(config))
        for path in ("kettle-k2", "kettle-k3"):
            app.send_task(CRAWL, args=("kettles", f"{server.url}/shop/{path}"), queue=queue)

        def both_handled() -> bool:
            cluster.check_alive()
            log = cluster.log("w0")
            return "'stored':" in log and "'deferred_s':" in log

        wait_for(both_handled, timeout_s=90, what="one crawl run and one deferred")
        crawled = [r.path for r in server.requests if r.path.startswith("/shop/")]
        assert len(crawled) == 1  # the second URL of the domain waits for its token
        with psycopg.connect(database) as conn:
            row = conn.execute("SELECT count(*) FROM mentions WHERE source = 'kettles'").fetchone()
        assert row is not None and row[0] > 0
