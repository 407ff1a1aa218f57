"""The effective-label rules of :mod:`domain.labels`, as SQL column expressions.

Every query that filters, groups or reads by a mention's effective label builds it here,
so SQL and Python (:func:`domain.labels.effective_label`) apply the same precedence:
human correction, then the brand's own label, then the model's label; the score that
goes with it likewise (:func:`domain.labels.effective_score`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, literal, not_

from domain.rating import CLEAR_POSITIVE_SCORE, HIGH_RATING, LOW_RATING


def effective_label_sql(
    *,
    correction: SQLColumnExpression[str | None],
    brand_label: SQLColumnExpression[str | None] | None = None,
    model_label: SQLColumnExpression[str | None],
) -> ColumnElement[str | None]:
    """``COALESCE(correction, brand_label, model_label)``: NULL where none is set.

    Args:
        correction: the human correction column (``label_overrides.label``).
        brand_label: the brand's own label column (``mention_brands.label`` or an alias
            of it); leave None in a query that is not per brand.
        model_label: the model's label column (``analyses.label``).
    """
    brand = [] if brand_label is None else [brand_label]
    expression: ColumnElement[str | None] = func.coalesce(correction, *brand, model_label)
    return expression


def effective_rated_label_sql(
    *,
    correction: SQLColumnExpression[str | None],
    brand_label: SQLColumnExpression[str | None],
    model_label: SQLColumnExpression[str | None],
    rating: SQLColumnExpression[float | None],
    score: SQLColumnExpression[float | None],
) -> ColumnElement[str | None]:
    """:func:`domain.labels.effective_rated_label` in SQL: the correction, else the text
    label (brand's own, else model's) passed through the star-rating rule of
    :mod:`domain.rating` (1-2 stars negative unless the text is clearly positive; 4-5
    stars turn a negative text neutral).

    Args:
        rating: the star rating column (1-5 scale, NULL when unrated).
        score: the text's polarity (the brand's own score, else the model's).
    """
    text = func.coalesce(brand_label, model_label)
    clearly_positive = and_(text == "positive", func.coalesce(score, 1.0) >= CLEAR_POSITIVE_SCORE)
    rated = case(
        (text.is_(None), text),
        (and_(rating <= LOW_RATING, not_(clearly_positive)), literal("negative")),
        (and_(rating >= HIGH_RATING, text == "negative"), literal("neutral")),
        else_=text,
    )
    expression: ColumnElement[str | None] = func.coalesce(correction, rated)
    return expression


def effective_score_sql(
    *,
    corrected: ColumnElement[bool],
    brand_score: SQLColumnExpression[float | None],
    model_score: SQLColumnExpression[float | None],
) -> ColumnElement[float | None]:
    """``CASE WHEN corrected THEN model_score ELSE COALESCE(brand_score, model_score)``.

    Args:
        corrected: true where a human correction exists (e.g.
            ``label_overrides.mention_id IS NOT NULL``).
        brand_score: the brand's own score column (``mention_brands.score`` or an alias).
        model_score: the model's score column (``analyses.score``).
    """
    expression: ColumnElement[float | None] = case(
        (corrected, model_score), else_=func.coalesce(brand_score, model_score)
    )
    return expression
