"""Reports: aggregates over stored mentions (per-brand counts by effective label)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from domain.labels import LABELS
from storage import models as m
from storage.base import Store
from storage.labels import effective_rated_label_sql
from storage.records import BrandCounts


class ReportStore(Store):
    """Aggregates for digests and the competitor report."""

    def brand_counts(
        self, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[BrandCounts]:
        """Mentions per brand by effective label; own brand first, then by name.

        Only mentions published (else collected) at or after ``since`` and before ``until``
        count, when given; every brand is listed, with zeros when it has none.

        The effective label of a mention for a brand is the human correction if any, else
        the brand's own label (multi-brand mentions: "X is better than Y" counts positive
        for X and negative for Y), else the mention's label; for a star-rated review that
        text label goes through the rating rule (:mod:`domain.rating`).
        """
        effective = effective_rated_label_sql(
            correction=col(m.LabelOverride.label),
            brand_label=col(m.MentionBrand.label),
            model_label=col(m.Analysis.label),
            rating=col(m.Mention.rating),
            score=func.coalesce(col(m.MentionBrand.score), col(m.Analysis.score)),
        )
        mention_id = col(m.Mention.id)
        name, is_own = col(m.Brand.name), col(m.Brand.is_own)
        stmt = (
            select(name, is_own, effective, func.count(mention_id))
            .select_from(m.Brand)
            .outerjoin(m.MentionBrand, col(m.MentionBrand.brand_id) == col(m.Brand.id))
            .outerjoin(m.Mention, mention_id == col(m.MentionBrand.mention_id))
            .outerjoin(m.Analysis, col(m.Analysis.mention_id) == mention_id)
            .outerjoin(m.LabelOverride, col(m.LabelOverride.mention_id) == mention_id)
            .group_by(name, is_own, effective)
        )
        when = func.coalesce(col(m.Mention.published_at), col(m.Mention.collected_at))
        if since is not None:
            stmt = stmt.where(or_(mention_id.is_(None), when >= since))
        if until is not None:
            stmt = stmt.where(or_(mention_id.is_(None), when < until))
        counts: dict[str, dict[str | None, int]] = {}
        with Session(self.engine) as session:
            present = dict(session.execute(select(name, is_own)).all())
            for brand, _own, label, count in session.execute(stmt).all():
                counts.setdefault(brand, {})[label] = int(count)
        result = []
        for brand, own in present.items():
            per_label = counts.get(brand, {})
            analyzed = {label: per_label.get(label, 0) for label in LABELS}
            unanalyzed = per_label.get(None, 0)
            total = sum(analyzed.values()) + unanalyzed
            result.append(BrandCounts(brand, bool(own), total, unanalyzed=unanalyzed, **analyzed))
        result.sort(key=lambda c: (not c.is_own, c.brand.casefold()))
        return result
