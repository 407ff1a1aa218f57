"""The effective-label rules of :mod:`domain.labels`, as SQL column expressions.

Every query that filters, groups or reads by a mention's effective label builds it here,
so SQL and Python (:func:`domain.labels.effective_label`) apply the same precedence:
human correction, then the brand's own label, then the model's label; the score that
goes with it likewise (:func:`domain.labels.effective_score`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, case, func


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
