"""How the benchmarks report: ``RESULT name value unit`` lines, and a timer (seconds).

Imported as ``results`` (the benchmarks folder is on ``sys.path`` when a benchmark runs as
``python benchmarks/<name>.py``) by ``bench_pipeline.py``, ``pipeline_ingest.py``,
``bench_feeds.py`` and ``bench_scale.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def result(name: str, value: float, unit: str = "") -> None:
    """Print ``RESULT name value unit`` (4 significant digits; no unit for a plain count
    or ratio, e.g. ``RESULT lost 0``)."""
    print(f"RESULT {name} {value:.4g} {unit}".rstrip(), flush=True)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out
