"""Feed parsing speed (issue 14, item 5): ``python benchmarks/bench_feeds.py``.

For each real sample feed (brandpulse/demo_data/feeds, tests/fixtures/feeds) it times
:func:`listeners.feeds.parse_feed` with the lxml fast path (``listeners.feeds_fast``) and
with it switched off (feedparser), in the same run, and prints ``RESULT`` lines: entries/s
of both and their ratio, or ``feedparser_only`` for a feed the fast path leaves to
feedparser. The JSON Feed sample gives the JSON path's speed for comparison.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results import result  # noqa: E402

import listeners.feeds  # noqa: E402
from listeners.feeds_fast import parse_plain_xml  # noqa: E402

FEEDS = [
    *sorted((ROOT / "brandpulse" / "demo_data" / "feeds").glob("*")),
    *sorted((ROOT / "tests" / "fixtures" / "feeds").glob("*.xml")),
]


def rate(body: bytes, repeat: int) -> tuple[int, float]:
    """(entries, entries/s) of parse_feed over ``repeat`` runs."""
    start = time.perf_counter()
    for _ in range(repeat):
        mentions, _warnings = listeners.feeds.parse_feed(body, source="bench", url="bench")
    seconds = (time.perf_counter() - start) / repeat
    return len(mentions), len(mentions) / seconds


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for path in FEEDS:
        body = path.read_bytes()
        name = path.stem
        if path.suffix == ".json":
            result(f"feed_json_{name}", rate(body, repeat)[1], "entries/s")
            continue
        if parse_plain_xml(body, source="bench") is None:
            result(f"feed_feedparser_only_{name}", rate(body, repeat)[1], "entries/s")
            continue
        fast = rate(body, repeat)[1]
        real = listeners.feeds.parse_plain_xml
        listeners.feeds.parse_plain_xml = lambda *_a, **_k: None
        try:
            slow = rate(body, repeat)[1]
        finally:
            listeners.feeds.parse_plain_xml = real
        result(f"feed_lxml_{name}", fast, "entries/s")
        result(f"feed_feedparser_{name}", slow, "entries/s")
        result(f"feed_speedup_{name}", fast / slow, "x")


if __name__ == "__main__":
    main()
