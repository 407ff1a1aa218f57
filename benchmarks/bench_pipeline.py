"""End-to-end throughput benchmark (issue 14): ``python benchmarks/bench_pipeline.py``.

For each N (``BENCH_N=10000,100000`` by default, 1,000,000 added with ``BENCH_FULL=1``) it
generates N realistic mentions: real texts in several languages (TweetEval, XLM-T in 8
languages, Bulgarian reviews from ../shared/data; the test fixtures when it is absent), each
naming a tracked brand (one in ten naming both), about 3% exact cross-posts and 3%
near-duplicates (retweets, truncated copies), with timestamps spread over 30 days. They are
served as JSON Feeds by a local HTTP server (``cluster_harness.serve``, with conditional
GET) and collected by the real feed listener through the real pipeline.

Printed per N, as ``RESULT name value unit`` lines (ratios are against baselines measured
in the same run, so they hold on a loaded machine):

* ``e2e_<backend>_<N>``: mentions/s of one full cycle (collect, analyze, group, alert,
  topics, digest, report) on an empty database; backends ``vader`` at every N and the
  default (``auto``) at ``BENCH_DEFAULT_N`` (default 2,000; 0 skips it), with
  ``classify_auto`` (its own ``brandpulse classify`` speed on the same texts) and their ratio;
* ``ingest_ratio_<N>``: ``Repository.save_mentions`` (500-row batches, brand links) rows/s
  divided by a raw DB-API ``executemany`` of the same rows into the same schema; with
  ``BENCH_POSTGRES_URL`` (an admin URL, e.g. ``postgresql://postgres@127.0.0.1:5432/postgres``)
  the same on PostgreSQL in a temporary database, also against ``COPY``
  (``ingest_pg_ratio_<N>``, ``ingest_pg_over_copy_<N>``);
* ``idle_cycle_<N>``: a full cycle when nothing is new (feeds answer 304);
* ``export_rss_<N>``: peak RSS of ``brandpulse export`` (JSONL) in a subprocess;
* ``digest_<N>`` / ``report_<N>``: ``Pipeline.deliver`` and topics + competitor report;
* ``cost_ratio``: per-mention end-to-end time at the largest N over the smallest;
* ``alert_latency_p50/p95_<N>``: from a negative mention appearing in a feed to its alert,
  with the daemon's poll (collect, analyze, group, alert) every ``BENCH_POLL_S`` seconds
  (default 10) on the database holding N mentions.
"""

from __future__ import annotations

import json
import logging
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from cluster_harness import corpus, serve  # noqa: E402  (real texts; a local file server)

from brandpulse.config import load_config  # noqa: E402
from brandpulse.pipeline import Pipeline  # noqa: E402
from domain.records import Mention  # noqa: E402
from storage import Repository, init_db, make_engine  # noqa: E402
from storage.mentions import _mention_row  # noqa: E402

T = TypeVar("T")
OWN, RIVAL = "Nimbus", "Zephyrly"
FEED_SIZE = 2_000  # entries per JSON Feed file
NEGATIVE = [
    "{b} is down again, I lost a whole day of work. Terrible.",
    "Absolutely furious with {b}: charged twice and support never answers.",
    "{b} deleted my files after the update, worst app ever, I hate it.",
    "Horrible experience with {b} today, the app keeps crashing and crashing.",
]


def generate(n: int, seed: int = 0) -> list[dict[str, object]]:
    """N JSON Feed items over 30 days (ids unique; ~3% exact and ~3% near duplicates)."""
    rng = random.Random(seed)
    pool = corpus()
    now = datetime.now(UTC)
    items: list[dict[str, object]] = []
    for i in range(n):
        roll = rng.random()
        if items and roll < 0.03:
            text = str(rng.choice(items)["content_text"])  # cross-post: same text
        elif items and roll < 0.06:
            base = str(rng.choice(items)["content_text"])
            text = f"RT @user{rng.randrange(999)}: {base}" if rng.random() < 0.5 else base[:-3]
        else:
            brand = OWN if rng.random() < 0.6 else RIVAL
            middle = f"switched from {RIVAL} to {OWN}." if rng.random() < 0.1 else f"{brand}"
            text = f"{rng.choice(pool)} {middle} {rng.choice(pool)}"
        published = now - timedelta(seconds=rng.uniform(0, 30 * 86_400))
        items.append(
            {
                "id": f"m{i}",
                "url": f"https://feeds.example.test/item/{i}",
                "content_text": text,
                "date_published": published.isoformat(),
            }
        )
    return items


def write_feeds(items: list[dict[str, object]], root: Path, prefix: str = "f") -> list[str]:
    names = []
    for k in range(0, len(items), FEED_SIZE):
        name = f"{prefix}{k // FEED_SIZE:04d}.json"
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": name}
        doc["items"] = items[k : k + FEED_SIZE]  # type: ignore[assignment]
        (root / name).write_text(json.dumps(doc), encoding="utf-8")
        names.append(name)
    return names


def write_config(work: Path, base_url: str, feeds: list[str], backend: str) -> Path:
    lines = [
        f'[database]\nurl = "sqlite:///{work}/bp.db"\n',
        f'[[brands]]\nname = "{OWN}"\nown = true\n',
        f'[[brands]]\nname = "{RIVAL}"\n',
        f'[analysis]\nbackend = "{backend}"\n',
        f'[digest]\noutput_dir = "{work}/digests"\n',
    ]
    for name in feeds:
        lines.append(
            f'[[sources]]\nname = "{name[:-5]}"\ntype = "feed"\n'
            f'url = "{base_url}/{name}"\nmax_entries = {FEED_SIZE}\n'
        )
    path = work / "brandpulse.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def result(name: str, value: float, unit: str) -> None:
    print(f"RESULT {name} {value:.4g} {unit}", flush=True)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _ingest_mentions(items: list[dict[str, object]]) -> list[Mention]:
    """The generated feed items as the Mention records both ingest measurements write."""
    return [
        Mention(
            source="ingest",
            external_id=str(it["id"]),
            url=str(it["url"]),
            text=str(it["content_text"]),
            published_at=datetime.fromisoformat(str(it["date_published"])),
            brands=(OWN,),
        )
        for it in items
    ]


def ingest_ratio(n: int, items: list[dict[str, object]], work: Path) -> float:
    """save_mentions rows/s over a raw executemany of the same rows (same schema)."""
    now = datetime.now(UTC)
    mentions = _ingest_mentions(items)
    raw_db, repo_db = work / "raw.db", work / "repo.db"
    for db in (raw_db, repo_db):
        db.unlink(missing_ok=True)
        init_db(make_engine(f"sqlite:///{db}"))
    rows = [_mention_row(m, now) for m in mentions]
    for row in rows:  # what the UTC type stores: naive UTC
        for key in ("published_at", "collected_at"):
            if row[key] is not None:
                row[key] = row[key].astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    columns = list(rows[0])
    sql = f"INSERT INTO mentions ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    con = sqlite3.connect(raw_db)
    start = time.perf_counter()
    for k in range(0, len(rows), 500):
        con.executemany(sql, [tuple(r[c] for c in columns) for r in rows[k : k + 500]])
        con.commit()
    raw = time.perf_counter() - start
    con.close()
    repo = Repository(make_engine(f"sqlite:///{repo_db}"))
    repo.sync_brands([(OWN, True)])
    start = time.perf_counter()
    for k in range(0, len(mentions), 500):
        repo.save_mentions("ingest", mentions[k : k + 500])
    ours = time.perf_counter() - start
    result(f"ingest_raw_{n}", n / raw, "rows/s")
    result(f"ingest_repo_{n}", n / ours, "rows/s")
    return raw / ours


def ingest_ratio_postgres(n: int, items: list[dict[str, object]], admin_url: str) -> None:
    """On PostgreSQL (a temporary database on the server of ``admin_url``): save_mentions
    rows/s over a raw psycopg ``executemany`` and over ``COPY`` of the same rows."""
    import uuid

    import psycopg

    name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    try:
        now = datetime.now(UTC)
        mentions = _ingest_mentions(items)
        engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        init_db(engine)
        rows = [_mention_row(m, now) for m in mentions]
        columns = list(rows[0])
        values = [tuple(r[c] for c in columns) for r in rows]
        names = ", ".join(columns)
        sql = f"INSERT INTO mentions ({names}) VALUES ({', '.join('%s' for _ in columns)})"
        timings: dict[str, float] = {}
        with psycopg.connect(url) as conn:
            start = time.perf_counter()
            for k in range(0, len(values), 500):
                with conn.cursor() as cur:
                    cur.executemany(sql, values[k : k + 500])
                conn.commit()
            timings["raw"] = time.perf_counter() - start
            conn.execute("DELETE FROM mentions")
            conn.commit()
            start = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY mentions ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            conn.commit()
            timings["copy"] = time.perf_counter() - start
            conn.execute("DELETE FROM mentions")
            conn.commit()
        repo = Repository(engine)
        repo.sync_brands([(OWN, True)])
        start = time.perf_counter()
        for k in range(0, len(mentions), 500):
            repo.save_mentions("ingest", mentions[k : k + 500])
        ours = time.perf_counter() - start
        engine.dispose()
        result(f"ingest_pg_repo_{n}", n / ours, "rows/s")
        result(f"ingest_pg_raw_{n}", n / timings["raw"], "rows/s")
        result(f"ingest_pg_copy_{n}", n / timings["copy"], "rows/s")
        result(f"ingest_pg_ratio_{n}", timings["raw"] / ours, "x_raw_executemany")
        result(f"ingest_pg_over_copy_{n}", timings["copy"] / ours, "x_copy")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def export_rss(config: Path, work: Path) -> float:
    code = (
        "import sys\n"
        "from brandpulse.cli import app\n"
        "sys.argv = ['brandpulse', 'export', '--config', sys.argv[1], '-o', sys.argv[2]]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        # VmHWM, not ru_maxrss: getrusage keeps the (large) parent's peak across exec.
        "print(next(int(line.split()[1]) for line in open('/proc/self/status')\n"
        "           if line.startswith('VmHWM:')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(config), str(work / "export.jsonl")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return int(out.stdout.strip().splitlines()[-1]) / 1024  # KiB → MiB


def alert_latency(pipeline: Pipeline, served: Path, poll_s: float, n: int) -> list[float]:
    """Negative mentions appear in one feed at random moments; a poll loop like the
    daemon's (collect, analyze, group, alert) runs every ``poll_s`` seconds."""
    feed = served / "live.json"
    items: list[dict[str, object]] = []
    appeared: dict[str, float] = {}
    rng = random.Random(n)
    count, span = 12, poll_s * 4

    def publish() -> None:
        for i in range(count):
            time.sleep(rng.uniform(0, span / count))
            ext = f"live{n}-{i}"
            items.insert(
                0,
                {
                    "id": ext,
                    "url": f"https://feeds.example.test/live/{ext}",
                    "content_text": rng.choice(NEGATIVE).format(b=OWN) + f" (case {n}-{i})",
                    "date_published": datetime.now(UTC).isoformat(),
                },
            )
            doc = {"version": "https://jsonfeed.org/version/1.1", "title": "live", "items": items}
            tmp = feed.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc), encoding="utf-8")
            tmp.replace(feed)
            appeared[ext] = time.time()

    writer = threading.Thread(target=publish)
    feed.write_text('{"version": "https://jsonfeed.org/version/1.1", "items": []}')
    writer.start()
    raised: dict[str, float] = {}
    deadline = time.time() + span + 3 * poll_s + 60
    while time.time() < deadline and len(raised) < count:
        tick = time.time()
        pipeline.collect(only={"live"})
        pipeline.analyze()
        pipeline.group_stories()
        pipeline.raise_alerts()
        done = time.time()
        for ext in list(appeared):
            if ext not in raised and _has_alert(pipeline, ext):
                raised[ext] = done
        time.sleep(max(0.0, poll_s - (time.time() - tick)))
    writer.join()
    return [raised[e] - appeared[e] for e in raised]


def _has_alert(pipeline: Pipeline, external_id: str) -> bool:
    from sqlalchemy import text

    with pipeline.repo.engine.connect() as conn:
        return (
            conn.execute(
                text(
                    "SELECT 1 FROM alerts JOIN mentions ON mentions.id = alerts.mention_id "
                    "WHERE mentions.source = 'live' AND mentions.external_id = :e"
                ),
                {"e": external_id},
            ).first()
            is not None
        )


def report_step(pipeline: Pipeline) -> list[Path]:
    """Topics and the competitor report, as the daemon's digest job runs them."""
    return pipeline.write_competitor_report(pipeline.update_topics())


def run_size(n: int, backends: list[str], poll_s: float) -> dict[str, float]:
    figures: dict[str, float] = {}
    work = Path(tempfile.mkdtemp(prefix=f"bench-pipeline-{n}-"))
    served = work / "served"
    served.mkdir()
    try:
        items = generate(n)
        feeds = write_feeds(items, served)
        if "vader" in backends:
            figures["ingest_ratio"] = ratio = ingest_ratio(n, items, work)
            result(f"ingest_ratio_{n}", ratio, "x_raw_executemany")
            if os.environ.get("BENCH_POSTGRES_URL"):
                ingest_ratio_postgres(n, items, os.environ["BENCH_POSTGRES_URL"])
        with serve(served) as base_url:
            for backend in backends:
                db = work / "bp.db"
                db.unlink(missing_ok=True)
                shutil.rmtree(work / "digests", ignore_errors=True)
                config_path = write_config(work, base_url, [*feeds, "live.json"], backend)
                (served / "live.json").write_text('{"version": "1.1", "items": []}')
                config = load_config(config_path)
                pipeline = Pipeline(config)
                pipeline.analyzer.analyze(["warm up the model"])
                seconds, report = timed(pipeline.run_once)
                rate = n / seconds
                figures[f"e2e_{backend}"] = rate
                result(f"e2e_{backend}_{n}", rate, "mentions/s")
                result(f"e2e_{backend}_{n}_seconds", seconds, "s")
                logging.getLogger("bench").info("analyzed %s", report.analyzed)
                if backend == "auto":
                    texts = [str(it["content_text"]) for it in items[:5_000]]
                    analyzer = pipeline.analyzer
                    batch = config.analysis.batch_size
                    start = time.perf_counter()
                    for k in range(0, len(texts), batch):
                        analyzer.analyze(texts[k : k + batch])
                    seconds = time.perf_counter() - start
                    result(f"classify_auto_{n}", len(texts) / seconds, "mentions/s")
                    result(f"e2e_over_classify_auto_{n}", rate / (len(texts) / seconds), "ratio")
                    continue
                seconds, _ = timed(pipeline.run_once)
                figures["idle"] = seconds
                result(f"idle_cycle_{n}", seconds, "s")
                seconds, _ = timed(pipeline.deliver)
                result(f"digest_{n}", seconds, "s")
                seconds, _ = timed(partial(report_step, pipeline))
                result(f"report_{n}", seconds, "s")
                rss = export_rss(config_path, work)
                figures["export_rss"] = rss
                result(f"export_rss_{n}", rss, "MiB")
                latencies = sorted(alert_latency(pipeline, served, poll_s, n))
                if latencies:
                    p50 = statistics.median(latencies)
                    p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
                    result(f"alert_latency_p50_{n}", p50, "s")
                    result(f"alert_latency_p95_{n}", p95, "s")
                    result(f"alert_latency_p95_minus_poll_{n}", p95 - poll_s, "s")
                result(f"alerts_latency_raised_{n}", len(latencies), "of_12")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return figures


def main() -> None:
    logging.basicConfig(level=os.environ.get("BENCH_LOG", "WARNING"))
    sizes = [int(s) for s in os.environ.get("BENCH_N", "10000,100000").split(",") if s]
    if os.environ.get("BENCH_FULL") == "1" and 1_000_000 not in sizes:
        sizes.append(1_000_000)
    default_n = int(os.environ.get("BENCH_DEFAULT_N", "2000"))
    poll_s = float(os.environ.get("BENCH_POLL_S", "10"))
    per_mention: dict[int, float] = {}
    for n in sizes:
        figures = run_size(n, ["vader"], poll_s)
        per_mention[n] = 1.0 / figures["e2e_vader"]
    if default_n:
        run_size(default_n, ["auto"], poll_s)
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        result(f"cost_ratio_{large}_over_{small}", per_mention[large] / per_mention[small], "x")
    result("max_rss_bench", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MiB")


if __name__ == "__main__":
    main()
