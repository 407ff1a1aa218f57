"""The effective-label rule of :mod:`domain.labels`, as one SQL column expression.

Every query that filters, groups or reads by a mention's effective label builds it here,
so SQL and Python (:func:`domain.labels.effective_label`) apply the same precedence:
human correction, then the brand's own label, then the model's label.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, SQLColumnExpression, func


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
