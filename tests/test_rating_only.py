"""Rating-only reviews (stars, no words) take their label from the stars, everywhere.

A review page can carry a star rating with no text (the schema.org spider keeps such a
review, marked ``extra["rating_only"]``: see test_schema_review_fixes). No text model
can read an empty string, so the analysis stores the label the stars state
(``domain.rating.label_from_rating``) with the model ``stars@1``; the stored counts,
the report's daily counts and the alerts then all read that label.

The analyzer here answers "positive" for every text it is given (what a model tends to
say, or not, about ""): before this rule a 1-star rating-only review was counted
positive and never alerted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from inbox_data import NOW, make_config
from recording_analyzer import RecordingAnalyzer

from brandpulse.analysis import analyze_pending
from brandpulse.inbox import Inbox, raise_alerts
from domain.rating import (
    RATING_MODEL,
    is_rating_only,
    label_from_rating,
    rated_label,
    rating_score,
)
from storage import Mention, Repository
from storage.report_queries import ReportQueries

SOURCE = "googleplay-twitter"  # a rated source of the inbox tests' config


def _review(key: str, rating: float, text: str = "") -> Mention:
    return Mention(
        source=SOURCE,
        external_id=key,
        url=f"https://example.com/{key}",
        text=text,
        author=key,
        published_at=NOW - timedelta(hours=2),
        rating=rating,
        brands=("Twitter",),
        extra={"rating_only": True} if not text else {},
    )


@pytest.mark.parametrize(
    ("rating", "label", "score"),
    [(1.0, "negative", -1.0), (2.0, "negative", -0.5), (3.0, "neutral", 0.0),
     (4.0, "positive", 0.5), (5.0, "positive", 1.0), (2.5, "neutral", -0.25)],
)  # fmt: skip
def test_the_stars_state_the_label(rating: float, label: str, score: float) -> None:
    assert label_from_rating(rating) == label
    assert rating_score(rating) == score
    # the rating rule keeps it: a rating-only review is never a "mismatch"
    verdict = rated_label(label, rating=rating, score=score)
    assert verdict.label == label and not verdict.mismatch


def test_rating_only_means_stars_and_no_words() -> None:
    assert is_rating_only(title="", text="  ", rating=1.0)
    assert not is_rating_only(title="", text="", rating=None)
    assert not is_rating_only(title="Bad", text="", rating=1.0)
    assert not is_rating_only(title="", text="Bad", rating=1.0)


def test_counts_report_and_alerts_read_the_rating(
    repo: Repository, tmp_path: Path, database_url: str
) -> None:
    config = make_config(tmp_path, database_url)
    repo.sync_brands([("Twitter", True), ("REALITY", True), ("Apple", False)])
    repo.sync_source(SOURCE, "googleplay", expected_interval_s=3600)
    repo.save_mentions(
        SOURCE,
        [
            _review("one-star", 1.0),
            _review("three-stars", 3.0),
            _review("five-stars", 5.0),
            _review("worded", 4.0, text="Works well on my phone."),
        ],
    )
    model = RecordingAnalyzer("positive")

    assert analyze_pending(repo, model) == 4

    assert model.seen == ["Works well on my phone."], "no model reads an empty review"
    stored = {m.external_id: m for m in repo.mentions()}
    assert {k: (m.label, m.model) for k, m in stored.items()} == {
        "one-star": ("negative", RATING_MODEL),
        "three-stars": ("neutral", RATING_MODEL),
        "five-stars": ("positive", RATING_MODEL),
        "worded": ("positive", "recorder@0"),
    }
    assert (stored["one-star"].score, stored["one-star"].confidence) == (-1.0, 1.0)

    # stored counts (per brand, by effective label)
    (twitter,) = [c for c in repo.brand_counts() if c.brand == "Twitter"]
    assert (twitter.negative, twitter.neutral, twitter.positive) == (1, 1, 2)

    # the report's daily counts
    daily = ReportQueries(repo.engine).daily_label_counts()
    assert sorted((r.label, r.count) for r in daily if r.brand == "Twitter") == [
        ("negative", 1),
        ("neutral", 1),
        ("positive", 2),
    ]

    # alerts: the 1-star review is a negative review to answer, not a mismatch
    raise_alerts(config, repo, now=NOW)
    items = Inbox(config, repo, now=lambda: NOW).items(state="all")
    assert [(i.mention.external_id, i.label, i.watch_reason) for i in items] == [
        ("one-star", "negative", None)
    ]


def test_counts_and_report_apply_the_rating_rule_to_worded_reviews(repo: Repository) -> None:
    """Worded 1-star reviews the model reads as neutral count as negative, as their alerts
    do; a 5-star review whose text reads negative counts as neutral (never an apology);
    an unrated post keeps its text label. Stored counts and the report's daily counts
    alike."""
    repo.sync_brands([("Twitter", True)])
    repo.sync_source(SOURCE, "googleplay", expected_interval_s=3600)
    repo.save_mentions(
        SOURCE,
        [
            _review("bios", 1.0, text="Do not update the BIOS."),
            _review("lag", 2.0, text="It lags since the update."),
        ],
    )
    assert analyze_pending(repo, RecordingAnalyzer("neutral")) == 2
    unrated = replace(_review("unrated", 1.0, text="It crashes."), rating=None)
    repo.save_mentions(SOURCE, [_review("crash", 5.0, text="Love it, but it crashes."), unrated])
    assert analyze_pending(repo, RecordingAnalyzer("negative")) == 2
    stored = {m.external_id: m.label for m in repo.mentions()}
    assert stored == {
        "bios": "neutral",
        "lag": "neutral",
        "crash": "negative",
        "unrated": "negative",
    }

    (twitter,) = [c for c in repo.brand_counts() if c.brand == "Twitter"]
    assert (twitter.negative, twitter.neutral, twitter.positive) == (3, 1, 0)
    daily = ReportQueries(repo.engine).daily_label_counts()
    assert sorted((r.label, r.count) for r in daily if r.brand == "Twitter") == [
        ("negative", 3),
        ("neutral", 1),
    ]
