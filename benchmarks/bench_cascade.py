"""Accuracy and speed of VADER, the fast path, the accurate model and the cascade, in one run.

    python benchmarks/bench_cascade.py [--limit 200] [--threads 2]

On the validation splits of ../shared/data (``$BRANDPULSE_SHARED_DATA`` overrides; the test
fixtures when absent), the first ``--limit`` texts of each set (default 200, 0 = all): per
backend the mean of the sets' official metrics (macro-F1, TweetEval macro-recall) and texts
per second (language detection included), printed as ratios to VADER and to the fast path.
Then, in a fresh interpreter, the cascade's cold load time and peak resident memory while it
classifies 500 texts (the "< 1 GB" check). The cascade's accurate model is built into the
user cache on first use (see ``sentiment.accurate``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentiment.base import Analyzer  # noqa: E402
from sentiment.datasets import validation_sets  # noqa: E402
from sentiment.evaluate import run_evaluation  # noqa: E402

_PEAK = """
import resource, sys, time
t = time.perf_counter()
from sentiment.cascade import CascadeAnalyzer
from sentiment.datasets import validation_sets
c = CascadeAnalyzer()
load = time.perf_counter() - t
texts = [x for s in validation_sets(sys.argv[1]) for x in s.texts][:500]
c.analyze(texts)
# VmHWM is this process's own peak; ru_maxrss would carry over the (large) parent's
# high-water mark across fork + exec.
hwm = [ln for ln in open("/proc/self/status") if ln.startswith("VmHWM:")]
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rss = (int(hwm[0].split()[1]) if hwm else own) / 1024
print(f"{load:.2f} {rss:.0f} {c.last_escalated_share:.3f}")
"""


def _data_dir() -> Path:
    env = os.environ.get("BRANDPULSE_SHARED_DATA")
    shared = Path(env) if env else ROOT.parent / "shared" / "data"
    return shared if validation_sets(shared) else ROOT / "tests" / "fixtures" / "sentiment"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=200, help="texts per set (0 = all)")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads")
    args = parser.parse_args()
    data = _data_dir()
    print(
        f"validation sets under {data}; first {args.limit or 'all'} texts each; "
        f"{os.cpu_count()} CPUs"
    )

    from sentiment.accurate import AccurateAnalyzer
    from sentiment.cascade import CascadeAnalyzer
    from sentiment.multilingual import MultilingualAnalyzer
    from sentiment.vader import VaderAnalyzer

    started = time.perf_counter()
    fast = MultilingualAnalyzer()
    accurate = AccurateAnalyzer(threads=args.threads)
    cascade = CascadeAnalyzer(
        fast=MultilingualAnalyzer(detect_language=False),
        accurate=AccurateAnalyzer(threads=args.threads, detect_language=False),
    )
    print(f"models loaded in {time.perf_counter() - started:.1f} s")
    analyzers: list[Analyzer] = [VaderAnalyzer(), fast, accurate, cascade]
    report = run_evaluation(data, analyzers, limit=args.limit or None)
    rows = []
    for analyzer in analyzers:
        key = f"{analyzer.name}@{analyzer.version}"
        results = [r for r in report.results if r.backend == key]
        seconds = sum(r.n / r.texts_per_second for r in results)
        rows.append((analyzer.name, report.means[key], sum(r.n for r in results) / seconds))
    vader_mean, vader_rate = rows[0][1], rows[0][2]
    fast_mean, fast_rate = rows[1][1], rows[1][2]
    print(
        f"\n{'backend':<14} {'mean':>6} {'x vader':>8} {'x fast':>7} {'texts/s':>8} "
        f"{'x vader':>8} {'x fast':>7}"
    )
    for name, mean, rate in rows:
        print(
            f"{name:<14} {mean:>6.1f} {mean / vader_mean:>8.2f} {mean / fast_mean:>7.3f} "
            f"{rate:>8.0f} {rate / vader_rate:>8.3f} {rate / fast_rate:>7.3f}"
        )
    print(f"cascade escalated {100 * cascade.last_escalated_share:.0f}% of the last set's texts")

    print("\nper set (value / negP / negR):")
    for dataset in dict.fromkeys(r.dataset for r in report.results):
        cells = []
        for analyzer in analyzers:
            r = report.get(f"{analyzer.name}@{analyzer.version}", dataset)
            cells.append(f"{r.value:5.1f}/{r.neg_precision:5.1f}/{r.neg_recall:5.1f}")
        print(f"  {dataset:<18} " + "  ".join(cells))
    print("  columns: " + ", ".join(a.name for a in analyzers))

    peak = subprocess.run(
        [sys.executable, "-c", _PEAK, str(data)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    load, rss, share = peak.stdout.split()
    print(
        f"\ncascade in a fresh interpreter: load {load} s, peak RSS {rss} MB while classifying "
        f"500 texts ({100 * float(share):.0f}% escalated)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
