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

Modules: ``model`` (the frozen dataclasses and the JSON form), ``period`` (``--since``/
``--until``), ``trend`` (buckets and series), ``themes`` (theme views and opportunities),
``build`` (:func:`build_benchmark`, source health rows).
"""

from digest.competitors.build import build_benchmark
from digest.competitors.model import (
    BrandBenchmark,
    CompetitorBenchmark,
    ExampleView,
    HandleTime,
    Opportunity,
    ReviewSourceStats,
    SourceHealthRow,
    ThemeInput,
    ThemeView,
    Trend,
)
from digest.competitors.period import parse_period

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
