"""The one rule that combines a review's text label with its star rating.

A star rating is the customer's own verdict; the text model is a guess. So for a rated
mention (a review) the label used for alerts and the inbox is:

* **1-2 stars**: ``negative``, unless the text is *clearly* positive (label ``positive``
  with a score of at least :data:`CLEAR_POSITIVE_SCORE`): then the text label stays and
  the review is flagged as a *mismatch* (often the wrong end of the star scale was
  tapped), worth a look rather than an apology;
* **3 stars**: the text label (the stars say "mixed");
* **4-5 stars**: never an apology alert. A text that reads negative becomes ``neutral``
  and is flagged as a mismatch ("5/5 … but it crashes"): worth a look, not an apology;
  any other text label stays.

A human correction (``brandpulse label``, or dismissing an alert as not negative) wins over
the rule: the person read the review. Unrated mentions keep their text label.

A **rating-only review** (stars and no words: no text, no title) has no text for a model to
read, so its label *is* the rating's (:func:`label_from_rating`: 1-2 stars negative, 3
neutral, 4-5 positive). The analysis stores that label with :data:`RATING_MODEL` as the
model, so stored counts, alerts and the report all read the same label, and the rule above
then keeps it (1-2 stars stay negative, 4-5 stars stay positive).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CLEAR_POSITIVE_SCORE",
    "RATING_MODEL",
    "RatedLabel",
    "is_rating_only",
    "label_from_rating",
    "rated_label",
    "rating_score",
]

#: A text counts as clearly positive from this score on (score in [-1, 1]).
CLEAR_POSITIVE_SCORE = 0.5
#: Ratings at or below this (on a 1-5 scale) are low; at or above HIGH_RATING high.
LOW_RATING = 2.0
HIGH_RATING = 4.0
#: The "model" recorded for a rating-only review's label (the stars, not a text model).
RATING_MODEL = "stars@1"


@dataclass(frozen=True, slots=True)
class RatedLabel:
    """The label after the rating rule.

    Attributes:
        label: ``negative``, ``neutral``, ``positive``, or None (not analyzed, no rating).
        mismatch: True when the stars and the text disagree (1-2 stars with a clearly
            positive text, 4-5 stars with a negative text).
        rule: which branch decided: ``text`` (no rating or 3 stars), ``human`` (a
            correction), ``low-rating``, ``high-rating``.
        reason: one sentence for people ("rated 1/5: negative whatever the text says").
    """

    label: str | None
    mismatch: bool = False
    rule: str = "text"
    reason: str = ""


def _stars(rating: float) -> str:
    return f"{rating:g}/5"


def rated_label(
    text_label: str | None,
    *,
    rating: float | None,
    score: float | None = None,
    human: bool = False,
) -> RatedLabel:
    """Combine a mention's text label with its star rating (see the module docstring).

    Args:
        text_label: the label from the text (model, or the brand's own label).
        rating: star rating on a 1-5 scale, None when the mention has none.
        score: the text's polarity in [-1, 1], used to tell a clearly positive text.
        human: True when ``text_label`` is a person's correction (it wins).
    """
    if human:
        return RatedLabel(text_label, rule="human", reason="label corrected by a person")
    if rating is None:
        return RatedLabel(text_label)
    if rating <= LOW_RATING:
        clearly_positive = text_label == "positive" and (
            score is None or score >= CLEAR_POSITIVE_SCORE
        )
        if clearly_positive:
            return RatedLabel(
                text_label,
                mismatch=True,
                rule="low-rating",
                reason=f"rated {_stars(rating)} but the text reads clearly positive",
            )
        return RatedLabel(
            "negative", rule="low-rating", reason=f"rated {_stars(rating)}: a negative review"
        )
    if rating >= HIGH_RATING:
        if text_label == "negative":
            return RatedLabel(
                "neutral",
                mismatch=True,
                rule="high-rating",
                reason=f"rated {_stars(rating)} but the text reads negative: no apology",
            )
        return RatedLabel(text_label, rule="high-rating", reason=f"rated {_stars(rating)}")
    return RatedLabel(text_label, rule="text", reason=f"rated {_stars(rating)}: the text decides")


def is_rating_only(*, title: str | None, text: str | None, rating: float | None) -> bool:
    """True for a review with a star rating and no words (empty title and text)."""
    return rating is not None and not (title or "").strip() and not (text or "").strip()


def label_from_rating(rating: float) -> str:
    """The label a star rating (1-5 scale) states on its own: at most
    :data:`LOW_RATING` (2) ``negative``, at least :data:`HIGH_RATING` (4) ``positive``,
    in between ``neutral``."""
    if rating <= LOW_RATING:
        return "negative"
    if rating >= HIGH_RATING:
        return "positive"
    return "neutral"


def rating_score(rating: float) -> float:
    """A polarity in [-1, 1] for a star rating (1-5 scale): 1 star -1.0, 3 stars 0.0,
    5 stars 1.0, linear in between (clamped)."""
    return max(-1.0, min(1.0, (rating - 3.0) / 2.0))
