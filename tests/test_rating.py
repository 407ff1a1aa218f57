"""The one rule combining a review's text label with its star rating (domain.rating)."""

from __future__ import annotations

import pytest

from domain.rating import CLEAR_POSITIVE_SCORE, rated_label


@pytest.mark.parametrize(
    ("text_label", "score", "rating", "label", "mismatch"),
    [
        # no rating: the text decides
        ("negative", -0.6, None, "negative", False),
        ("positive", 0.8, None, "positive", False),
        # 1-2 stars: negative whatever the text says ...
        ("neutral", 0.0, 1.0, "negative", False),
        ("negative", -0.4, 2.0, "negative", False),
        ("positive", 0.2, 2.0, "negative", False),  # only mildly positive: the stars win
        # ... unless the text is clearly positive: kept, flagged as a mismatch
        ("positive", CLEAR_POSITIVE_SCORE, 1.0, "positive", True),
        ("positive", 0.95, 2.0, "positive", True),
        # 3 stars: the text decides
        ("negative", -0.5, 3.0, "negative", False),
        ("positive", 0.5, 3.0, "positive", False),
        # 4-5 stars: never negative (no apology); a negative text is a mismatch
        ("negative", -0.9, 5.0, "neutral", True),
        ("negative", -0.3, 4.0, "neutral", True),
        ("neutral", 0.0, 5.0, "neutral", False),
        ("positive", 0.7, 4.0, "positive", False),
    ],
)
def test_rating_rule(
    text_label: str, score: float, rating: float | None, label: str, mismatch: bool
) -> None:
    result = rated_label(text_label, rating=rating, score=score)
    assert (result.label, result.mismatch) == (label, mismatch)
    if rating is not None:
        assert f"{rating:g}/5" in result.reason


def test_a_human_correction_wins_over_the_stars() -> None:
    result = rated_label("negative", rating=5.0, score=0.9, human=True)
    assert (result.label, result.mismatch, result.rule) == ("negative", False, "human")
    assert rated_label("neutral", rating=1.0, human=True).label == "neutral"


def test_a_five_star_review_is_never_negative_whatever_the_model_says() -> None:
    for score in (-1.0, -0.5, 0.0):
        assert rated_label("negative", rating=5.0, score=score).label != "negative"
