"""Where to put ``alerts.min_confidence``: ``python benchmarks/bench_confidence_floor.py``.

Runs the default analyzer (``auto``) on up to 400 texts (seeded sample) of every labelled
validation set in ``../shared/data`` (``--data`` overrides) and prints, for each confidence
floor, how many texts would alert immediately, their negative precision and recall, and
the precision of the negatives held back for "worth a look". Exits cleanly without the data.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sentiment.datasets import NEG, validation_sets  # noqa: E402
from sentiment.router import build_analyzer  # noqa: E402

FLOORS = (0.0, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7, 0.8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--per-set", type=int, default=400)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"no labelled data at {args.data}; pass --data")
        return 0
    analyzer = build_analyzer("auto")
    rows: list[tuple[str, float, bool]] = []
    for dataset in validation_sets(args.data):
        index = list(range(len(dataset.texts)))
        random.Random(0).shuffle(index)
        index = index[: args.per_set]
        results = analyzer.analyze([dataset.texts[i] for i in index])
        rows += [
            (r.label, r.confidence, dataset.labels[i] == NEG)
            for i, r in zip(index, results, strict=True)
        ]
    negatives = sum(1 for r in rows if r[2])
    print(f"{len(rows)} texts, {negatives} labelled negative")
    print(f"{'floor':>6} {'alerts':>7} {'precision':>9} {'recall':>7} {'held':>6} {'held prec':>9}")
    for floor in FLOORS:
        above = [r for r in rows if r[0] == "negative" and r[1] >= floor]
        below = [r for r in rows if r[0] == "negative" and r[1] < floor]
        tp = sum(1 for r in above if r[2])
        held_tp = sum(1 for r in below if r[2])
        print(
            f"{floor:>6.2f} {len(above):>7} {tp / max(1, len(above)):>9.3f} "
            f"{tp / max(1, negatives):>7.3f} {len(below):>6} {held_tp / max(1, len(below)):>9.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
