"""Sentiment labels and the one rule that decides which label a mention has for a brand.

A mention can carry up to three labels:

* the **correction** a person gave it (``brandpulse label``), which always wins;
* the **brand's own label** in a mention that names several brands ("switched from Slack
  to Teams" is negative for Slack, positive for Teams), stored per brand by the analysis;
* the **model's label** for the whole mention.

The *effective* label is the first of these that exists; its score follows it (see
:func:`effective_score`). For a star-rated review, counts and the report also apply the
rating rule of :mod:`domain.rating` to the text label (:func:`effective_rated_label`), so a
1-star review whose text reads neutral counts as negative, as its alert does. The same
rules, written as SQL, are
:func:`storage.labels.effective_label_sql` and :func:`storage.labels.effective_score_sql`;
tests pin that both agree.
"""

from __future__ import annotations

from typing import Literal

from domain.rating import rated_label

Label = Literal["negative", "neutral", "positive"]
#: Every label, most negative first.
LABELS: tuple[Label, ...] = ("negative", "neutral", "positive")


def effective_label(
    *, correction: str | None, brand_label: str | None, model_label: str | None
) -> str | None:
    """The label that counts: the human ``correction``, else the brand's own
    ``brand_label``, else the ``model_label``; None when the mention has none of them
    (not analyzed yet)."""
    if correction is not None:
        return correction
    if brand_label is not None:
        return brand_label
    return model_label


def effective_rated_label(
    *,
    correction: str | None,
    brand_label: str | None,
    model_label: str | None,
    rating: float | None,
    score: float | None,
) -> str | None:
    """:func:`effective_label`, then, unless a person corrected it, the star-rating rule
    (:func:`domain.rating.rated_label`) for a rated mention: ``rating`` on a 1-5 scale
    (None: unrated, the text label stands), ``score`` the text's polarity in [-1, 1]
    (the brand's own score, else the model's). None when the mention is not analyzed."""
    if correction is not None:
        return correction
    text = effective_label(correction=None, brand_label=brand_label, model_label=model_label)
    if text is None or rating is None:
        return text
    return rated_label(text, rating=rating, score=score).label


def effective_score(
    *, corrected: bool, brand_score: float | None, model_score: float | None
) -> float | None:
    """The polarity (in [-1, 1]) that goes with the effective label: the model's score
    when a person ``corrected`` the label (a correction carries no score), else the
    brand's own ``brand_score``, else the ``model_score``."""
    if corrected or brand_score is None:
        return model_score
    return brand_score
