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

import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from cluster_harness import serve  # noqa: E402  (a local file server)
from pipeline_ingest import ingest_ratio, ingest_ratio_postgres  # noqa: E402
from pipeline_latency import alert_latency  # noqa: E402
from pipeline_workload import generate, write_config, write_feeds  # noqa: E402
from results import result, timed  # noqa: E402

from brandpulse.config import load_config  # noqa: E402
from brandpulse.pipeline import Pipeline  # noqa: E402


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
