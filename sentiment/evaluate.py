"""Evaluate analyzers on the labeled *validation* splits (never the train splits).

Per dataset and backend: the dataset's official metric (macro-F1; macro-recall for
TweetEval), negative-class precision and recall, and throughput in texts per second
(wall clock of ``analyze`` over the whole split, language detection included).

Bulgarian has two classes (0 negative, 1 positive): a prediction counts as negative when the
label is ``negative`` and as positive otherwise (neutral → positive), and macro-F1 is taken
over the two classes.

    report = run_evaluation(Path("../shared/data"), [MultilingualAnalyzer()])
    print(format_report(report))
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.base import LABELS, Analyzer
from sentiment.datasets import NEG, POS, LabeledSet, validation_sets, without_texts

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SetResult:
    """One backend on one validation set. Metrics are percentages (0-100)."""

    backend: str
    dataset: str
    language: str
    n: int
    metric: str
    value: float
    neg_precision: float
    neg_recall: float
    texts_per_second: float
    #: Texts of the set left out because an evaluated model was trained on them.
    left_out: int = 0


@dataclass
class EvaluationReport:
    """All results of one run; ``means`` maps backend model string → mean of ``value``."""

    data_dir: str
    results: list[SetResult] = field(default_factory=list)

    @property
    def backends(self) -> list[str]:
        return list(dict.fromkeys(r.backend for r in self.results))

    @property
    def means(self) -> dict[str, float]:
        return {
            b: float(np.mean([r.value for r in self.results if r.backend == b]))
            for b in self.backends
        }

    def get(self, backend: str, dataset: str) -> SetResult:
        """The result for ``backend`` (model string or name prefix) on ``dataset``."""
        for r in self.results:
            if r.dataset == dataset and (
                r.backend == backend or r.backend.split("@")[0] == backend
            ):
                return r
        raise KeyError((backend, dataset))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "data_dir": self.data_dir,
            "means": self.means,
            "results": [asdict(r) for r in self.results],
        }


def _per_class(y: np.ndarray, p: np.ndarray, c: int) -> tuple[float, float, float]:
    tp = float(np.sum((p == c) & (y == c)))
    pred = float(np.sum(p == c))
    true = float(np.sum(y == c))
    precision = tp / pred if pred else 0.0
    recall = tp / true if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_predictions(dataset: LabeledSet, predicted: Sequence[int]) -> tuple[float, float, float]:
    """(metric value, negative precision, negative recall), as fractions in [0, 1].

    ``predicted`` uses 0 negative, 1 neutral, 2 positive; binary sets map 1 → 2.
    """
    y = np.asarray(dataset.labels)
    p = np.asarray(predicted)
    if dataset.n_classes == 2:
        p = np.where(p == NEG, NEG, POS)
    classes = sorted({int(c) for c in y})
    stats = [_per_class(y, p, c) for c in classes]
    if dataset.metric == "macro_recall":
        value = float(np.mean([s[1] for s in stats]))
    else:
        value = float(np.mean([s[2] for s in stats]))
    neg_p, neg_r, _ = _per_class(y, p, NEG)
    return value, neg_p, neg_r


def seen_validation_texts(analyzers: Sequence[Analyzer]) -> dict[str, frozenset[str]]:
    """Validation texts (set name → fingerprints) that any of ``analyzers`` was trained on,
    from their ``seen_validation`` attribute (the default model's metadata lists them)."""
    seen: dict[str, frozenset[str]] = {}
    for analyzer in analyzers:
        for name, keys in getattr(analyzer, "seen_validation", {}).items():
            seen[name] = seen.get(name, frozenset()) | frozenset(keys)
    return seen


def evaluate_one(analyzer: Analyzer, dataset: LabeledSet, *, left_out: int = 0) -> SetResult:
    """Run ``analyzer`` on one validation set and score it."""
    started = time.perf_counter()
    out = analyzer.analyze(list(dataset.texts))
    elapsed = max(time.perf_counter() - started, 1e-9)
    predicted = [LABELS.index(s.label) for s in out]
    value, neg_p, neg_r = score_predictions(dataset, predicted)
    return SetResult(
        backend=f"{analyzer.name}@{analyzer.version}",
        dataset=dataset.name,
        language=dataset.language,
        n=len(dataset),
        metric=dataset.metric,
        value=round(100 * value, 2),
        neg_precision=round(100 * neg_p, 2),
        neg_recall=round(100 * neg_r, 2),
        texts_per_second=round(len(dataset) / elapsed, 1),
        left_out=left_out,
    )


def run_evaluation(
    data_dir: Path,
    analyzers: Sequence[Analyzer],
    *,
    include_vader_baseline: bool = True,
    limit: int | None = None,
) -> EvaluationReport:
    """Evaluate every analyzer on every validation split found under ``data_dir``.

    Args:
        data_dir: ``../shared/data`` (or its ``sentiment/`` folder, or a fixture copy).
        analyzers: backends to compare, in report order.
        include_vader_baseline: add a VADER analyzer when none is given (default True), so
            the baseline is always measured in the same run.
        limit: evaluate only the first ``limit`` texts of each set (default: all).

    Texts that an analyzer was trained on (its ``seen_validation``; the default model trains
    on the TweetEval validation tweets that XLM-T English train contains) are left out of
    that set for every analyzer, so all are scored on the same unseen texts.
    """
    chosen = list(analyzers)
    if include_vader_baseline and not any(a.name == "vader" for a in chosen):
        from sentiment.vader import VaderAnalyzer

        chosen.append(VaderAnalyzer())
    report = EvaluationReport(data_dir=str(data_dir))
    seen = seen_validation_texts(chosen)
    for dataset in validation_sets(Path(data_dir)):
        full = len(dataset)
        if dataset.name in seen:
            dataset = without_texts(dataset, seen[dataset.name])
        if limit is not None:
            dataset = dataset.subset(range(min(limit, len(dataset))))
        for analyzer in chosen:
            result = evaluate_one(analyzer, dataset, left_out=full - len(dataset))
            logger.info("%s %s %.1f", result.backend, result.dataset, result.value)
            report.results.append(result)
    return report


def format_report(report: EvaluationReport) -> str:
    """Plain-text table: one block per backend, one line per dataset, then the mean."""
    lines = [f"Sentiment evaluation on validation splits under {report.data_dir}"]
    lines.append(
        "(metric: macro-F1, TweetEval macro-recall; Bulgarian: neutral counted as positive)"
    )
    header = f"{'dataset':<18} {'lang':<4} {'n':>5} {'metric':<12} {'value':>6} "
    header += f"{'negP':>6} {'negR':>6} {'texts/s':>9}"
    for backend in report.backends:
        rows = [r for r in report.results if r.backend == backend]
        lines += ["", backend, header, "-" * len(header)]
        for r in rows:
            lines.append(
                f"{r.dataset:<18} {r.language:<4} {r.n:>5} {r.metric:<12} {r.value:>6.1f} "
                f"{r.neg_precision:>6.1f} {r.neg_recall:>6.1f} {r.texts_per_second:>9.0f}"
            )
        total_n = sum(r.n for r in rows)
        total_s = sum(r.n / r.texts_per_second for r in rows if r.texts_per_second)
        overall = total_n / total_s if total_s else 0.0
        lines.append(
            f"{'mean':<18} {'':<4} {total_n:>5} {'':<12} {report.means[backend]:>6.1f} "
            f"{'':>6} {'':>6} {overall:>9.0f}"
        )
    left_out = {r.dataset: r.left_out for r in report.results if r.left_out}
    for dataset, count in left_out.items():
        lines.append(
            f"\n{dataset}: {count} texts that an evaluated model was trained on are left out; "
            "n counts the unseen rest."
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sentiment.evaluate [--data DIR] [--backend NAME ...] [--json FILE]``."""
    import argparse
    import json
    import sys

    from sentiment.router import build_analyzer

    parser = argparse.ArgumentParser(description="Evaluate sentiment backends on val splits.")
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument(
        "--backend",
        action="append",
        help="auto, multilingual, vader (repeatable; default: multilingual and auto)",
    )
    parser.add_argument("--limit", type=int, default=None, help="texts per set (default all)")
    parser.add_argument("--json", type=Path, default=None, help="also write the report as JSON")
    args = parser.parse_args(argv)
    analyzers = [build_analyzer(name) for name in (args.backend or ["multilingual", "auto"])]
    report = run_evaluation(args.data, analyzers, limit=args.limit)
    sys.stdout.write(format_report(report) + "\n")
    if args.json:
        args.json.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
