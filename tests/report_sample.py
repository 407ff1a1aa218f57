"""Sample databases for the competitor report tests (and the README screenshot).

``golden``: a dozen mentions whose figures are worked out by hand in the tests.
``sample``: 94 real Amazon review snippets (tests/fixtures) assigned to three brands by a
fixed rule (see tests/fixtures/report/README.md), spread over 28 days before ``NOW``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import Mention, Repository
from storage.records import AnalysisInput, BrandSentiment

FIXTURES = Path(__file__).parent / "fixtures"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
BRANDS = (("Acme", True), ("Globex", False), ("Initech", False))
SOURCES = {
    "acme-appstore": "appstore",
    "acme-play": "googleplay",
    "globex-appstore": "appstore",
    "globex-play": "googleplay",
    "initech-appstore": "appstore",
    "initech-play": "googleplay",
    "news": "feed",
}
CONFIG_TOML = """
[[brands]]
name = "Acme"
own = true
[[brands]]
name = "Globex"
[[brands]]
name = "Initech"
[database]
url = "{url}"
[digest]
output_dir = "{out}"
"""


def _register(repo: Repository) -> None:
    repo.sync_brands(BRANDS)
    for name, kind in SOURCES.items():
        repo.sync_source(name, kind)


def _store(
    repo: Repository, rows: list[tuple[Mention, str | None, float, tuple[BrandSentiment, ...]]]
) -> None:
    by_source: dict[str, list[Mention]] = {}
    for mention, *_ in rows:
        by_source.setdefault(mention.source, []).append(mention)
    for source, mentions in by_source.items():
        repo.save_mentions(source, mentions)
    ids = {(m.source, m.external_id): m.id for m in repo.mentions()}
    repo.save_analyses(
        [
            AnalysisInput(
                mention_id=ids[(m.source, m.external_id)],
                label=label,
                score=score,
                confidence=0.9,
                language="en",
                model="fixture@1",
                brands=brands,
            )
            for m, label, score, brands in rows
            if label is not None
        ]
    )


def golden(repo: Repository) -> None:
    """Acme: 7 mentions in the period (3 positive, 1 neutral, 3 negative; reviews rated
    5, 4, 1), 1 before it; Globex: 4 (2/1/1; rated 2, 3); Initech: 1, not analyzed. One
    mention names Globex and Acme ("Globex is much better than Acme"): positive for
    Globex, negative for Acme."""
    _register(repo)
    day = NOW - timedelta(days=7)

    def m(
        source: str,
        ext: str,
        brands: tuple[str, ...],
        days: float,
        rating: float | None,
        text: str = "a post",
    ) -> Mention:
        return Mention(
            source=source,
            external_id=ext,
            url=f"https://example.org/{ext}",
            text=f"{text} {ext}",
            published_at=day + timedelta(days=days),
            brands=brands,
            rating=rating,
        )

    no: tuple[BrandSentiment, ...] = ()
    rows = [
        (m("acme-appstore", "a1", ("Acme",), 0.5, 5), "positive", 0.8, no),
        (m("acme-appstore", "a2", ("Acme",), 1.5, 4), "positive", 0.5, no),
        (m("acme-appstore", "a3", ("Acme",), 2.5, 1), "negative", -0.9, no),
        (m("news", "a4", ("Acme",), 3.5, None), "positive", 0.4, no),
        (m("news", "a5", ("Acme",), 4.5, None), "neutral", 0.0, no),
        (m("news", "a6", ("Acme",), 5.5, None), "negative", -0.5, no),
        (m("news", "a0", ("Acme",), -3.0, None), "negative", -0.5, no),  # period before
        (m("globex-play", "g1", ("Globex",), 0.5, 2), "negative", -0.6, no),
        (m("globex-play", "g2", ("Globex",), 1.5, 3), "neutral", 0.0, no),
        (m("news", "g3", ("Globex",), 2.5, None), "positive", 0.7, no),
        (
            m("news", "ga", ("Globex", "Acme"), 6.5, None, "Globex is much better than Acme"),
            "negative",
            -0.3,
            (
                BrandSentiment("Globex", "comparative", "positive", 0.6),
                BrandSentiment("Acme", "comparative", "negative", -0.6),
            ),
        ),
        (m("news", "i1", ("Initech",), 3.0, None), None, 0.0, no),
        (m("news", "late", ("Globex",), 8.0, 1), "negative", -0.9, no),  # after the period
    ]
    _store(repo, rows)


def _stars(score: float) -> float:
    return float(min(5, max(1, round(3 + score))))


def sample(repo: Repository) -> None:
    """The real snippets: Acme is criticised for batteries and customer service and praised
    for picture quality; Globex is praised for batteries (and customer service),
    criticised for manuals; Initech criticised for customer service, praised for manuals."""
    _register(repo)
    negatives = json.loads(
        (FIXTURES / "sentiment_topics" / "amazon_negative_themes.json").read_text()
    )
    positives = json.loads((FIXTURES / "report" / "amazon_positive_themes.json").read_text())
    service = [n for n in negatives if n["theme"] == "customer service"]
    plan = {
        "Acme": [n for n in negatives if n["theme"] == "battery"]
        + service[:6]
        + [p for p in positives if p["theme"] == "picture quality"],
        "Globex": [n for n in negatives if n["theme"] == "manual"]
        + [p for p in positives if p["theme"] in ("battery", "customer service")],
        "Initech": service[6:] + [p for p in positives if p["theme"] == "manual"],
    }
    rows = []
    for brand, items in plan.items():
        for i, item in enumerate(items):
            key = brand.lower()
            if i % 5 == 4:
                source, rating = "news", None
            else:
                source = f"{key}-appstore" if i % 2 == 0 else f"{key}-play"
                rating = _stars(item["score"])
            mention = Mention(
                source=source,
                external_id=f"{key}-{item['id']}",
                url=f"https://reviews.example.org/{key}/{item['id']}",
                text=item["text"],
                author=f"reviewer {i}",
                published_at=NOW - timedelta(days=27 - (i * 5) % 28, hours=i % 11),
                brands=(brand,),
                rating=rating,
            )
            label = "negative" if item["score"] < 0 else "positive"
            rows.append((mention, label, max(-1.0, min(1.0, item["score"] / 4)), ()))
    _store(repo, rows)


def write_config(tmp: Path, url: str) -> Path:
    """A config naming the three brands, the database and an output folder."""
    path = tmp / "brandpulse.toml"
    path.write_text(CONFIG_TOML.format(url=url, out=(tmp / "out").as_posix()), encoding="utf-8")
    return path
