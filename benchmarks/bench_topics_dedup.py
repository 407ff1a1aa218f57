"""Near-duplicate and topic benchmark: ``python benchmarks/bench_topics_dedup.py``.

Measures in one run on this machine, on real texts from ../shared/data (TweetEval, XLM-T in 8
languages and the VADER Amazon snippets; the test fixtures when the shared data is absent):

* dedup: :func:`sentiment.dedup.near_duplicate_groups` on ``--n-dedup`` texts (default 10,000),
  against the naive baseline (compare every pair of shingle sets, same similarity, so the same
  result) timed on ``--n-naive`` texts (default 1,500) and extrapolated quadratically to n;
* topics: :func:`sentiment.topics.cluster_topics` on ``--n-topics`` negative Amazon snippets
  (default 300): encoder load, embedding and clustering timed separately, against a naive
  baseline (average-linkage agglomerative clustering in numpy, O(n³), cut at max_topics).
"""

from __future__ import annotations

import argparse
import glob
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentiment import dedup  # noqa: E402
from sentiment.topics import cluster_topics  # noqa: E402


def _shared() -> Path:
    env = os.environ.get("BRANDPULSE_SHARED_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def _dedup_texts(n: int) -> tuple[list[str], str]:
    base = _shared() / "sentiment"
    files = [base / "tweeteval" / "val_text.txt"]
    files += [Path(p) for p in sorted(glob.glob(str(base / "xlm-t" / "*" / "*_text.txt")))]
    files += [base / "vader-icwsm2014" / "amazonReviewSnippets_GroundTruth.txt"]
    pool: list[str] = []
    for f in files:
        if f.exists():
            pool += [line.rstrip("\n").split("\t")[-1] for line in f.open(encoding="utf-8")]
    source = f"{len(files)} files under {base}"
    if not pool:
        import json

        fx = ROOT / "tests" / "fixtures" / "sentiment_topics" / "near_duplicate_pairs.json"
        pairs = json.loads(fx.read_text(encoding="utf-8"))["labeled_pairs"]
        pool = [p[k] for p in pairs for k in ("a", "b")]
        source = str(fx)
    rng = random.Random(0)
    rng.shuffle(pool)
    return (pool * (n // len(pool) + 1))[:n], f"{source} ({len(pool)} texts)"


def _topic_texts(n: int) -> list[str]:
    path = _shared() / "sentiment" / "vader-icwsm2014" / "amazonReviewSnippets_GroundTruth.txt"
    if path.exists():
        rows = [line.rstrip("\n").split("\t", 2) for line in path.open(encoding="utf-8")]
        texts = [r[2] for r in rows if len(r) == 3 and float(r[1]) < 0]
    else:
        import json

        fx = ROOT / "tests" / "fixtures" / "sentiment_topics" / "amazon_negative_themes.json"
        texts = [r["text"] for r in json.loads(fx.read_text(encoding="utf-8"))]
    return (texts * (n // len(texts) + 1))[:n]


def _naive_agglomerative(x: np.ndarray, k: int) -> np.ndarray:
    """Average-linkage agglomerative clustering on cosine distance, merged down to k."""
    n = len(x)
    d = 1.0 - x @ x.T
    np.fill_diagonal(d, np.inf)
    size = np.ones(n)
    label = np.arange(n)
    alive = np.ones(n, dtype=bool)
    for _ in range(n - k):
        masked = np.where(alive[:, None] & alive[None, :], d, np.inf)
        i, j = np.unravel_index(int(masked.argmin()), d.shape)
        new = (size[i] * d[i] + size[j] * d[j]) / (size[i] + size[j])
        d[i], d[:, i] = new, new
        d[i, i] = np.inf
        alive[j] = False
        size[i] += size[j]
        label[label == j] = i
    return label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-dedup", type=int, default=10_000)
    parser.add_argument("--n-naive", type=int, default=1_500)
    parser.add_argument("--n-topics", type=int, default=300)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")

    texts, source = _dedup_texts(args.n_dedup)
    print(f"\n== dedup: {len(texts)} real texts from {source}")
    start = time.perf_counter()
    groups = dedup.near_duplicate_groups(texts)
    fast = time.perf_counter() - start
    n_groups = len(set(groups))
    print(
        f"near_duplicate_groups (threshold {dedup.DEFAULT_THRESHOLD}): {fast:.2f} s, "
        f"{len(texts) / fast:,.0f} texts/s, {len(texts) - n_groups} texts joined a group"
    )
    sub = texts[: args.n_naive]
    start = time.perf_counter()
    naive_groups = dedup.all_pairs_groups(sub, threshold=dedup.DEFAULT_THRESHOLD)
    naive = time.perf_counter() - start
    start = time.perf_counter()
    fast_sub = dedup.near_duplicate_groups(sub)
    fast_small = time.perf_counter() - start
    assert fast_sub == naive_groups, "prefix filtering must equal all-pairs comparison"
    pairs_ratio = (len(texts) * (len(texts) - 1)) / (len(sub) * (len(sub) - 1))
    print(
        f"naive all-pairs on {len(sub)}: {naive:.2f} s ({len(sub) / naive:,.0f} texts/s); "
        f"fast on the same {len(sub)}: {fast_small:.3f} s, same groups, "
        f"{naive / fast_small:.0f}x faster"
    )
    print(
        f"naive extrapolated to {len(texts)}: {naive * pairs_ratio:,.0f} s "
        f"→ fast is {naive * pairs_ratio / fast:,.0f}x faster at n={len(texts)}"
    )

    topic_texts = _topic_texts(args.n_topics)
    print(f"\n== topics: {len(topic_texts)} real negative Amazon review snippets")
    try:
        from sentiment.features import UseEmbedder, normalise
    except ImportError as exc:  # pragma: no cover
        print(f"skipped: {exc}")
        return
    embedder = UseEmbedder()
    start = time.perf_counter()
    embedder.load()
    print(f"USE load: {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    vecs = embedder.embed([normalise(t) for t in topic_texts])
    emb = time.perf_counter() - start
    print(f"embedding: {emb:.2f} s ({len(topic_texts) / emb:,.0f} texts/s)")
    runs = []
    for _ in range(3):  # the first run also loads the stopword lists
        start = time.perf_counter()
        topics = cluster_topics(topic_texts, embed=lambda _t: vecs)
        runs.append(time.perf_counter() - start)
    clus = sorted(runs)[1]
    print(f"cluster_topics runs: {', '.join(f'{r:.3f}' for r in runs)} s (median below)")
    print(
        f"cluster_topics (after embedding): {clus:.3f} s ({len(topic_texts) / clus:,.0f} texts/s); "
        f"end to end without load: {len(topic_texts) / (emb + clus):,.0f} texts/s"
    )
    unit = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    start = time.perf_counter()
    _naive_agglomerative(unit.astype(np.float64), 6)
    agg = time.perf_counter() - start
    print(
        f"naive average-linkage agglomerative (k=6): {agg:.3f} s "
        f"→ cluster_topics is {agg / clus:.1f}x {'faster' if agg > clus else 'slower'}"
    )
    for t in topics:
        print(f"  {len(t.members):4d}  {t.label!r:30}  {', '.join(t.keywords[:5])}")
        print(f"        e.g. {topic_texts[t.representatives[0]][:90]!r}")
    assigned = sum(len(t.members) for t in topics)
    print(f"  unassigned: {len(topic_texts) - assigned}")


if __name__ == "__main__":
    main()
