"""The effective-label rule, pinned once in Python and once in SQL (SQLite and PostgreSQL),
and the Repository's three label queries checked against the Python rule."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Boolean, ColumnElement, Float, String, cast, literal, select

from domain.labels import LABELS, effective_label, effective_rated_label, effective_score
from storage import Mention, Repository, make_engine
from storage.labels import effective_label_sql, effective_rated_label_sql, effective_score_sql
from storage.records import BrandSentiment
from storage.repo import AnalysisInput

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
#: Every combination of (correction, brand label, model label), with None for "absent".
COMBINATIONS = list(itertools.product((None, "neutral"), (None, "negative"), (None, "positive")))


def _first_present(*labels: str | None) -> str | None:
    return next((label for label in labels if label is not None), None)


@pytest.mark.parametrize(("correction", "brand_label", "model_label"), COMBINATIONS)
def test_python_rule_takes_correction_then_brand_then_model(
    correction: str | None, brand_label: str | None, model_label: str | None
) -> None:
    got = effective_label(correction=correction, brand_label=brand_label, model_label=model_label)
    assert got == _first_present(correction, brand_label, model_label)


def test_python_rule_examples_read_as_the_docs_say() -> None:
    assert effective_label(
        correction="neutral", brand_label="negative", model_label="positive"
    ) == ("neutral")
    assert effective_label(correction=None, brand_label="negative", model_label="positive") == (
        "negative"
    )
    assert effective_label(correction=None, brand_label=None, model_label="positive") == "positive"
    assert effective_label(correction=None, brand_label=None, model_label=None) is None
    assert LABELS == ("negative", "neutral", "positive")


SCORE_COMBINATIONS = list(itertools.product((False, True), (None, -0.5), (None, 0.25)))


@pytest.mark.parametrize(("corrected", "brand_score", "model_score"), SCORE_COMBINATIONS)
def test_python_score_follows_the_label(
    corrected: bool, brand_score: float | None, model_score: float | None
) -> None:
    got = effective_score(corrected=corrected, brand_score=brand_score, model_score=model_score)
    assert got == (model_score if corrected else _first_present(brand_score, model_score))


def _text(value: str | None) -> ColumnElement[str | None]:
    """A typed SQL value (NULL for None), so PostgreSQL knows the parameter's type."""
    return literal(value, String())


def test_sql_rule_agrees_with_the_python_rule(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            for correction, brand_label, model_label in COMBINATIONS:
                expected = effective_label(
                    correction=correction, brand_label=brand_label, model_label=model_label
                )
                per_brand = effective_label_sql(
                    correction=_text(correction),
                    brand_label=_text(brand_label),
                    model_label=_text(model_label),
                )
                got = conn.execute(select(per_brand)).scalar_one()
                assert got == expected, (correction, brand_label, model_label)
                # Without a brand column: correction, then the model's label.
                mention_wide = effective_label_sql(
                    correction=_text(correction),
                    model_label=_text(model_label),
                )
                assert conn.execute(select(mention_wide)).scalar_one() == _first_present(
                    correction, model_label
                )
            for corrected, brand_score, model_score in SCORE_COMBINATIONS:
                score = effective_score_sql(
                    corrected=literal(corrected, Boolean()),
                    brand_score=cast(literal(brand_score), Float()),
                    model_score=cast(literal(model_score), Float()),
                )
                assert conn.execute(select(score)).scalar_one() == effective_score(
                    corrected=corrected, brand_score=brand_score, model_score=model_score
                ), (corrected, brand_score, model_score)
    finally:
        engine.dispose()


#: (correction, brand label, model label, rating, score) for the star-rating rule.
RATED = list(
    itertools.product(
        (None, "positive"),
        (None, "negative", "positive"),
        (None, "neutral", "positive", "negative"),
        (None, 1.0, 2.0, 3.0, 4.5, 5.0),
        (None, 0.2, 0.8),
    )
)


def test_python_rated_rule_cases() -> None:
    def rated(model: str | None, rating: float | None, score: float | None = None) -> str | None:
        return effective_rated_label(
            correction=None, brand_label=None, model_label=model, rating=rating, score=score
        )

    assert rated("neutral", 1.0) == "negative"  # a 1-star review counts as negative
    assert rated("positive", 2.0, 0.8) == "positive"  # clearly positive text: a mismatch
    assert rated("positive", 2.0, 0.2) == "negative"
    assert rated("negative", 5.0) == "neutral"  # 5 stars: never an apology
    assert rated("negative", 3.0) == "negative"  # 3 stars: the text decides
    assert rated("negative", None) == "negative"  # unrated: the text label
    assert rated(None, 1.0) is None  # not analyzed yet
    corrected = effective_rated_label(
        correction="positive", brand_label=None, model_label="negative", rating=1.0, score=None
    )
    assert corrected == "positive"  # a person's correction wins over the stars


def test_sql_rated_rule_agrees_with_the_python_rule(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            for correction, brand_label, model_label, rating, score in RATED:
                expression = effective_rated_label_sql(
                    correction=_text(correction),
                    brand_label=_text(brand_label),
                    model_label=_text(model_label),
                    rating=cast(literal(rating), Float()),
                    score=cast(literal(score), Float()),
                )
                expected = effective_rated_label(
                    correction=correction,
                    brand_label=brand_label,
                    model_label=model_label,
                    rating=rating,
                    score=score,
                )
                got = conn.execute(select(expression)).scalar_one()
                assert got == expected, (correction, brand_label, model_label, rating, score)
    finally:
        engine.dispose()


@pytest.fixture
def labelled(repo: Repository) -> Repository:
    """Two-brand mentions covering every (correction, Acme's own label, model label)
    combination; Globex gets the opposite of Acme's own label where Acme has one."""
    repo.sync_brands([("Acme", True), ("Globex", False)])
    repo.sync_source("news", "feed")
    grid = list(itertools.product((None, "neutral"), (None, "negative", "positive"), LABELS[::2]))
    repo.save_mentions(
        "news",
        [
            Mention(
                source="news",
                external_id=f"m{i}",
                url=f"https://example.com/{i}",
                text=f"Acme and Globex, post {i}",
                published_at=NOW - timedelta(hours=1),
                brands=("Acme", "Globex"),
            )
            for i in range(len(grid) + 1)  # the last one stays unanalyzed
        ],
    )
    ids = [p.mention_id for p in repo.pending_analysis()]
    opposite = {"negative": "positive", "positive": "negative"}
    analyses = []
    for mention_id, (correction, acme, model) in zip(ids, grid, strict=False):
        brands = (
            (BrandSentiment("Acme", "mention"), BrandSentiment("Globex", "mention"))
            if acme is None
            else (
                BrandSentiment("Acme", "comparative", acme, -0.5),
                BrandSentiment("Globex", "comparative", opposite[acme], 0.5),
            )
        )
        analyses.append(AnalysisInput(mention_id, model, 0.1, 0.9, "en", "m@1", brands=brands))
        if correction is not None:
            repo.set_override(mention_id, correction)
    repo.save_analyses(analyses)
    return repo


def test_every_label_query_applies_the_python_rule(labelled: Repository) -> None:
    stored = labelled.mentions()
    assert len(stored) == 13 and sum(s.label is None for s in stored) == 1
    counts = {c.brand: c for c in labelled.brand_counts()}
    since = NOW - timedelta(days=1)
    for brand in ("Acme", "Globex"):
        for s in stored:
            assert s.for_brand(brand).label == s.label_for(brand)
        assert counts[brand].unanalyzed == 1
        for label in LABELS:
            expected = {s.id for s in stored if s.label_for(brand) == label}
            seen = labelled.mentions(brand=brand, label=label)
            assert {s.id for s in seen} == expected, (brand, label)
            assert all(s.label == label for s in seen)
            assert getattr(counts[brand], label) == len(expected), (brand, label)
            candidates = labelled.alert_candidates(brands=[brand], labels=[label], since=since)
            assert {s.id for s in candidates} == expected, (brand, label)
        # Ordered by the brand's effective score: the SQL order matches the Python scores.
        scores = {s.id: s.for_brand(brand).score for s in stored if s.score is not None}
        ranked = labelled.mentions(brand=brand, order="-score")
        assert [s.score for s in ranked if s.id in scores] == sorted(scores.values())
        assert all(s.score == scores[s.id] for s in ranked if s.id in scores)
