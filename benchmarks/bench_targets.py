"""Per-brand (target) sentiment benchmark: ``python benchmarks/bench_targets.py``.

Runs the real default analyzer (``sentiment.router.build_analyzer("auto")``) on the real,
hand-labelled multi-brand sentences of ``tests/fixtures/sentiment_targets/targets.jsonl``
(sources in its README; the per-target labels are ours) and prints, measured in the same
run, the accuracy of per-brand labels against the baseline "every brand gets the mention's
label", overall, on the comparative sentences, per method and per gold label, plus the
macro-F1 of both.

``--show-errors`` lists every target the per-brand labels get wrong; ``--json FILE`` writes
the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from brandpulse.analysis import classify_with_targets, plan_brand_targets  # noqa: E402
from sentiment import detect_languages  # noqa: E402
from sentiment.language import TRUSTED_CONFIDENCE, language_or_fallback  # noqa: E402
from sentiment.router import build_analyzer  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "sentiment_targets" / "targets.jsonl"
LABELS = ("negative", "neutral", "positive")


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    scores = []
    for label in LABELS:
        tp = sum(1 for gold, pred in pairs if gold == label and pred == label)
        fp = sum(1 for gold, pred in pairs if gold != label and pred == label)
        fn = sum(1 for gold, pred in pairs if gold == label and pred != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=FIXTURE)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    items = [json.loads(line) for line in args.data.read_text("utf-8").splitlines() if line]
    texts = [item["text"] for item in items]
    terms = [{t["brand"]: t["terms"] for t in item["targets"]} for item in items]
    start = time.perf_counter()
    analyzer = build_analyzer("auto")
    load_s = time.perf_counter() - start
    # The same language rule and the same code path as analyze_pending.
    languages = [
        language_or_fallback(g, None, min_confidence=TRUSTED_CONFIDENCE)
        for g in detect_languages(texts)
    ]
    plans = [plan_brand_targets(text, list(t), t) for text, t in zip(texts, terms, strict=True)]
    start = time.perf_counter()
    mentions, targets = classify_with_targets(analyzer, texts, plans, languages=languages)
    run_s = time.perf_counter() - start

    rows = []
    for item, mention, per_brand in zip(items, mentions, targets, strict=True):
        assert per_brand is not None
        for target in item["targets"]:
            result = per_brand[target["brand"]]
            rows.append(
                {
                    "id": item["id"],
                    "brand": target["brand"],
                    "gold": target["label"],
                    "baseline": mention.label,
                    "per_brand": result.label,
                    "method": result.method,
                    "comparative": any(r.method == "comparative" for r in per_brand.values()),
                }
            )

    def accuracy(subset: list[dict[str, object]], key: str) -> float:
        return sum(r[key] == r["gold"] for r in subset) / len(subset) if subset else 0.0

    def line(name: str, subset: list[dict[str, object]]) -> str:
        return (
            f"{name:<34} {len(subset):>4}   {accuracy(subset, 'baseline'):>8.1%}"
            f"   {accuracy(subset, 'per_brand'):>9.1%}"
        )

    n_sentences = len(items)
    print(
        f"{n_sentences} real sentences, {len(rows)} brand targets "
        f"(gold {dict(Counter(r['gold'] for r in rows))}); analyzer {analyzer.name} "
        f"{getattr(analyzer, 'version', '')}; load {load_s:.1f} s, "
        f"{len(texts)} texts + segments classified in {run_s:.2f} s (one call)"
    )
    print(f"{'subset':<34} {'n':>4}   {'baseline':>8}   {'per-brand':>9}")
    print(line("all targets", rows))
    print(line("targets in comparative sentences", [r for r in rows if r["comparative"]]))
    print(line("targets in other sentences", [r for r in rows if not r["comparative"]]))
    for method in ("segment", "comparative", "mention"):
        print(line(f"  method = {method}", [r for r in rows if r["method"] == method]))
    for label in LABELS:
        print(line(f"  gold = {label}", [r for r in rows if r["gold"] == label]))
    baseline_f1 = macro_f1([(str(r["gold"]), str(r["baseline"])) for r in rows])
    per_brand_f1 = macro_f1([(str(r["gold"]), str(r["per_brand"])) for r in rows])
    print(f"{'macro-F1':<34} {len(rows):>4}   {baseline_f1:>8.3f}   {per_brand_f1:>9.3f}")
    split = sum(1 for r in rows if r["method"] != "mention") / len(rows)
    print(f"targets given their own label (segment or comparative): {split:.0%}")
    if args.show_errors:
        for r in rows:
            if r["per_brand"] != r["gold"]:
                print(
                    f"  WRONG {r['id']:<40} {r['brand']:<22} gold={r['gold']:<8} "
                    f"per-brand={r['per_brand']:<8} ({r['method']}) baseline={r['baseline']}"
                )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "targets": len(rows),
                    "sentences": n_sentences,
                    "baseline_accuracy": accuracy(rows, "baseline"),
                    "per_brand_accuracy": accuracy(rows, "per_brand"),
                    "baseline_macro_f1": baseline_f1,
                    "per_brand_macro_f1": per_brand_f1,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
