"""Spikes: a brand suddenly talked about much more, or much more negatively, than usual.

Numbers in, findings out; no I/O. For each brand (all its sources together, and each
source on its own) the last ``window_hours`` are compared with **the same hours of the
week** in the previous ``weeks`` weeks, because volume follows the week: Monday 10:00 is
busy and Sunday 03:00 quiet, and a flat average would call every Monday morning a spike.

* **volume**: ``now ≥ min_volume``, ``now ≥ ratio × baseline mean`` and
  ``now > mean + z × √(max(std², mean, 1) × (1 + 1/weeks))``: the weeks' spread, at
  least the Poisson spread, widened because the mean comes from few weeks;
* **negative share**: at least ``min_negative`` negatives, ``now ≥ min_volume``, the share
  of negatives at least ``share_rise`` above the baseline share, and so many negatives
  that the baseline share would give them by chance less often than ``z`` standard
  deviations would (exact binomial tail: ``z = 4`` → p ≤ 0.00003).

A baseline needs at least ``min_weeks`` weeks of history (weeks before the first stored
mention do not count as zeros). A finding for the brand's sources together hides the
same kind of finding for its single sources (one story, one report); a finding already
reported within ``cooldown_hours`` is not repeated. Each finding explains itself:
baseline against now, the top terms of the window, example mention ids. A competitor's
spike is an **opportunity** (their customers are unhappy or talking: listen, never gloat,
never apologise); an own brand's is a **risk**.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

ALL_SOURCES = "*"
WEEK = timedelta(days=7)
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SpikeSettings:
    """Thresholds of spike detection (defaults in brackets).

    Attributes:
        window_hours: the recent window compared with the baseline, in hours [3].
        weeks: how many previous weeks form the hour-of-week baseline [4].
        min_weeks: fewer weeks of history than this: no finding [2].
        min_volume: mentions in the window below this are never a spike [8].
        min_negative: negatives in the window below this are never a share spike [4].
        ratio: the window must hold at least this multiple of the baseline mean [2.0].
        z: standard deviations above the baseline [4.0].
        share_rise: the negative share must rise by at least this much (0-1) [0.25].
        cooldown_hours: the same brand, source and kind is reported at most once per
            this many hours [24].
    """

    window_hours: float = 3.0
    weeks: int = 4
    min_weeks: int = 2
    min_volume: int = 8
    min_negative: int = 4
    ratio: float = 2.0
    z: float = 4.0
    share_rise: float = 0.25
    cooldown_hours: float = 24.0


@dataclass(frozen=True, slots=True)
class Post:
    """One mention of one brand: when, where, whether negative, and its text."""

    mention_id: int
    brand: str
    source: str
    at: datetime
    negative: bool
    text: str = ""


@dataclass(frozen=True, slots=True)
class SpikeFinding:
    """A spike, with what it was measured against.

    Attributes:
        brand, source: where (``source`` is ``*`` for all the brand's sources).
        kind: ``volume`` or ``negative_share``.
        category: ``risk`` (own brand) or ``opportunity`` (a competitor).
        now_count, now_negative: mentions and negatives in the window.
        baseline_mean, baseline_std: mentions in the same window of the previous weeks.
        baseline_share: negative share in those windows (0-1).
        weeks: how many weeks the baseline holds.
        window_start, window_end: the window (UTC).
        top_terms: the most frequent words of the window (negatives for a share spike).
        example_ids: up to 3 mention ids from the window (negatives first).
    """

    brand: str
    source: str
    kind: str
    category: str
    now_count: int
    now_negative: int
    baseline_mean: float
    baseline_std: float
    baseline_share: float
    weeks: int
    window_start: datetime
    window_end: datetime
    top_terms: tuple[str, ...]
    example_ids: tuple[int, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.brand, self.source, self.kind)

    @property
    def now_share(self) -> float:
        return self.now_negative / self.now_count if self.now_count else 0.0

    @property
    def summary(self) -> str:
        """One line that explains the finding: baseline against now, terms, examples."""
        where = "all sources" if self.source == ALL_SOURCES else self.source
        hours = (self.window_end - self.window_start).total_seconds() / 3600
        if self.kind == "volume":
            times = self.now_count / self.baseline_mean if self.baseline_mean else math.inf
            what = (
                f"{self.now_count} mentions in the last {hours:g} h on {where}, against "
                f"{self.baseline_mean:.1f} ± {self.baseline_std:.1f} at this hour of the week "
                f"over {self.weeks} weeks ({'new' if math.isinf(times) else f'{times:.1f}×'})"
            )
        else:
            what = (
                f"{self.now_share:.0%} negative ({self.now_negative} of {self.now_count}) in "
                f"the last {hours:g} h on {where}, against {self.baseline_share:.0%} at this "
                f"hour of the week over {self.weeks} weeks"
            )
        lead = (
            f"Opportunity — {self.brand} (competitor)"
            if self.category == "opportunity"
            else f"{self.brand}"
        )
        terms = f"; top terms: {', '.join(self.top_terms)}" if self.top_terms else ""
        examples = (
            f"; e.g. mention {', '.join(f'#{i}' for i in self.example_ids)}"
            if self.example_ids
            else ""
        )
        advice = (
            " Their customers are talking: listen, answer questions about switching, never gloat."
            if self.category == "opportunity"
            else ""
        )
        return f"{lead}: {what}{terms}{examples}.{advice}"


def _stopwords() -> frozenset[str]:
    try:
        import stopwordsiso

        return frozenset(stopwordsiso.stopwords(["en", "de", "fr", "es", "it", "pt", "bg", "ar"]))
    except Exception:  # a nicety, never a failure
        return frozenset({"the", "and", "for", "with", "this", "that", "are", "was", "you"})


def top_terms(texts: Iterable[str], *, exclude: Iterable[str] = (), limit: int = 5) -> list[str]:
    """The words found in the most texts (each text counts a word once), stop words and
    ``exclude`` (the brand's own words) removed; ties by first appearance."""
    stop = _stopwords() | {w.casefold() for e in exclude for w in _WORD.findall(e)}
    counts: Counter[str] = Counter()
    for text in texts:
        words = dict.fromkeys(w.casefold() for w in _WORD.findall(text))
        counts.update(w for w in words if w not in stop)
    return [w for w, n in counts.most_common() if n >= 2][:limit]


def _p_value(z: float) -> float:
    """One-sided tail probability of ``z`` standard deviations (3 → 0.00135, 3.5 → 0.00023)."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), exact (log space): the chance of at least ``k``
    negatives among ``n`` mentions if the usual share ``p`` still held."""
    if k <= 0:
        return 1.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(n + 1)
        - math.lgamma(i + 1)
        - math.lgamma(n - i + 1)
        + i * log_p
        + (n - i) * log_q
        for i in range(k, n + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def _stats(values: Sequence[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / (len(values) - 1) if len(values) > 1 else 0.0
    return mean, math.sqrt(var)


def detect_spikes(
    posts: Sequence[Post],
    *,
    now: datetime,
    own_brands: Iterable[str],
    settings: SpikeSettings | None = None,
    history_start: datetime | None = None,
    last_reported: Mapping[tuple[str, str, str], datetime] | None = None,
    brand_terms: Mapping[str, Sequence[str]] | None = None,
) -> list[SpikeFinding]:
    """Spikes of volume and negative share per brand (all sources, then each source).

    Args:
        posts: mentions per brand from at least ``weeks`` weeks plus the window before
            ``now`` (older ones are ignored).
        now: the end of the window (UTC).
        own_brands: your brands (their spikes are risks; others' are opportunities).
        settings: thresholds (see :class:`SpikeSettings`).
        history_start: when data collection began (default: the oldest post); weeks
            before it are not counted as silent weeks.
        last_reported: ``(brand, source, kind) → last report time`` for the cooldown.
        brand_terms: each brand's terms, left out of the top terms.
    """
    s = settings or SpikeSettings()
    own = set(own_brands)
    last = dict(last_reported or {})
    terms_of = brand_terms or {}
    window = timedelta(hours=s.window_hours)
    start = now - window
    if not posts:
        return []
    first = history_start or min(p.at for p in posts)
    weeks = [w for w in range(1, s.weeks + 1) if start - w * WEEK >= first]
    if len(weeks) < s.min_weeks:
        return []

    groups: dict[tuple[str, str], list[Post]] = {}
    for post in posts:
        groups.setdefault((post.brand, ALL_SOURCES), []).append(post)
        groups.setdefault((post.brand, post.source), []).append(post)

    findings: list[SpikeFinding] = []
    fired: set[tuple[str, str]] = set()
    for (brand, source), group in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1] != "*")):
        if source != ALL_SOURCES and (brand, "volume") in fired and (brand, "share") in fired:
            continue
        recent = [p for p in group if start <= p.at < now]
        if len(recent) < s.min_volume:
            continue
        counts: list[float] = []
        negatives = 0
        for w in weeks:
            lo, hi = start - w * WEEK, now - w * WEEK
            in_week = [p for p in group if lo <= p.at < hi]
            counts.append(float(len(in_week)))
            negatives += sum(p.negative for p in in_week)
        mean, std = _stats(counts)
        # Prediction spread of one new window: the weeks' own spread, at least the Poisson
        # spread, widened because the mean itself is estimated from few weeks.
        spread = math.sqrt(max(std * std, mean, 1.0) * (1 + 1 / len(weeks)))
        base_total = sum(counts)
        base_share = negatives / base_total if base_total else 0.0
        now_neg = sum(p.negative for p in recent)
        category = "risk" if brand in own else "opportunity"

        ordered = sorted(recent, key=lambda p: (not p.negative, -p.at.timestamp()))
        exclude = [brand, *terms_of.get(brand, ())]
        common = {
            "brand": brand,
            "source": source,
            "category": category,
            "now_count": len(recent),
            "now_negative": now_neg,
            "baseline_mean": mean,
            "baseline_std": std,
            "baseline_share": base_share,
            "weeks": len(weeks),
            "window_start": start,
            "window_end": now,
            "example_ids": tuple(p.mention_id for p in ordered[:3]),
        }
        cooled = timedelta(hours=s.cooldown_hours)
        volume_spike = (
            len(recent) >= s.ratio * mean
            and len(recent) > mean + s.z * spread
            and (source == ALL_SOURCES or (brand, "volume") not in fired)
        )
        if volume_spike:
            if source == ALL_SOURCES:
                fired.add((brand, "volume"))
            f = SpikeFinding(
                kind="volume",
                top_terms=tuple(top_terms((p.text for p in recent), exclude=exclude)),
                **common,  # type: ignore[arg-type]
            )
            if f.key not in last or now - last[f.key] >= cooled:
                findings.append(f)
        share = now_neg / len(recent)
        share_spike = (
            now_neg >= s.min_negative
            and share - base_share >= s.share_rise
            and binomial_tail(now_neg, len(recent), max(base_share, 0.02)) <= _p_value(s.z)
            and (source == ALL_SOURCES or (brand, "share") not in fired)
        )
        if share_spike:
            if source == ALL_SOURCES:
                fired.add((brand, "share"))
            f = SpikeFinding(
                kind="negative_share",
                top_terms=tuple(top_terms((p.text for p in recent if p.negative), exclude=exclude)),
                **common,  # type: ignore[arg-type]
            )
            if f.key not in last or now - last[f.key] >= cooled:
                findings.append(f)
    findings.sort(key=lambda f: (f.category != "risk", f.brand, f.source != ALL_SOURCES, f.kind))
    return findings
