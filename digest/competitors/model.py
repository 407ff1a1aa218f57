"""The competitor benchmark's data: per-brand columns, trend series, opportunities,
source health and the whole benchmark with its JSON form (schema in README, "JSON report").

Frozen dataclasses only; :mod:`digest.competitors.build` fills them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from digest.build import PeriodChange
from storage.records import StoredMention


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
