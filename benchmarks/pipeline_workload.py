"""bench_pipeline's workload: N generated mentions as JSON Feed files and the config
that reads them.

Imported by ``bench_pipeline.py`` once it has put the repository root and ``tests/`` on
``sys.path``.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cluster_harness import corpus  # real texts (../shared/data or the test fixtures)

OWN, RIVAL = "Nimbus", "Zephyrly"
FEED_SIZE = 2_000  # entries per JSON Feed file


def generate(n: int, seed: int = 0) -> list[dict[str, object]]:
    """N JSON Feed items over 30 days (ids unique; ~3% exact and ~3% near duplicates)."""
    rng = random.Random(seed)
    pool = corpus()
    now = datetime.now(UTC)
    items: list[dict[str, object]] = []
    for i in range(n):
        roll = rng.random()
        if items and roll < 0.03:
            text = str(rng.choice(items)["content_text"])  # cross-post: same text
        elif items and roll < 0.06:
            base = str(rng.choice(items)["content_text"])
            text = f"RT @user{rng.randrange(999)}: {base}" if rng.random() < 0.5 else base[:-3]
        else:
            brand = OWN if rng.random() < 0.6 else RIVAL
            middle = f"switched from {RIVAL} to {OWN}." if rng.random() < 0.1 else f"{brand}"
            text = f"{rng.choice(pool)} {middle} {rng.choice(pool)}"
        published = now - timedelta(seconds=rng.uniform(0, 30 * 86_400))
        items.append(
            {
                "id": f"m{i}",
                "url": f"https://feeds.example.test/item/{i}",
                "content_text": text,
                "date_published": published.isoformat(),
            }
        )
    return items


def write_feeds(items: list[dict[str, object]], root: Path, prefix: str = "f") -> list[str]:
    names = []
    for k in range(0, len(items), FEED_SIZE):
        name = f"{prefix}{k // FEED_SIZE:04d}.json"
        doc = {"version": "https://jsonfeed.org/version/1.1", "title": name}
        doc["items"] = items[k : k + FEED_SIZE]  # type: ignore[assignment]
        (root / name).write_text(json.dumps(doc), encoding="utf-8")
        names.append(name)
    return names


def write_config(work: Path, base_url: str, feeds: list[str], backend: str) -> Path:
    lines = [
        f'[database]\nurl = "sqlite:///{work}/bp.db"\n',
        f'[[brands]]\nname = "{OWN}"\nown = true\n',
        f'[[brands]]\nname = "{RIVAL}"\n',
        f'[analysis]\nbackend = "{backend}"\n',
        f'[digest]\noutput_dir = "{work}/digests"\n',
    ]
    for name in feeds:
        lines.append(
            f'[[sources]]\nname = "{name[:-5]}"\ntype = "feed"\n'
            f'url = "{base_url}/{name}"\nmax_entries = {FEED_SIZE}\n'
        )
    path = work / "brandpulse.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
