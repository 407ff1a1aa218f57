"""How bench_pipeline reports: ``RESULT name value unit`` lines, and a timer (seconds).

Imported by ``bench_pipeline.py`` once it has put the repository root and ``tests/`` on
``sys.path``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def result(name: str, value: float, unit: str) -> None:
    print(f"RESULT {name} {value:.4g} {unit}", flush=True)


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out
