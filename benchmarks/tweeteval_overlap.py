"""Unseen estimate for TweetEval when training on the tweets XLM-T English shares with it.

    python benchmarks/tweeteval_overlap.py [--data ../shared/data]   # about 8 minutes

Since v1.3 the default model trains on the 1,430 XLM-T English training tweets that are
also TweetEval validation tweets, so TweetEval validation is no longer unseen as a whole
(``brandpulse evaluate`` scores its 570 other tweets). This script estimates what the
recipe scores on *all* 2,000 TweetEval validation tweets without ever scoring a tweet the
model saw: TweetEval validation is split in two seeded halves; a model trained with the
overlap of one half only is scored on the other half, and the other way round. The
baseline, measured in the same run, is the v1.2 data rule (no overlap; the all-negative
rest of XLM-T English skipped). Decision offsets are the committed model's.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentiment.datasets import text_key, training_sets, validation_sets  # noqa: E402
from sentiment.evaluate import score_predictions  # noqa: E402
from sentiment.features import Featurizer  # noqa: E402
from sentiment.multilingual import DEFAULT_MODEL, LinearHead, load_artifact  # noqa: E402
from sentiment.train import _design_matrix, collect_training_data, fit_head  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    tweeteval = next((s for s in validation_sets(args.data) if s.name == "tweeteval"), None)
    if tweeteval is None:
        print(f"no TweetEval validation set under {args.data}", file=sys.stderr)
        return 2
    committed, recipe, meta = load_artifact(DEFAULT_MODEL)
    texts, y, w, groups, _report = collect_training_data(
        args.data,
        vader_weight=0.3,
        set_weights={"vader/tweets": 2.0},
        may_overlap=("tweeteval",),
    )
    featurizer = Featurizer(recipe)
    x = _design_matrix(featurizer(texts), recipe)
    keys = np.asarray([text_key(t) for t in texts])
    val_keys = np.asarray([text_key(t) for t in tweeteval.texts])
    order = np.random.default_rng(7).permutation(len(tweeteval))
    halves = (order[: len(order) // 2], order[len(order) // 2 :])
    val_features = featurizer(list(tweeteval.texts))

    def score_on(half: np.ndarray, train_mask: np.ndarray) -> float:
        head = fit_head(x[train_mask], y[train_mask], w[train_mask], recipe, c=1.0, seed=13)
        head = LinearHead(head.w_dense, head.w_sparse, head.bias, committed.class_offset)
        predicted = head.decide(head.probabilities(val_features))
        subset = tweeteval.subset(int(i) for i in half)
        return 100 * score_predictions(subset, [int(predicted[i]) for i in half])[0]

    no_overlap = ~np.isin(keys, val_keys)
    # v1.2's rule: XLM-T English minus the overlap is one class (negative), so it is skipped.
    english = [k for k, s in enumerate(training_sets(args.data)) if s.name == "xlm-t/english"]
    baseline_mask = no_overlap & ~np.isin(groups, english)
    print(f"TweetEval validation: {len(tweeteval)} tweets, halves of {len(halves[0])}")
    print(f"committed model: {meta.get('version')}; training texts {len(texts)}")
    print(f"{'scored half':<12} {'baseline (no overlap)':>22} {'other half overlap':>20}")
    results = []
    for k, scored in enumerate(halves):
        other = halves[1 - k]
        allowed = set(val_keys[other].tolist())
        mask = no_overlap | np.isin(keys, list(allowed))
        base = score_on(scored, baseline_mask)
        with_overlap = score_on(scored, mask)
        results.append((base, with_overlap))
        print(f"{k + 1:<12} {base:>22.1f} {with_overlap:>20.1f}")
    base_mean = float(np.mean([r[0] for r in results]))
    over_mean = float(np.mean([r[1] for r in results]))
    print(
        f"{'mean':<12} {base_mean:>22.1f} {over_mean:>20.1f}   "
        f"(+{over_mean - base_mean:.1f} macro-recall points, ratio {over_mean / base_mean:.3f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
