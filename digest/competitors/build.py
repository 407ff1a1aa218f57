"""The whole competitor benchmark computed from stored aggregates (no I/O)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from digest.build import share_figures, source_warnings
from digest.competitors.model import (
    BrandBenchmark,
    CompetitorBenchmark,
    HandleTime,
    ReviewSourceStats,
    SourceHealthRow,
    ThemeInput,
)
from digest.competitors.themes import find_opportunities, theme_view
from digest.competitors.trend import build_trend
from storage.records import BrandCounts, SourceHealth
from storage.report_queries import (
    AggregateRatingRow,
    DailyLabelCount,
    DailyRating,
    RatingBucket,
    SourceCount,
)

STARS = (1, 2, 3, 4, 5)


def health_rows(
    health: Sequence[SourceHealth], silent: Sequence[str], per_source: Mapping[str, int]
) -> tuple[SourceHealthRow, ...]:
    """One row per source: ``disabled``, ``FAILING`` (with its last error's first line,
    at most 200 characters), ``SILENT`` (named in ``silent``) or ``ok``."""
    rows = []
    for h in health:
        if not h.enabled:
            status, error = "disabled", h.disabled_reason or ""
        elif h.consecutive_failures:
            status, error = "FAILING", h.last_error or ""
        elif h.name in silent:
            status, error = "SILENT", "no successful run for longer than expected"
        else:
            status, error = "ok", ""
        rows.append(
            SourceHealthRow(
                name=h.name,
                kind=h.kind,
                status=status,
                last_success=(
                    h.last_success_at.strftime("%Y-%m-%d %H:%M") if h.last_success_at else "never"
                ),
                mentions=per_source.get(h.name, 0),
                last_error=(error.splitlines()[0][:200] if error else ""),
            )
        )
    return tuple(rows)


# -- the whole benchmark ------------------------------------------------------------------------
def build_benchmark(
    *,
    title: str,
    since: datetime,
    until: datetime,
    now: datetime,
    counts: Sequence[BrandCounts],
    previous: Sequence[BrandCounts] = (),
    daily: Sequence[DailyLabelCount] = (),
    rating_buckets: Sequence[RatingBucket] = (),
    daily_ratings: Sequence[DailyRating] = (),
    source_counts: Sequence[SourceCount] = (),
    aggregate_ratings: Sequence[AggregateRatingRow] | None = None,
    handle_times: Sequence[float] | None = None,
    health: Sequence[SourceHealth] = (),
    silent: Sequence[str] = (),
    negative_themes: Mapping[str, Sequence[ThemeInput]] | None = None,
    praised_themes: Mapping[str, Sequence[ThemeInput]] | None = None,
    only_brands: Sequence[str] | None = None,
) -> CompetitorBenchmark:
    """Compute the benchmark from stored aggregates.

    Args:
        counts: mentions per brand and label in the period (``Repository.brand_counts``).
        previous: the same for the period of equal length just before; when it has
            mentions, each brand carries its change in share of voice and net sentiment.
        handle_times: seconds from alert to handled for the own brands' alerts (the
            inbox's handled state); None or empty when
            the database has no alert workflow (the report says "not available").
        aggregate_ratings: stored AggregateRating per source; None when not stored.
        only_brands: keep these brands (share of voice stays relative to every tracked
            brand).
    """
    total = sum(c.mentions for c in counts)
    before = {c.brand: c for c in previous}
    total_before = sum(c.mentions for c in previous)
    kinds = {h.name: h.kind for h in health}
    aggregates = {a.source: a for a in aggregate_ratings or ()}
    neg = negative_themes or {}
    pos = praised_themes or {}

    by_brand_source: dict[str, dict[str, list[RatingBucket]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for bucket in rating_buckets:
        by_brand_source[bucket.brand][bucket.source].append(bucket)
    sources_of: dict[str, list[tuple[str, int]]] = defaultdict(list)
    per_source: dict[str, int] = defaultdict(int)
    for sc in source_counts:
        sources_of[sc.brand].append((sc.source, sc.count))
        per_source[sc.source] += sc.count

    brands = []
    for c in counts:
        if only_brands and c.brand not in only_brands:
            continue
        review_sources = []
        brand_stars = dict.fromkeys(STARS, 0)
        rating_sum, reviews = 0.0, 0
        for source, buckets in sorted(by_brand_source.get(c.brand, {}).items()):
            stars = dict.fromkeys(STARS, 0)
            for b in buckets:
                star = min(max(b.stars, 1), 5)
                stars[star] += b.count
                brand_stars[star] += b.count
            n = sum(b.count for b in buckets)
            s = sum(b.rating_sum for b in buckets)
            rating_sum += s
            reviews += n
            agg = aggregates.get(source)
            review_sources.append(
                ReviewSourceStats(
                    source=source,
                    kind=kinds.get(source, "unknown"),
                    reviews=n,
                    average=s / n if n else 0.0,
                    stars=stars,
                    aggregate_rating=agg.rating if agg else None,
                    aggregate_count=agg.count if agg else None,
                )
            )
        figures = share_figures(c, total, before, total_before)
        brands.append(
            BrandBenchmark(
                brand=c.brand,
                is_own=c.is_own,
                mentions=c.mentions,
                share_of_voice=figures.share_of_voice,
                positive=c.positive,
                neutral=c.neutral,
                negative=c.negative,
                unanalyzed=c.unanalyzed,
                net_sentiment=c.net_sentiment,
                reviews=reviews,
                average_rating=rating_sum / reviews if reviews else None,
                stars=brand_stars,
                review_sources=tuple(review_sources),
                sources=tuple(sources_of.get(c.brand, ())),
                negative_themes=tuple(theme_view(t) for t in neg.get(c.brand, ())),
                praised_themes=tuple(theme_view(t) for t in pos.get(c.brand, ())),
                previous_share_of_voice=figures.previous_share_of_voice,
                previous_net_sentiment=figures.previous_net_sentiment,
            )
        )
    times = list(handle_times or ())
    handle = HandleTime(
        handled=len(times),
        median_hours=statistics.median(times) / 3600 if times else None,
    )
    names = [b.brand for b in brands]
    return CompetitorBenchmark(
        title=title,
        generated_at=now,
        since=since,
        until=until,
        brands=tuple(brands),
        trend=build_trend(names, daily, daily_ratings, since, until),
        opportunities=tuple(find_opportunities(brands)),
        handle_time=handle,
        source_health=health_rows(health, silent, per_source),
        warnings=source_warnings(health, silent),
        has_previous=bool(total_before),
        total_mentions=total,
        aggregate_ratings_available=bool(aggregate_ratings),
    )
