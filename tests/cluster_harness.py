"""A BrandPulse cluster on this machine for tests and ``benchmarks/bench_scale.py``: a fresh
PostgreSQL database, JSON Feeds served by a local HTTP server, and real ``brandpulse
worker`` / ``brandpulse scheduler`` subprocesses on a real broker (Redis or RabbitMQ).

The feed items are real texts (TweetEval, XLM-T and Bulgarian reviews from
``../shared/data/sentiment`` when present, else the same corpora's samples in
``tests/fixtures/sentiment``; their origins are in that folder's README), each naming a
tracked brand, as in ``benchmarks/bench_pipeline.py``.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import http.server
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "BRANDPULSE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BRANDPULSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("BRANDPULSE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")
OWN, RIVAL = "Nimbus", "Zephyrly"
#: How a node is started (``python -m brandpulse.cli`` would register commands twice).
MAIN = "from brandpulse.cli import main; main()"


def corpus() -> list[str]:
    """Real texts in several languages (shared data, else the test fixtures)."""
    shared = Path(os.environ.get("BRANDPULSE_SHARED_DATA", ROOT.parent / "shared" / "data"))
    texts: list[str] = []
    for base in (shared / "sentiment", ROOT / "tests" / "fixtures" / "sentiment"):
        for path in sorted(base.glob("tweeteval/*text*.txt")) + sorted(
            base.glob("xlm-t/*/*text*.txt")
        ):
            texts += [line.strip() for line in path.open(encoding="utf-8") if line.strip()]
        for path in sorted(base.glob("bulgarian/*.csv")):
            with path.open(encoding="utf-8") as handle:
                texts += [row[1].strip() for row in csv.reader(handle) if len(row) > 1]
        if texts:
            break
    return [t for t in texts if 10 <= len(t) <= 400]


def write_feeds(root: Path, n: int, *, per_feed: int, seed: int = 0) -> list[str]:
    """``n`` JSON Feed items (ids ``m0`` ... unique) in files of ``per_feed``; returns the
    file names."""
    rng = random.Random(seed)
    pool = corpus()
    now = datetime.now(UTC)
    names = []
    for k in range(0, n, per_feed):
        items = []
        for i in range(k, min(n, k + per_feed)):
            brand = OWN if rng.random() < 0.6 else RIVAL
            items.append(
                {
                    "id": f"m{i}",
                    "url": f"https://feeds.example.test/item/{i}",
                    "content_text": f"{rng.choice(pool)} {brand} {rng.choice(pool)}",
                    "date_published": (now - timedelta(minutes=rng.uniform(0, 600))).isoformat(),
                }
            )
        name = f"f{k // per_feed:04d}.json"
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": name, "items": items}
        (root / name).write_text(json.dumps(doc), encoding="utf-8")
        names.append(name)
    return names


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 (a free port) until the block ends; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its URL."""
    name = f"bp_cluster_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_config(
    work: Path,
    *,
    database_url: str,
    broker_url: str,
    queue: str,
    base_url: str,
    feeds: list[str],
    per_feed: int,
    batch_size: int = 50,
    extra: str = "",
    engine_extra: str = "",
    visibility_s: float = 30,
) -> Path:
    lines = [
        f'[database]\nurl = "{database_url}"\n',
        f'[[brands]]\nname = "{OWN}"\nown = true\n',
        f'[[brands]]\nname = "{RIVAL}"\n',
        f'[analysis]\nbackend = "vader"\nbatch_size = {batch_size}\n',
        f'[digest]\noutput_dir = "{work}/digests"\n',
        "[engine]\n"
        'kind = "celery"\n'
        f'broker_url = "{broker_url}"\n'
        f'redis_url = "{REDIS_URL}"\n'
        f'queue = "{queue}"\n'
        "leader_check_seconds = 1\n"
        "analyse_every_seconds = 1\n"
        "claim_lease_seconds = 30\n"
        "retry_backoff_max_seconds = 10\n"
        f"visibility_timeout_seconds = {visibility_s}\n" + engine_extra,
    ]
    for name in feeds:
        lines.append(
            f'[[sources]]\nname = "{name[:-5]}"\ntype = "feed"\n'
            f'url = "{base_url}/{name}"\nmax_entries = {per_feed}\n'
        )
    lines.append(extra)
    path = work / "brandpulse.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@dataclass
class Cluster:
    """Worker and scheduler subprocesses of one config; each in its own process group
    (a SIGKILL of the group is a node dying). :meth:`close` ends every one of them."""

    config: Path
    work: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        return env

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = (self.work / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-c", MAIN, *args, "--config", str(self.config)],
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def worker(
        self, name: str, *, concurrency: int = 1, metrics: str | None = None
    ) -> subprocess.Popen[bytes]:
        """Start ``brandpulse worker`` named ``name@test`` (``metrics``: its
        ``--metrics-listen`` address)."""
        extra = ["--metrics-listen", metrics] if metrics else []
        return self._start(
            name, ["worker", "--concurrency", str(concurrency), "--name", f"{name}@test", *extra]
        )

    def scheduler(self, name: str, *, metrics: str | None = None) -> subprocess.Popen[bytes]:
        return self._start(name, ["scheduler", *(["--metrics-listen", metrics] if metrics else [])])

    def kill(self, name: str) -> None:
        """SIGKILL the node ``name`` (its whole process group: worker and pool)."""
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def check_alive(self) -> None:
        """AssertionError naming a node that exited by itself (with its log's tail)."""
        for name, proc in self.procs.items():
            if proc.poll() is not None and proc.returncode != -signal.SIGKILL:
                raise AssertionError(f"{name} exited {proc.returncode}:\n{self.log(name)[-2000:]}")

    def log(self, name: str) -> str:
        return (self.work / f"{name}.log").read_text(errors="replace")

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def wait_for(
    check: Callable[[], bool], *, timeout_s: float, every_s: float = 0.2, what: str = ""
) -> None:
    """Poll ``check`` until true; AssertionError naming ``what`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every_s)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")


def counts(database_url: str) -> dict[str, int]:
    """Mentions, analyses, open claims, mentions analysed more than once, distinct ids."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT (SELECT count(*) FROM mentions), (SELECT count(*) FROM analyses), "
            "(SELECT count(*) FROM analysis_claims WHERE done_at IS NULL), "
            "(SELECT count(*) FROM analysis_claims WHERE commits > 1), "
            "(SELECT count(DISTINCT external_id) FROM mentions)"
        ).fetchone()
    assert row is not None
    keys = ("mentions", "analyses", "open_claims", "duplicated", "distinct_ids")
    return dict(zip(keys, (int(v) for v in row), strict=True))


def purge_redis_queue(queue: str) -> None:
    """Delete a test queue from Redis (with its binding and rate-limit keys) and from
    RabbitMQ (queue and exchange), wherever it was declared."""
    import kombu
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = [
            queue,
            f"_kombu.binding.{queue}",
            f"_kombu.binding_permanent.{queue}",
            *client.keys(f"brandpulse:rate:{queue}:*"),
        ]
        client.delete(*keys)
    finally:
        client.close()
    with contextlib.suppress(Exception), kombu.Connection(AMQP_URL, connect_timeout=3) as conn:
        channel = conn.default_channel
        channel.queue_delete(queue)
        channel.exchange_delete(queue)
