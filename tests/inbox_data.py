"""Real reviews and posts for the inbox tests, with the analyses the tests assign them.

Texts, authors, ratings and times are real and unchanged:

* four Google Play reviews of the Twitter app (tests/fixtures/googleplay, January 2021),
  parsed by google-play-scraper and the adapter;
* four App Store reviews of the REALITY app from the Japanese store (tests/fixtures/
  appstore, 2020; the recording has no dates);
* a Hacker News comment from the Algolia search recording (tests/fixtures/hn).

Only the sentiment analyses are set by the tests (``ANALYSES``), to drive each branch of
the alert rules; they are stated next to each mention, with why.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from brandpulse.config import Config, load_config
from listeners.appstore import entries_of, entry_to_mention
from listeners.googleplay import review_to_mention
from listeners.hackernews import hit_to_mention
from storage import Mention, Repository
from storage.repo import AnalysisInput

FIXTURES = Path(__file__).parent / "fixtures"
#: "Now" of the inbox tests: the day after the newest Google Play review.
NOW = datetime(2021, 1, 20, 12, 0, tzinfo=UTC)

CONFIG = """
[database]
url = "{db}"

[[brands]]
name = "Twitter"
own = true

[[brands]]
name = "REALITY"
own = true

[[brands]]
name = "Apple"

[[sources]]
name = "googleplay-twitter"
type = "googleplay"
app_id = "com.twitter.android"
brand = "Twitter"

[[sources]]
name = "appstore-reality-jp"
type = "appstore"
app_id = "1404176564"
country = "jp"
brand = "REALITY"

[[sources]]
name = "hn"
type = "hackernews"

[alerts]
brands = ["Twitter", "REALITY", "Apple"]
max_age_hours = 100000
sla_hours = 24

[digest]
output_dir = "{out}"
"""


def make_config(tmp_path: Path, db_url: str) -> Config:
    path = tmp_path / "brandpulse.toml"
    path.write_text(CONFIG.format(db=db_url, out=tmp_path / "out"), encoding="utf-8")
    return load_config(path, env={})


def googleplay_mentions() -> list[Mention]:
    from google_play_scraper.constants.element import ElementSpecs

    raw = (FIXTURES / "googleplay" / "batchexecute_reviews_com.twitter.android.txt").read_text(
        encoding="utf-8"
    )
    envelope = json.loads(raw[len(")]}'") :])
    payload = json.loads(next(row[2] for row in envelope if row[:2] == ["wrb.fr", "UsvDTd"]))
    reviews = [
        {k: spec.extract_content(item) for k, spec in ElementSpecs.Review.items()}
        for item in payload[0]
    ]
    out = []
    for review in reviews:
        m = review_to_mention(
            "googleplay-twitter", review, app_id="com.twitter.android", lang="en", country="us"
        )
        out.append(Mention(**{**_fields(m), "brands": ("Twitter",)}))
    return out


def appstore_mentions() -> list[Mention]:
    payload = json.loads(
        (FIXTURES / "appstore" / "customerreviews_jp_1404176564.json").read_text(encoding="utf-8")
    )
    return [
        Mention(
            **{
                **_fields(
                    entry_to_mention("appstore-reality-jp", e, app_id="1404176564", country="jp")
                ),
                "brands": ("REALITY",),
                "language": "ja",
            }
        )
        for e in entries_of(payload)
    ]


def hn_mentions() -> list[Mention]:
    payload = json.loads(
        (FIXTURES / "hn" / "search_by_date_comment_apple.json").read_text(encoding="utf-8")
    )
    return [
        Mention(**{**_fields(hit_to_mention("hn", hit)), "brands": ("Apple",)})
        for hit in payload["hits"][:1]
    ]


def _fields(m: Mention) -> dict[str, object]:
    return {name: getattr(m, name) for name in Mention.__slots__}  # type: ignore[attr-defined]


#: external id prefix → (label, score, confidence, why this analysis)
ANALYSES = {
    # Google Play, Twitter
    "hayzel": ("negative", -0.4, 0.8, "5 stars, the model misreads 'glitch': no alert"),
    "Crazy Diamond": ("negative", -0.8, 0.9, "2 stars, negative text: an alert"),
    "Dexydexa": ("neutral", 0.0, 0.6, "1 star, neutral text: the stars make it negative"),
    "Aeo P": ("positive", 0.8, 0.7, "2 stars, clearly positive text: a mismatch to check"),
    # App Store JP, REALITY (by title)
    "神アプリ": ("positive", 0.9, 0.9, "4 stars, positive: nothing"),
    "ストーキング機能を消して…": ("negative", -0.6, 0.45, "2 stars: the stars decide, floor n/a"),
    "ラグが酷すぎる": ("negative", -0.9, 0.95, "1 star, very negative"),
    "、": ("negative", -0.5, 0.7, "1 star, 'too many updates': same story? no, distinct"),
    # Hacker News, Apple (unrated post)
    "bhickey": ("negative", -0.3, 0.42, "unrated, below the confidence floor: worth a look"),
}


def load(repo: Repository) -> dict[str, int]:
    """Store the mentions and analyses; returns ``key → mention id`` (keys of ANALYSES)."""
    repo.sync_brands([("Twitter", True), ("REALITY", True), ("Apple", False)])
    repo.sync_source("googleplay-twitter", "googleplay")
    repo.sync_source("appstore-reality-jp", "appstore")
    repo.sync_source("hn", "hackernews")
    groups = {
        "googleplay-twitter": googleplay_mentions(),
        "appstore-reality-jp": appstore_mentions(),
        "hn": hn_mentions(),
    }
    for source, mentions in groups.items():
        repo.save_mentions(source, mentions)
    ids: dict[str, int] = {}
    analyses = []
    for stored in repo.mentions():
        key = next(k for k in ANALYSES if stored.author.startswith(k) or stored.title == k)
        label, score, confidence, _why = ANALYSES[key]
        ids[key] = stored.id
        language = stored.language or "en"
        analyses.append(AnalysisInput(stored.id, label, score, confidence, language, "fixture@1"))
    repo.save_analyses(analyses)
    return ids
