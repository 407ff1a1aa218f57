"""Spike detection on generated weekly series: ``python benchmarks/bench_spikes.py``.

Uses the generators of ``tests/test_spikes.py`` (two sources, busy weekday office hours,
quiet nights and weekends, Poisson noise, five weeks) and prints, for a few values of
``z``: false findings over many checks of steady series (every 5 hours of a week, 30
seeds, brand total and each source), and how often an extra burst of N mentions in the
last two hours is found as a volume spike of the brand.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from test_spikes import NOW, burst, weekly_series  # noqa: E402

from digest.spikes import ALL_SOURCES, SpikeSettings, detect_spikes  # noqa: E402


def main() -> int:
    for z in (3.0, 3.5, 4.0):
        settings = SpikeSettings(z=z)
        checks = false = 0
        for seed in range(10, 40):
            for step in range(0, 7 * 24, 5):
                end = NOW + timedelta(hours=step)
                posts = weekly_series(seed, end=end)
                checks += 3
                false += len(detect_spikes(posts, now=end, own_brands={"Acme"}, settings=settings))
        found = {}
        for size in (15, 20, 30, 45):
            hits = total = 0
            for seed in range(40, 52):
                for step in range(0, 7 * 24, 13):
                    end = NOW + timedelta(hours=step)
                    posts = weekly_series(seed, end=end) + burst(
                        "Acme", size, negative=0.15, end=end
                    )
                    total += 1
                    hits += any(
                        f.kind == "volume" and f.source == ALL_SOURCES
                        for f in detect_spikes(
                            posts, now=end, own_brands={"Acme"}, settings=settings
                        )
                    )
            found[size] = f"{hits / total:.0%}"
        print(f"z={z}: {false} false findings in {checks} checks; bursts found: {found}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
