"""The competitor benchmark as plain data: per brand, side by side, from stored aggregates.

No I/O and no database here: :func:`build_benchmark` takes the rows that
``storage.report_queries`` returns (and themes the composition root clustered) and
computes every figure the HTML, text, JSON and charts show.

Definitions (also in README):

* **share of voice** = a brand's mentions / all tracked brands' mentions in the period
  (a mention naming two brands counts for both), in [0, 1];
* **net sentiment** = (positive − negative) / analyzed mentions, in [-1, 1];
* **average rating** = mean of the star ratings (1-5) of the brand's reviews in the period,
  per review source and over all of them;
* **trend buckets**: UTC days for periods up to 62 days, ISO weeks (starting Monday) up to
  a year, calendar months up to 4 years, calendar years beyond; the first bucket is the
  later of the period start and the first stored mention. Sparse data gets the next
  coarser bucket while brands average fewer than 3 mentions per bucket and at least 4
  buckets remain.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from digest.build import PeriodChange, share_figures, snippet, source_warnings
from storage.records import BrandCounts, SourceHealth, StoredMention
from storage.report_queries import (
    AggregateRatingRow,
    DailyLabelCount,
    DailyRating,
    RatingBucket,
    SourceCount,
)

__all__ = [
    "BrandBenchmark",
    "CompetitorBenchmark",
    "ExampleView",
    "HandleTime",
    "Opportunity",
    "ReviewSourceStats",
    "SourceHealthRow",
    "ThemeInput",
    "ThemeView",
    "Trend",
    "build_benchmark",
    "parse_period",
]

STARS = (1, 2, 3, 4, 5)
EXAMPLE_CHARS = 220


@dataclass(frozen=True, slots=True)
class ThemeInput:
    """A clustered theme handed in by the caller: its label, distinctive terms, how many
    mentions it holds, and its most typical mentions (2-3)."""

    label: str
    keywords: tuple[str, ...]
    count: int
    examples: tuple[StoredMention, ...]


@dataclass(frozen=True, slots=True)
class ExampleView:
    """One linked example post of a theme."""

    url: str
    source: str
    published: str
    snippet: str
    rating: float | None


@dataclass(frozen=True, slots=True)
class ThemeView:
    label: str
    keywords: tuple[str, ...]
    count: int
    examples: tuple[ExampleView, ...]


@dataclass(frozen=True, slots=True)
class ReviewSourceStats:
    """Star ratings of one brand on one review source in the period.

    ``aggregate_rating``/``aggregate_count`` are the site's own AggregateRating (over all
    its reviews) when one is stored, else None.
    """

    source: str
    kind: str
    reviews: int
    average: float
    stars: dict[int, int]
    aggregate_rating: float | None = None
    aggregate_count: int | None = None


@dataclass(frozen=True, slots=True)
class BrandBenchmark(PeriodChange):
    """One brand's column of the benchmark."""

    brand: str
    is_own: bool
    mentions: int
    share_of_voice: float
    positive: int
    neutral: int
    negative: int
    unanalyzed: int
    net_sentiment: float
    reviews: int
    average_rating: float | None
    stars: dict[int, int]
    review_sources: tuple[ReviewSourceStats, ...]
    sources: tuple[tuple[str, int], ...]
    negative_themes: tuple[ThemeView, ...] = ()
    praised_themes: tuple[ThemeView, ...] = ()
    previous_share_of_voice: float | None = None
    previous_net_sentiment: float | None = None

    @property
    def analyzed(self) -> int:
        return self.positive + self.neutral + self.negative


@dataclass(frozen=True, slots=True)
class Trend:
    """Per-bucket series for each brand (lists aligned with ``buckets``)."""

    granularity: str  # day | week | month | year
    buckets: tuple[date, ...]
    volume: dict[str, list[int]]
    net_sentiment: dict[str, list[float | None]]
    rating: dict[str, list[float | None]]


@dataclass(frozen=True, slots=True)
class Opportunity:
    """Customers praise ``competitor`` for what they complain about in the own brand."""

    own_brand: str
    own_theme: str
    own_count: int
    competitor: str
    competitor_theme: str
    competitor_count: int
    shared_terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HandleTime:
    """Median time from alert to handled for the own brands' alerts of the period."""

    handled: int = 0
    median_hours: float | None = None


@dataclass(frozen=True, slots=True)
class SourceHealthRow:
    name: str
    kind: str
    status: str  # ok | FAILING | SILENT | disabled
    last_success: str
    mentions: int
    last_error: str


@dataclass(frozen=True, slots=True)
class CompetitorBenchmark:
    """Everything the competitor report shows."""

    title: str
    generated_at: datetime
    since: datetime
    until: datetime
    brands: tuple[BrandBenchmark, ...]
    trend: Trend
    opportunities: tuple[Opportunity, ...]
    handle_time: HandleTime
    source_health: tuple[SourceHealthRow, ...]
    warnings: tuple[str, ...]
    has_previous: bool = False
    total_mentions: int = 0
    aggregate_ratings_available: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: One comparison per own brand (that brand and its competitors) when the config
    #: groups competitors by own brand (``competitors_of``); empty: this is the only one.
    comparisons: tuple[CompetitorBenchmark, ...] = ()
    #: In a comparison: the own brand it is about.
    own_brand: str | None = None

    @property
    def own(self) -> tuple[BrandBenchmark, ...]:
        return tuple(b for b in self.brands if b.is_own)

    @property
    def has_ratings(self) -> bool:
        return any(b.reviews for b in self.brands)

    @property
    def sections(self) -> tuple[CompetitorBenchmark, ...]:
        """What the report shows side by side: each comparison, or the report itself."""
        return self.comparisons or (self,)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (schema in README, "JSON report")."""
        return _jsonable(
            {
                "schema": "brandpulse.competitors/1",
                "title": self.title,
                "generated_at": self.generated_at,
                "period": {"since": self.since, "until": self.until},
                "total_mentions": self.total_mentions,
                "brands": [
                    {
                        **{
                            k: v
                            for k, v in asdict(b).items()
                            if k not in ("review_sources", "sources", "stars")
                        },
                        "stars": {str(s): n for s, n in b.stars.items()},
                        "share_change_points": b.share_change_points,
                        "net_change": b.net_change,
                        "sources": [{"source": s, "mentions": n} for s, n in b.sources],
                        "review_sources": [
                            {**asdict(r), "stars": {str(s): n for s, n in r.stars.items()}}
                            for r in b.review_sources
                        ],
                    }
                    for b in self.brands
                ],
                "trend": {
                    "granularity": self.trend.granularity,
                    "buckets": list(self.trend.buckets),
                    "volume": self.trend.volume,
                    "net_sentiment": self.trend.net_sentiment,
                    "rating": self.trend.rating,
                },
                "opportunities": [asdict(o) for o in self.opportunities],
                "alert_handle_time": asdict(self.handle_time),
                "source_health": [asdict(s) for s in self.source_health],
                "warnings": list(self.warnings),
                **(
                    {"comparisons": [c._comparison_dict() for c in self.comparisons]}
                    if self.comparisons
                    else {}
                ),
            }
        )

    def _comparison_dict(self) -> dict[str, Any]:
        """A comparison's JSON: its own brand, brands, trend, opportunities, handle time."""
        whole = self.to_dict()
        keep = ("total_mentions", "brands", "trend", "opportunities", "alert_handle_time")
        return {"own_brand": self.own_brand, **{k: whole[k] for k in keep}}


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    return value


# -- period ----------------------------------------------------------------------------
_DURATION = re.compile(r"^\s*(\d+)\s*([hdwm])\s*$", re.IGNORECASE)
_UNIT_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30}


def parse_period(
    since: str | None, until: str | None, *, now: datetime, default_days: int = 7
) -> tuple[datetime, datetime]:
    """``(since, until)`` as aware UTC from CLI strings.

    ``since`` is an ISO date or time (``2026-11-01``, ``2026-11-01T08:00+02:00``) or a
    duration back from ``until``: ``36h``, ``7d``, ``4w``, ``3m`` (30-day months).
    ``until`` is an ISO date or time (a date means its start, 00:00 UTC); default ``now``.
    Without ``since`` the period is the ``default_days`` before ``until``.

    Raises:
        ValueError: a message naming the option and an example of the expected form.
    """
    end = _parse_time(until, "--until") if until else now
    if since is None:
        start = end - timedelta(days=default_days)
    elif match := _DURATION.match(since):
        amount, unit = int(match.group(1)), match.group(2).lower()
        if amount <= 0:
            raise ValueError(f"--since {since!r}: the duration must be positive, e.g. 7d")
        start = end - timedelta(days=amount * _UNIT_DAYS[unit])
    else:
        start = _parse_time(since, "--since")
    if start >= end:
        raise ValueError(
            f"--since {start:%Y-%m-%d %H:%M} is not before --until {end:%Y-%m-%d %H:%M}"
        )
    return start, end


def _parse_time(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{option} {value!r}: expected an ISO date such as 2026-11-01"
            + (" or a duration such as 7d, 4w, 36h" if option == "--since" else "")
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- trend buckets ------------------------------------------------------------------------
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


def _trend(
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


# -- themes and opportunities ----------------------------------------------------------------
def _example(m: StoredMention) -> ExampleView:
    when = m.published_at or m.collected_at
    return ExampleView(
        url=m.url,
        source=m.source,
        published=when.strftime("%Y-%m-%d"),
        snippet=snippet(m, limit=EXAMPLE_CHARS),
        rating=m.rating,
    )


def _theme_view(t: ThemeInput) -> ThemeView:
    return ThemeView(t.label, t.keywords, t.count, tuple(_example(m) for m in t.examples[:3]))


def _stems(*terms: str) -> set[str]:
    """Word stems of terms: casefolded words of 3+ letters cut to their first 5 letters."""
    words = {w for term in terms for w in re.findall(r"\w+", term)}
    return {w.casefold()[:5] for w in words if len(w) > 2}


def _label_stems(theme: ThemeView) -> set[str]:
    return _stems(theme.label)


def _top_stems(theme: ThemeView) -> set[str]:
    return _stems(theme.label, *theme.keywords[:3])


def find_opportunities(brands: Sequence[BrandBenchmark]) -> list[Opportunity]:
    """Pairs (own negative theme, competitor praised theme) where one theme's name shares
    a word stem with the other's name or top three terms: what customers praise in a
    competitor and complain about in the own brand."""
    out = []
    for own in (b for b in brands if b.is_own):
        for complaint in own.negative_themes:
            for rival in (b for b in brands if not b.is_own):
                for praise in rival.praised_themes:
                    shared = (_label_stems(complaint) & _top_stems(praise)) | (
                        _top_stems(complaint) & _label_stems(praise)
                    )
                    if shared:
                        terms = tuple(
                            sorted(
                                w
                                for term in (praise.label, *praise.keywords[:3])
                                for w in re.findall(r"\w+", term)
                                if w.casefold()[:5] in shared
                            )
                        )
                        out.append(
                            Opportunity(
                                own.brand,
                                complaint.label,
                                complaint.count,
                                rival.brand,
                                praise.label,
                                praise.count,
                                tuple(dict.fromkeys(terms)),
                            )
                        )
    out.sort(key=lambda o: (-(o.own_count + o.competitor_count), o.own_theme, o.competitor))
    return out


# -- health ----------------------------------------------------------------------------------
def _health_rows(
    health: Sequence[SourceHealth], silent: Sequence[str], per_source: Mapping[str, int]
) -> tuple[SourceHealthRow, ...]:
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
                negative_themes=tuple(_theme_view(t) for t in neg.get(c.brand, ())),
                praised_themes=tuple(_theme_view(t) for t in pos.get(c.brand, ())),
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
        trend=_trend(names, daily, daily_ratings, since, until),
        opportunities=tuple(find_opportunities(brands)),
        handle_time=handle,
        source_health=_health_rows(health, silent, per_source),
        warnings=source_warnings(health, silent),
        has_previous=bool(total_before),
        total_mentions=total,
        aggregate_ratings_available=bool(aggregate_ratings),
    )
