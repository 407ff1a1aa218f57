"""Sentiment throughput benchmark: ``python benchmarks/bench_sentiment.py [--n 2000]``.

Measures, in one run on this machine: model load time of the default (multilingual) backend,
texts per second of the default backend (batched), the router (``auto``) and VADER on the
same batch of real texts (the validation splits of ../shared/data, or the test fixtures when
the shared data is absent), plus the naive path (one text per call, no truncation) as a
baseline, and prints ratios between them. Language detection is included in every figure.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentiment.datasets import validation_sets  # noqa: E402

_COLD_LOAD = (
    "import time; t = time.perf_counter(); "
    "from sentiment.multilingual import MultilingualAnalyzer; MultilingualAnalyzer(); "
    "print(f'{time.perf_counter() - t:.2f}')"
)


def _texts(n: int) -> tuple[list[str], str]:
    env = os.environ.get("BRANDPULSE_SHARED_DATA")
    shared = Path(env) if env else ROOT.parent / "shared" / "data"
    sets = validation_sets(shared)
    source = str(shared)
    if not sets:
        sets = validation_sets(ROOT / "tests" / "fixtures" / "sentiment")
        source = "tests/fixtures/sentiment"
    pool = [t for s in sets for t in s.texts]
    rng = random.Random(0)
    picked = [rng.choice(pool) for _ in range(n)]
    return picked, f"{source} ({len(sets)} validation sets, {len(pool)} texts)"


def _rate(fn: Callable[[list[str]], object], texts: list[str], repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn(texts)
        best = min(best, time.perf_counter() - started)
    return len(texts) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="texts in the batch (default 2000)")
    parser.add_argument("--naive-n", type=int, default=200, help="texts for the naive path")
    args = parser.parse_args()
    texts, source = _texts(args.n)
    print(f"batch: {len(texts)} texts sampled from {source}; {os.cpu_count()} CPUs")

    started = time.perf_counter()
    from sentiment.multilingual import MultilingualAnalyzer

    multi = MultilingualAnalyzer()
    load = time.perf_counter() - started
    print(f"multilingual load (imports + weights + warm-up): {load:.2f} s")
    cold = subprocess.run(
        [sys.executable, "-c", _COLD_LOAD], cwd=ROOT, capture_output=True, text=True, check=True
    )
    print(
        f"multilingual load in a fresh interpreter (numpy import included): {cold.stdout.strip()} s"
    )

    from sentiment.router import RoutedAnalyzer
    from sentiment.vader import VaderAnalyzer

    vader = VaderAnalyzer()
    router = RoutedAnalyzer(fallback=multi)
    multi.analyze(texts[:50])  # warm caches

    rates = {
        "vader": _rate(vader.analyze, texts, repeat=2),
        "multilingual (batched)": _rate(multi.analyze, texts),
        "auto router": _rate(router.analyze, texts),
    }
    print(f"router sent {100 * router.last_vader_share:.0f}% of texts to VADER")

    naive = MultilingualAnalyzer()
    naive.recipe = replace(naive.recipe, max_chars=10**9)
    naive._featurizer.recipe = naive.recipe  # untruncated
    subset = texts[: args.naive_n]
    rates["naive (1 text/call, untruncated)"] = _rate(
        lambda batch: [naive.analyze([t]) for t in batch], subset
    )

    base = rates["naive (1 text/call, untruncated)"]
    print(f"\n{'path':<36} {'texts/s':>9} {'x naive':>8} {'x vader':>8}")
    for name, rate in rates.items():
        print(f"{name:<36} {rate:>9.0f} {rate / base:>8.2f} {rate / rates['vader']:>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
