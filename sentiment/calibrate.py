"""Calibrate the accurate model and choose the cascade rule on the validation splits.

    python -m sentiment.calibrate --data ../shared/data [--plot docs/sentiment-reliability.png]

1. **Temperature** of the accurate model: the single T minimising the negative
   log-likelihood of the 3-class validation texts (Bulgarian is binary; grid 0.5-4.0,
   step 0.05); written to the model's metadata, applied by
   :meth:`~sentiment.accurate.AccurateAnalyzer.probabilities`. The expected calibration
   error (ECE, 10 equal-width bins of the top probability) is reported
   before and after, and a reliability diagram is drawn.
2. **Cascade rule** (:mod:`sentiment.cascade`): every (threshold, fast weight, neutral
   offset) on a small grid is scored by the mean of the sets' official metrics. At most
   ``--max-share`` of the texts (default 0.6) may be escalated: with the fast path at about
   500 texts/s and the accurate model at about 60 on 2 free cores, that keeps the cascade
   above 80 texts/s (a share measured here rather than a speed, which depends on what else
   runs on the machine). Among the rules within 0.3 points of the best mean,
   the one with the highest mean negative precision on the neutral-heavy mixes is kept,
   provided its mean negative recall is not below the fast model's.
3. **Neutral-heavy mixes**: per 3-class set, all neutral texts plus a seeded sample of the
   others, so that 60 % are neutral; negative precision and recall of each model there.

All choices use validation data, so figures measured on it afterwards are optimistic; the
unseen test splits are the real check.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.cascade import combine, escalate
from sentiment.datasets import NEU, LabeledSet, validation_sets
from sentiment.evaluate import score_predictions

logger = logging.getLogger(__name__)

THRESHOLDS = (0.0, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.01)
FAST_WEIGHTS = (0.0, 0.2, 0.3, 0.4, 0.5)
NEUTRAL_OFFSETS = (0.0, 0.15, 0.3)
NEUTRAL_SHARE = 0.6


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of a (n, k) array."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """T in [0.5, 4.0] (step 0.05) minimising the mean NLL of softmax(logits / T)."""
    best_t, best_nll = 1.0, float("inf")
    for t in np.arange(0.5, 4.0001, 0.05):
        p = softmax(logits / t)
        nll = float(-np.mean(np.log(p[np.arange(len(labels)), labels] + 1e-12)))
        if nll < best_nll:
            best_t, best_nll = float(round(t, 2)), nll
    return best_t


def reliability(probs: np.ndarray, correct: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Top-probability reliability: per bin (mean confidence, accuracy, count) and the ECE."""
    conf = probs.max(axis=1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    rows: list[tuple[float, float | None, int]] = []
    for b in range(bins):
        sel = which == b
        if not sel.any():
            rows.append((float(edges[b] + edges[b + 1]) / 2, None, 0))
            continue
        c, a = float(conf[sel].mean()), float(correct[sel].mean())
        ece += sel.mean() * abs(c - a)
        rows.append((c, a, int(sel.sum())))
    return {"bins": rows, "ece": round(float(ece), 4)}


def neutral_heavy(dataset: LabeledSet, *, seed: int = 7) -> np.ndarray | None:
    """Indices of a mix where :data:`NEUTRAL_SHARE` of the texts are neutral (all neutrals
    kept, the others sampled in their own proportions), or None for a set without neutrals."""
    y = np.asarray(dataset.labels)
    neutral = np.flatnonzero(y == NEU)
    if dataset.n_classes != 3 or not len(neutral):
        return None
    others = np.flatnonzero(y != NEU)
    want = int(len(neutral) * (1 - NEUTRAL_SHARE) / NEUTRAL_SHARE)
    rng = np.random.default_rng(seed)
    if want < len(others):
        others = rng.choice(others, size=want, replace=False)
    else:
        keep = int(len(others) * NEUTRAL_SHARE / (1 - NEUTRAL_SHARE))
        neutral = rng.choice(neutral, size=min(keep, len(neutral)), replace=False)
    return np.sort(np.concatenate([neutral, others]))


def _scores(
    sets: Sequence[LabeledSet], spans: list[slice], labels: np.ndarray
) -> list[tuple[float, float, float]]:
    return [score_predictions(s, labels[sp].tolist()) for s, sp in zip(sets, spans, strict=True)]


def run(
    data_dir: Path,
    *,
    max_share: float = 0.6,
    plot: Path | None = None,
    write: bool = True,
    limit: int | None = None,
) -> dict[str, Any]:
    """Measure, choose, and (``write``) store temperature and rule in the model metadata.

    ``limit`` keeps only the first texts of each set (a quick check; default all).
    """
    from sentiment.accurate import DEFAULT_DELTA, AccurateAnalyzer
    from sentiment.multilingual import MultilingualAnalyzer

    sets = validation_sets(data_dir)
    if limit:
        sets = [s.subset(range(min(limit, len(s)))) for s in sets]
    texts = [t for s in sets for t in s.texts]
    y = np.asarray([lab for s in sets for lab in s.labels])
    spans, start = [], 0
    for s in sets:
        spans.append(slice(start, start + len(s)))
        start += len(s)

    fast = MultilingualAnalyzer(detect_language=False)
    accurate = AccurateAnalyzer(detect_language=False)
    t0 = time.perf_counter()
    fast_p = fast.probabilities(texts)
    fast_rate = len(texts) / (time.perf_counter() - t0)
    fast_l = fast.decide(fast_p)
    t0 = time.perf_counter()
    acc_logits = accurate.logits(texts)
    acc_rate = len(texts) / (time.perf_counter() - t0)
    logger.info("fast %.0f texts/s, accurate %.0f texts/s", fast_rate, acc_rate)

    # Bulgarian has no neutral: a neutral prediction counts as positive (see evaluate), and
    # the temperature is fitted on the 3-class sets only.
    binary = np.zeros(len(y), dtype=bool)
    for s, sp in zip(sets, spans, strict=True):
        binary[sp] = s.n_classes == 2
    temperature = fit_temperature(acc_logits[~binary], y[~binary])
    acc_raw = softmax(acc_logits)
    acc_p = softmax(acc_logits / temperature)
    acc_l = acc_p.argmax(axis=1)

    def correct(labels: np.ndarray) -> np.ndarray:
        mapped = np.where(binary & (labels == NEU), 2, labels)
        return np.asarray(mapped == y)

    calib: dict[str, Any] = {
        "temperature": temperature,
        "accurate_before": reliability(acc_raw, correct(acc_raw.argmax(axis=1))),
        "accurate_after": reliability(acc_p, correct(acc_l)),
        "fast": reliability(fast_p, correct(fast_l)),
    }
    mixes = [neutral_heavy(s) for s in sets]

    def summary(labels: np.ndarray) -> dict[str, Any]:
        per = _scores(sets, spans, labels)
        heavy = []
        for s, sp, mix in zip(sets, spans, mixes, strict=True):
            if mix is None:
                continue
            sub = s.subset(mix.tolist())
            _v, p, r = score_predictions(sub, labels[sp][mix].tolist())
            heavy.append({"dataset": s.name, "n": len(mix), "neg_precision": p, "neg_recall": r})
        return {
            "mean": float(np.mean([v for v, _p, _r in per])),
            "per_set": {
                s.name: {"value": v, "neg_precision": p, "neg_recall": r}
                for s, (v, p, r) in zip(sets, per, strict=True)
            },
            "neutral_heavy": heavy,
            "heavy_neg_precision": float(np.mean([h["neg_precision"] for h in heavy])),
            "heavy_neg_recall": float(np.mean([h["neg_recall"] for h in heavy])),
            "neg_recall": float(np.mean([r for _v, _p, r in per])),
        }

    fast_sum, acc_sum = summary(fast_l), summary(acc_l)
    candidates = []
    for threshold in THRESHOLDS:
        mask = escalate(fast_p, fast_l, threshold=threshold)
        share = float(mask.mean())
        rate = 1.0 / (1.0 / fast_rate + share / acc_rate)
        if share > max_share:
            continue
        for weight in FAST_WEIGHTS:
            for offset in NEUTRAL_OFFSETS:
                labels = fast_l.copy()
                _b, decided = combine(
                    fast_p[mask], acc_p[mask], fast_weight=weight, class_offset=(0.0, offset, 0.0)
                )
                labels[mask] = decided
                summ = summary(labels)
                candidates.append(
                    {
                        "threshold": threshold,
                        "fast_weight": weight,
                        "class_offset": [0.0, offset, 0.0],
                        "escalated_share": round(share, 4),
                        "predicted_rate": round(rate, 1),
                        **summ,
                    }
                )
    if not candidates:
        raise RuntimeError(f"no cascade rule escalates at most {max_share:.0%} of the texts")
    best_mean = max(c["mean"] for c in candidates)
    near = [
        c
        for c in candidates
        if c["mean"] >= best_mean - 0.003 and c["neg_recall"] >= fast_sum["neg_recall"]
    ] or [max(candidates, key=lambda c: c["mean"])]
    chosen = max(near, key=lambda c: (c["heavy_neg_precision"], c["mean"]))
    rule = {k: chosen[k] for k in ("threshold", "fast_weight", "class_offset", "escalated_share")}
    rule["chosen_on"] = "validation splits (sentiment.calibrate)"
    report = {
        "fast_rate": round(fast_rate, 1),
        "accurate_rate": round(acc_rate, 1),
        "calibration": calib,
        "fast": fast_sum,
        "accurate": acc_sum,
        "cascade": {
            **rule,
            "predicted_rate": chosen["predicted_rate"],
            **{k: chosen[k] for k in fast_sum},
        },
        "grid": [
            {
                k: c[k]
                for k in (
                    "threshold",
                    "fast_weight",
                    "class_offset",
                    "escalated_share",
                    "mean",
                    "heavy_neg_precision",
                    "neg_recall",
                )
            }
            for c in candidates
        ],
    }
    if plot is not None:
        draw_reliability(calib, plot)
    if write:
        meta_path = DEFAULT_DELTA.with_suffix(".json")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["temperature"] = temperature
        meta["cascade"] = rule
        meta["calibration"] = {
            "ece_before": calib["accurate_before"]["ece"],
            "ece_after": calib["accurate_after"]["ece"],
            "fitted_on": "the 3-class validation splits",
        }
        meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return report


def draw_reliability(calib: dict[str, Any], out: Path) -> None:
    """Reliability diagram (top-probability confidence vs accuracy) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=110)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    styles = {
        "fast": ("multilingual (fast path)", "tab:blue"),
        "accurate_before": ("accurate, raw", "tab:orange"),
        "accurate_after": (f"accurate, T = {calib['temperature']}", "tab:green"),
    }
    for key, (label, color) in styles.items():
        pts = [(c, a) for c, a, n in calib[key]["bins"] if a is not None and n >= 5]
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, marker="o", color=color, label=f"{label} (ECE {calib[key]['ece']:.3f})")
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("accuracy")
    ax.set_title("Sentiment reliability on the validation splits")
    ax.set_xlim(0.3, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line; see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--max-share", type=float, default=0.6, help="escalated share cap")
    parser.add_argument("--plot", type=Path, default=Path("docs/sentiment-reliability.png"))
    parser.add_argument("--json", type=Path, default=None, help="write the full report here")
    parser.add_argument("--dry-run", action="store_true", help="do not update the metadata")
    parser.add_argument("--limit", type=int, default=None, help="texts per set (default all)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    report = run(
        args.data,
        max_share=args.max_share,
        plot=args.plot,
        write=not args.dry_run,
        limit=args.limit,
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    out = sys.stdout
    for name in ("fast", "accurate", "cascade"):
        r = report[name]
        out.write(f"\n{name}: mean {100 * r['mean']:.1f}\n")
        for ds, v in r["per_set"].items():
            out.write(
                f"  {ds:<18} {100 * v['value']:5.1f}  negP {100 * v['neg_precision']:5.1f}"
                f"  negR {100 * v['neg_recall']:5.1f}\n"
            )
        for h in r["neutral_heavy"]:
            out.write(
                f"  60%-neutral {h['dataset']:<18} n={h['n']:<4} negP "
                f"{100 * h['neg_precision']:5.1f}  negR {100 * h['neg_recall']:5.1f}\n"
            )
    rule = {
        k: report["cascade"][k]
        for k in ("threshold", "fast_weight", "class_offset", "escalated_share", "predicted_rate")
    }
    out.write(
        f"\nrule {rule}; T = {report['calibration']['temperature']}; speeds fast "
        f"{report['fast_rate']}/s accurate {report['accurate_rate']}/s\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
