"""Alert latency: from a negative mention appearing in a feed to its alert, with a poll
loop like the daemon's.

Imported by ``bench_pipeline.py`` once it has put the repository root and ``tests/`` on
``sys.path``.
"""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline_workload import OWN

from brandpulse.pipeline import Pipeline

NEGATIVE = [
    "{b} is down again, I lost a whole day of work. Terrible.",
    "Absolutely furious with {b}: charged twice and support never answers.",
    "{b} deleted my files after the update, worst app ever, I hate it.",
    "Horrible experience with {b} today, the app keeps crashing and crashing.",
]


def alert_latency(pipeline: Pipeline, served: Path, poll_s: float, n: int) -> list[float]:
    """Negative mentions appear in one feed at random moments; a poll loop like the
    daemon's (collect, analyze, group, alert) runs every ``poll_s`` seconds."""
    feed = served / "live.json"
    items: list[dict[str, object]] = []
    appeared: dict[str, float] = {}
    rng = random.Random(n)
    count, span = 12, poll_s * 4

    def publish() -> None:
        for i in range(count):
            time.sleep(rng.uniform(0, span / count))
            ext = f"live{n}-{i}"
            items.insert(
                0,
                {
                    "id": ext,
                    "url": f"https://feeds.example.test/live/{ext}",
                    "content_text": rng.choice(NEGATIVE).format(b=OWN) + f" (case {n}-{i})",
                    "date_published": datetime.now(UTC).isoformat(),
                },
            )
            doc = {"version": "https://jsonfeed.org/version/1.1", "title": "live", "items": items}
            tmp = feed.with_suffix(".tmp")
            tmp.write_text(json.dumps(doc), encoding="utf-8")
            tmp.replace(feed)
            appeared[ext] = time.time()

    writer = threading.Thread(target=publish)
    feed.write_text('{"version": "https://jsonfeed.org/version/1.1", "items": []}')
    writer.start()
    raised: dict[str, float] = {}
    deadline = time.time() + span + 3 * poll_s + 60
    while time.time() < deadline and len(raised) < count:
        tick = time.time()
        pipeline.collect(only={"live"})
        pipeline.analyze()
        pipeline.group_stories()
        pipeline.raise_alerts()
        done = time.time()
        for ext in list(appeared):
            if ext not in raised and _has_alert(pipeline, ext):
                raised[ext] = done
        time.sleep(max(0.0, poll_s - (time.time() - tick)))
    writer.join()
    return [raised[e] - appeared[e] for e in raised]


def _has_alert(pipeline: Pipeline, external_id: str) -> bool:
    from sqlalchemy import text

    with pipeline.repo.engine.connect() as conn:
        return (
            conn.execute(
                text(
                    "SELECT 1 FROM alerts JOIN mentions ON mentions.id = alerts.mention_id "
                    "WHERE mentions.source = 'live' AND mentions.external_id = :e"
                ),
                {"e": external_id},
            ).first()
            is not None
        )
