"""Storage against real databases: SQLite always, PostgreSQL on 127.0.0.1 when reachable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage import Mention, Repository
from storage.repo import AnalysisInput

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def mention(
    i: int,
    *,
    text: str | None = None,
    title: str | None = None,
    brands: tuple[str, ...] = ("Acme",),
) -> Mention:
    return Mention(
        source="news",
        external_id=f"id-{i}",
        url=f"https://example.com/{i}",
        text=text or f"Acme post number {i}",
        title=f"Title {i}" if title is None else title,
        author=f"user{i}",
        published_at=NOW - timedelta(hours=i),
        brands=brands,
        engagement=i,
    )


@pytest.fixture
def ready(repo: Repository) -> Repository:
    repo.sync_brands([("Acme", True), ("Globex", False)])
    repo.sync_source("news", "feed", expected_interval_s=1800)
    return repo


def test_migrations_match_models(repo: Repository) -> None:
    with repo.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_save_is_idempotent_and_advances_cursor_with_health(ready: Repository) -> None:
    first = ready.save_mentions("news", [mention(1), mention(2)], cursor={"etag": "a"})
    again = ready.save_mentions("news", [mention(2), mention(3)], cursor={"etag": "b"})
    assert (first.inserted, first.duplicates) == (2, 0)
    assert (again.inserted, again.duplicates) == (1, 1)
    assert [m.external_id for m in ready.mentions()] == ["id-1", "id-2", "id-3"]
    assert ready.get_cursor("news") == {"etag": "b"}
    (health,) = ready.source_health()
    assert health.last_success_at is not None and health.consecutive_failures == 0
    assert health.total_mentions == 3 and health.last_item_count == 2


def test_brand_links_are_completed_on_refetch(ready: Repository) -> None:
    ready.save_mentions("news", [mention(1)])
    ready.save_mentions("news", [mention(1, brands=("Acme", "Globex"))])
    (stored,) = ready.mentions()
    assert stored.brands == ("Acme", "Globex")


def test_failure_counts_and_keeps_cursor(ready: Repository) -> None:
    ready.save_mentions("news", [mention(1)], cursor={"page": 1})
    assert ready.record_failure("news", "HTTP 503") == 1
    assert ready.record_failure("news", "HTTP 503") == 2
    (health,) = ready.source_health()
    assert health.consecutive_failures == 2 and health.last_error == "HTTP 503"
    assert ready.get_cursor("news") == {"page": 1}
    ready.save_mentions("news", [], cursor={"page": 2})
    assert ready.source_health()[0].consecutive_failures == 0


def test_timestamps_round_trip_as_aware_utc(ready: Repository) -> None:
    ready.save_mentions("news", [mention(1)])
    (stored,) = ready.mentions()
    assert stored.published_at == NOW - timedelta(hours=1)
    assert stored.published_at.tzinfo is not None


def test_analysis_override_wins_and_survives_reanalysis(ready: Repository) -> None:
    ready.save_mentions("news", [mention(1)])
    (pending,) = ready.pending_analysis()
    ready.save_analyses([AnalysisInput(pending.mention_id, "positive", 0.6, 0.8, "en", "m@1")])
    assert ready.pending_analysis() == []
    ready.set_override(pending.mention_id, "negative", note="sarcasm")
    ready.save_analyses([AnalysisInput(pending.mention_id, "positive", 0.7, 0.9, "en", "m@2")])
    (stored,) = ready.mentions()
    assert (stored.label, stored.model, stored.overridden) == ("negative", "human", True)
    assert ready.mentions(label="negative")[0].id == pending.mention_id
    with pytest.raises(KeyError):
        ready.set_override(999_999, "neutral")


def _analyze_all(repo: Repository, label: str, score: float) -> None:
    repo.save_analyses(
        [
            AnalysisInput(p.mention_id, label, score, 0.9, "en", "m@1")
            for p in repo.pending_analysis()
        ]
    )


def test_alerts_once_per_mention_and_per_story(ready: Repository) -> None:
    story = "Acme billing charged me twice!!"
    cross_post = "ACME billing charged me TWICE https://t.co/x"  # same words, other form
    ready.save_mentions(
        "news",
        [mention(1, text=story, title=""), mention(2, text=cross_post, title=""), mention(3)],
    )
    _analyze_all(ready, "negative", -0.8)
    since = NOW - timedelta(days=1)
    candidates = ready.alert_candidates(brands=["Acme"], labels=["negative"], since=since)
    assert len(candidates) == 3
    first = min(candidates, key=lambda m: m.id)
    assert ready.insert_alerts([(first.id, "Acme", 50.0)]) == 1
    assert ready.insert_alerts([(first.id, "Acme", 50.0)]) == 0
    left = ready.alert_candidates(brands=["Acme"], labels=["negative"], since=since)
    assert [m.external_id for m in left] == ["id-3"], (
        "the cross-post of an alerted story stays quiet"
    )
    assert ready.alert_candidates(brands=["Globex"], labels=["negative"], since=since) == []


def test_failed_delivery_is_retried_then_marked_sent(ready: Repository) -> None:
    ready.save_mentions("news", [mention(1), mention(2)])
    _analyze_all(ready, "negative", -0.5)
    ids = [m.id for m in ready.mentions()]
    ready.insert_alerts([(ids[0], "Acme", 10.0), (ids[1], "Acme", 90.0)])
    since = NOW - timedelta(days=3650)
    pending = ready.pending_alerts("slack://x", since=since)
    assert [a.urgency for a in pending] == [90.0, 10.0]
    ready.record_deliveries([a.alert_id for a in pending], "slack://x", ok=False, error="HTTP 500")
    assert len(ready.pending_alerts("slack://x", since=since)) == 2
    ready.record_deliveries([a.alert_id for a in pending], "slack://x", ok=True)
    assert ready.pending_alerts("slack://x", since=since) == []
    assert len(ready.pending_alerts("mailto://y", since=since)) == 2
    assert ready.delivery_counts() == {"sent": 2}


def test_brand_counts_and_share(ready: Repository) -> None:
    ready.save_mentions("news", [mention(1), mention(2, brands=("Acme", "Globex")), mention(3)])
    ids = [p.mention_id for p in ready.pending_analysis()]
    ready.save_analyses(
        [
            AnalysisInput(ids[0], "positive", 0.5, 0.9, "en", "m"),
            AnalysisInput(ids[1], "negative", -0.5, 0.9, "en", "m"),
        ]
    )
    counts = {c.brand: c for c in ready.brand_counts()}
    assert (counts["Acme"].mentions, counts["Acme"].positive, counts["Acme"].negative) == (3, 1, 1)
    assert counts["Acme"].unanalyzed == 1 and counts["Acme"].net_sentiment == 0.0
    assert (counts["Globex"].mentions, counts["Globex"].negative) == (1, 1)
    ready.sync_brands([("Initech", False)])
    assert {c.brand: c.mentions for c in ready.brand_counts()}["Initech"] == 0
    # Periods: mention i was published i hours before NOW; ``until`` is exclusive.
    window = ready.brand_counts(since=NOW - timedelta(hours=2), until=NOW - timedelta(hours=1))
    assert {c.brand: c.mentions for c in window} == {"Acme": 1, "Globex": 1, "Initech": 0}
    earlier = ready.brand_counts(until=NOW - timedelta(hours=2))
    assert {c.brand: c.mentions for c in earlier}["Acme"] == 1  # mention 3 only


def test_near_duplicate_story_alerts_once_and_counts_copies(ready: Repository) -> None:
    ready.save_mentions(
        "news",
        [
            mention(1, text="Acme lost my parcel again, third time this month", title=""),
            mention(2, text="RT @kim: Acme lost my parcel again, third time this month!", title=""),
            mention(3, text="Acme support was rude to me", title=""),
        ],
    )
    _analyze_all(ready, "negative", -0.9)
    ids = [m.id for m in ready.mentions()]
    assert len(ready.recent_for_grouping(since=NOW - timedelta(days=3650))) == 3
    assert ready.set_story_ids({ids[0]: ids[0], ids[1]: ids[0], ids[2]: ids[2]}) == 1
    assert ready.set_story_ids({ids[0]: ids[0], ids[1]: ids[0], ids[2]: ids[2]}) == 0
    stored = {m.id: m for m in ready.mentions()}
    assert (stored[ids[0]].story, stored[ids[1]].story, stored[ids[2]].story) == tuple(
        ids[:1] * 2 + ids[2:]
    )
    assert stored[ids[0]].story_id is None, "a story's first mention keeps no pointer"
    ready.insert_alerts([(ids[0], "Acme", 70.0)])
    since = NOW - timedelta(days=3650)
    left = ready.alert_candidates(brands=["Acme"], labels=["negative"], since=since)
    assert [m.id for m in left] == [ids[2]]
    (pending,) = ready.pending_alerts("file", since=since)
    assert pending.duplicates == 1


def test_per_brand_labels_win_over_the_mention_label_and_overrides_win_over_both(
    ready: Repository,
) -> None:
    from storage.records import BrandSentiment

    ready.save_mentions(
        "news",
        [
            mention(1, text="Globex is so much faster than Acme", brands=("Acme", "Globex")),
            mention(2, text="Acme is great"),
        ],
    )
    pending = {p.mention_id: p for p in ready.pending_analysis()}
    comparative, single = sorted(pending)
    assert pending[comparative].brands == ("Acme", "Globex")
    assert pending[single].brands == ("Acme",)
    per_brand = (
        BrandSentiment("Acme", "comparative", "negative", -0.6),
        BrandSentiment("Globex", "comparative", "positive", 0.6),
    )
    analyses = [
        AnalysisInput(comparative, "positive", 0.6, 0.9, "en", "m@1", brands=per_brand),
        AnalysisInput(single, "positive", 0.8, 0.9, "en", "m@1"),
    ]
    ready.save_analyses(analyses)
    ready.save_analyses(analyses)  # re-analysis replaces, never duplicates
    assert ready.pending_analysis() == []

    counts = {c.brand: c for c in ready.brand_counts()}
    assert (counts["Acme"].mentions, counts["Acme"].positive, counts["Acme"].negative) == (2, 1, 1)
    assert (counts["Globex"].mentions, counts["Globex"].positive) == (1, 1)
    since = NOW - timedelta(days=1)
    (alert,) = ready.alert_candidates(brands=["Acme"], labels=["negative"], since=since)
    assert alert.id == comparative and alert.label == "positive", "the mention's own label"
    assert alert.label_for("Acme") == "negative" and alert.label_for("Globex") == "positive"
    assert ready.alert_candidates(brands=["Globex"], labels=["negative"], since=since) == []
    (seen_by_acme,) = ready.mentions(brand="Acme", label="negative")
    assert (seen_by_acme.id, seen_by_acme.label, seen_by_acme.score) == (
        comparative,
        "negative",
        -0.6,
    )
    assert [m.id for m in ready.mentions(brand="Acme", label="positive")] == [single]

    ready.set_override(comparative, "neutral")
    counts = {c.brand: c for c in ready.brand_counts()}
    assert (counts["Acme"].neutral, counts["Acme"].negative, counts["Globex"].neutral) == (1, 0, 1)
    assert ready.alert_candidates(brands=["Acme"], labels=["negative"], since=since) == []
    assert ready.mentions(brand="Acme", label="neutral")[0].label == "neutral"
    ready.clear_override(comparative)

    # Re-analysis without per-brand results clears them: the mention label applies again,
    # and the multi-brand mention is pending until it gets per-brand results.
    ready.save_analyses([AnalysisInput(comparative, "negative", -0.5, 0.9, "en", "m@2")])
    counts = {c.brand: c for c in ready.brand_counts()}
    assert (counts["Globex"].negative, counts["Globex"].positive) == (1, 0)
    assert [p.mention_id for p in ready.pending_analysis()] == [comparative]


def test_mention_method_stores_no_label(ready: Repository) -> None:
    from storage.records import BrandSentiment

    ready.save_mentions("news", [mention(1, brands=("Acme", "Globex"))])
    (pending,) = ready.pending_analysis()
    both = tuple(BrandSentiment(b, "mention") for b in ("Acme", "Globex"))
    ready.save_analyses(
        [AnalysisInput(pending.mention_id, "negative", -0.4, 0.9, "en", "m@1", brands=both)]
    )
    assert ready.pending_analysis() == []
    (stored,) = ready.mentions()
    assert {b.method for b in stored.brand_sentiments} == {"mention"}
    assert stored.label_for("Globex") == "negative"
    assert {c.brand: c.negative for c in ready.brand_counts()} == {"Acme": 1, "Globex": 1}
