"""Trend buckets (days, ISO weeks, months, years) and the per-bucket series of each brand.

The first bucket is the later of the period start and the first stored mention; sparse
data gets the next coarser bucket while brands average fewer than ``MIN_PER_BUCKET``
mentions per bucket and at least ``MIN_BUCKETS`` buckets remain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from digest.competitors.model import Trend
from storage.report_queries import DailyLabelCount, DailyRating

MIN_PER_BUCKET = 3
MIN_BUCKETS = 4
_COARSER = {"day": "week", "week": "month", "month": "year"}


def _granularity(days: float) -> str:
    if days <= 62:
        return "day"
    if days <= 366:
        return "week"
    if days <= 4 * 366:
        return "month"
    return "year"


def _bucket_of(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "year":
        return day.replace(month=1, day=1)
    return day


def _next_bucket(day: date, granularity: str) -> date:
    if granularity == "week":
        return day + timedelta(days=7)
    if granularity == "month":
        return date(day.year + day.month // 12, day.month % 12 + 1, 1)
    if granularity == "year":
        return date(day.year + 1, 1, 1)
    return day + timedelta(days=1)


def _buckets(first: date, last: date, granularity: str) -> list[date]:
    out = []
    current = _bucket_of(first, granularity)
    while current <= last:
        out.append(current)
        current = _next_bucket(current, granularity)
    return out


def build_trend(
    brands: Sequence[str],
    daily: Sequence[DailyLabelCount],
    ratings: Sequence[DailyRating],
    since: datetime,
    until: datetime,
) -> Trend:
    days_with_data = [r.day for r in daily] + [r.day for r in ratings]
    last_day = (until - timedelta(microseconds=1)).date()
    first_day = max(since.date(), min(days_with_data)) if days_with_data else since.date()
    if days_with_data:
        last_day = min(last_day, max(days_with_data))
    granularity = _granularity((last_day - first_day).days + 1)
    buckets = _buckets(first_day, last_day, granularity)
    # Sparse data: coarser buckets (days → weeks → months → years) while each brand has
    # fewer than MIN_PER_BUCKET mentions per bucket on average and at least MIN_BUCKETS
    # buckets remain; one post a day makes net sentiment jump between -1 and +1.
    total = sum(r.count for r in daily)
    while granularity != "year" and total < MIN_PER_BUCKET * len(buckets) * max(len(brands), 1):
        coarser = _COARSER[granularity]
        candidate = _buckets(first_day, last_day, coarser)
        if len(candidate) < MIN_BUCKETS:
            break
        granularity, buckets = coarser, candidate
    index = {b: i for i, b in enumerate(buckets)}
    volume = {b: [0] * len(buckets) for b in brands}
    labels: dict[str, list[dict[str, int]]] = {
        b: [defaultdict(int) for _ in buckets] for b in brands
    }
    for row in daily:
        i = index.get(_bucket_of(row.day, granularity))
        if i is None or row.brand not in volume:
            continue
        volume[row.brand][i] += row.count
        labels[row.brand][i][row.label or "unanalyzed"] += row.count
    net: dict[str, list[float | None]] = {}
    for b in brands:
        series: list[float | None] = []
        for c in labels[b]:
            analyzed = c["positive"] + c["neutral"] + c["negative"]
            series.append((c["positive"] - c["negative"]) / analyzed if analyzed else None)
        net[b] = series
    sums: dict[str, list[list[float]]] = {b: [[0.0, 0.0] for _ in buckets] for b in brands}
    for r in ratings:
        i = index.get(_bucket_of(r.day, granularity))
        if i is None or r.brand not in sums:
            continue
        sums[r.brand][i][0] += r.rating_sum
        sums[r.brand][i][1] += r.count
    rating = {b: [s / n if n else None for s, n in sums[b]] for b in brands}
    return Trend(granularity, tuple(buckets), volume, net, rating)
