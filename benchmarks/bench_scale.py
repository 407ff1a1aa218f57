"""The Celery engine's throughput with 1 and 2 workers (issue 18): ``make bench-scale``.

For each worker count it makes a fresh PostgreSQL database and queue, serves
``BENCH_SCALE_N`` mentions (default 100,000; real texts, see ``tests/cluster_harness.py``)
as JSON Feeds of ``BENCH_SCALE_PER_FEED`` items (default 2,000) from a local HTTP server,
starts that many ``brandpulse worker`` processes (concurrency 1 each, Redis broker, the
``BENCH_SCALE_BACKEND`` sentiment backend, default ``vader``; ``cascade`` is the product's
default), sends one collect task per feed and times until every mention is collected and
analysed. No scheduler runs: the collect tasks queue the analysis.

Printed (``RESULT name value unit``):

* ``throughput_<k>_workers``: mentions/s from the first task sent to the last analysis;
* ``collect_s_<k>_workers`` / ``analyse_tail_s_<k>_workers``: until every mention is
  stored, and from then until every one is analysed;
* ``cpu_share_<component>_<k>_workers``: CPU seconds of the workers, PostgreSQL, Redis
  and this process over the wall time (on this 2-core machine, 2.0 is everything);
* ``lost`` (expected mentions not analysed, summed over the runs), ``duplicated``
  (mentions stored twice or analysed by two claims), ``speedup_2_workers``.

The closing note names the first bottleneck from the CPU shares and projects the
throughput per added host. Ratios hold on a loaded machine better than the absolute
figures: other work shares these 2 cores.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import psycopg  # noqa: E402
from cluster_harness import (  # noqa: E402
    REDIS_URL,
    Cluster,
    counts,
    fresh_database,
    purge_redis_queue,
    serve,
    wait_for,
    write_config,
    write_feeds,
)
from results import result  # noqa: E402

N = int(os.environ.get("BENCH_SCALE_N", "100000"))
PER_FEED = int(os.environ.get("BENCH_SCALE_PER_FEED", "2000"))
BACKEND = os.environ.get("BENCH_SCALE_BACKEND", "vader")
BATCH = int(os.environ.get("BENCH_SCALE_BATCH", "200"))
TIMEOUT_S = float(os.environ.get("BENCH_SCALE_TIMEOUT_S", "3600"))
TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        # utime, stime, cutime, cstime: fields 14-17 (1-based), here 11-14 after the name.
        total += sum(int(x) for x in fields[11:15]) / TICKS
    return total


def _pids_named(name: str) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    out.append(int(entry.name))
            except OSError:
                continue
    return out


def _group(pgid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    out.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
    return out


def run(workers: int, feeds: list[str], base: str, work: Path) -> dict[str, float]:
    queue = f"bp-bench-{uuid.uuid4().hex[:8]}"
    with fresh_database() as database:
        config = write_config(
            work,
            database_url=database,
            broker_url=REDIS_URL,
            queue=queue,
            base_url=base,
            feeds=feeds,
            per_feed=PER_FEED,
            batch_size=BATCH,
        )
        text = config.read_text().replace('backend = "vader"', f'backend = "{BACKEND}"')
        config.write_text(text + "\n[http]\ntimeout_seconds = 300\n")
        cluster = Cluster(config, work)
        try:
            for i in range(workers):
                cluster.worker(f"b{workers}w{i}")
            wait_for(
                lambda: all(" ready." in cluster.log(n) for n in cluster.procs),
                timeout_s=120,
                what="workers ready",
            )
            from brandpulse.cli_common import load
            from brandpulse.distributed.app import client
            from brandpulse.distributed.tasks import COLLECT

            app = client(load(config))
            groups = [p.pid for p in cluster.procs.values()]
            others = {"postgres": _pids_named("postgres"), "redis": _pids_named("redis-server")}
            cpu0 = {
                "workers": sum(_cpu_of(_group(g)) for g in groups),
                **{k: _cpu_of(v) for k, v in others.items()},
                "bench": _cpu_of([os.getpid()]),
            }
            start = time.perf_counter()
            for name in feeds:
                app.send_task(COLLECT, args=(name[:-5],), queue=queue)
            collected_at: list[float] = []

            def done() -> bool:
                cluster.check_alive()
                c = counts(database)
                if not collected_at and c["mentions"] >= N:
                    collected_at.append(time.perf_counter())
                return c["mentions"] >= N and c["analyses"] >= c["mentions"]

            wait_for(done, timeout_s=TIMEOUT_S, every_s=0.5, what="every mention analysed")
            wall = time.perf_counter() - start
            # Server processes started since (PostgreSQL backends of the workers'
            # connections) count from zero.
            now_others = {"postgres": _pids_named("postgres"), "redis": _pids_named("redis-server")}
            cpu1 = {
                "workers": sum(_cpu_of(_group(g)) for g in groups),
                **{k: _cpu_of(v) for k, v in now_others.items()},
                "bench": _cpu_of([os.getpid()]),
            }
            for k, before in others.items():
                gone = [pid for pid in before if pid not in now_others[k]]
                cpu0[k] -= _cpu_of(gone)  # 0: gone processes cannot be read any more
            c = counts(database)
            with psycopg.connect(database) as conn:
                row = conn.execute(
                    "SELECT count(*) FROM mentions m JOIN analyses a ON a.mention_id = m.id"
                ).fetchone()
            analysed = int(row[0]) if row else 0
        finally:
            cluster.close()
            purge_redis_queue(queue)
    k = f"{workers}_workers"
    result(f"throughput_{k}", N / wall, "mentions/s")
    collect_s = (collected_at[0] - start) if collected_at else wall
    result(f"collect_s_{k}", collect_s, "s")
    result(f"analyse_tail_s_{k}", wall - collect_s, "s")
    shares = {name: (cpu1[name] - cpu0[name]) / wall for name in cpu0}
    for name, share in shares.items():
        result(f"cpu_share_{name}_{k}", share, "cores")
    return {
        "throughput": N / wall,
        "lost": N - analysed,
        "duplicated": (c["mentions"] - c["distinct_ids"]) + c["duplicated"],
        **{f"cpu_{n}": s for n, s in shares.items()},
    }


def main() -> None:
    print(
        f"# bench_scale: N={N}, {PER_FEED} per feed, backend {BACKEND}, batch {BATCH}, "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bp-bench-scale-") as tmp:
        work = Path(tmp)
        (work / "feeds").mkdir()
        feeds = write_feeds(work / "feeds", N, per_feed=PER_FEED)
        with serve(work / "feeds") as base:
            one = run(1, feeds, base, work)
            two = run(2, feeds, base, work)
    result("lost", one["lost"] + two["lost"])
    result("duplicated", one["duplicated"] + two["duplicated"])
    speedup = two["throughput"] / one["throughput"]
    result("speedup_2_workers", speedup)
    components = {k[4:]: v for k, v in two.items() if k.startswith("cpu_")}
    total = sum(components.values())
    cores = os.cpu_count() or 1
    # CPU milliseconds per mention, whatever else the machine was doing.
    per_mention = {name: 1000 * share / two["throughput"] for name, share in components.items()}
    for name in ("workers", "postgres", "redis"):
        result(f"cpu_ms_per_mention_{name}", per_mention[name], "ms")
    busiest = max(("workers", "postgres", "redis"), key=lambda name: per_mention[name])
    print(
        f"# With 2 workers our processes used {total:.2f} of the {cores} cores (workers "
        f"{components['workers']:.2f}, postgres {components['postgres']:.2f}, redis "
        f"{components['redis']:.2f}); the rest went to other work on this machine.",
        flush=True,
    )
    worker_rate = 1000 / per_mention["workers"]
    pg_rate = 1000 / per_mention["postgres"] if per_mention["postgres"] else float("inf")
    print(
        f"# Projection: each added worker core adds about {worker_rate:.0f} mentions/s "
        f"({BACKEND} backend); one PostgreSQL core absorbs about {pg_rate:.0f} mentions/s, "
        f"so PostgreSQL saturates after about {pg_rate / worker_rate:.1f} worker cores per "
        "database core. First bottleneck: "
        + (
            "the model (worker CPU per mention is the largest cost)"
            if busiest == "workers"
            else f"{busiest} (its CPU per mention is the largest cost)"
        )
        + "; the broker is negligible (one small message per batch).",
        flush=True,
    )


if __name__ == "__main__":
    main()
