"""Charts of the competitor benchmark as PNG bytes (matplotlib, Agg backend, no display).

Readable in colour and in greyscale: every brand has its own marker and line style (bars:
hatch pattern), the own brand is drawn black, thicker and named "(you)"; every chart has a
title, axis units and a legend. Colours come from the Okabe-Ito palette (safe for colour
blindness). ``dpi`` sets the resolution (default 110 dots per inch: a 8 x 3.4 inch chart is
880 x 374 pixels); tests pass a low one.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from digest.competitors import BrandBenchmark, CompetitorBenchmark

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_DPI", "Chart", "render_charts"]

DEFAULT_DPI = 110
WIDTH_IN, HEIGHT_IN = 8.0, 3.4
OWN_COLOUR = "#000000"
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo")
LABEL_HATCH = {"positive": "", "neutral": "..", "negative": "//"}
# Light, lighter, dark: the three labels stay apart in greyscale too (and by hatch).
LABEL_COLOUR = {"positive": "#66C2A5", "neutral": "#DDDDDD", "negative": "#A63603"}


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: a file-friendly name, its title, the PNG and its size in pixels."""

    name: str
    title: str
    png: bytes
    width: int
    height: int


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _label(b: BrandBenchmark) -> str:
    return f"{b.brand} (you)" if b.is_own else b.brand


def _style(index: int, own: bool) -> dict[str, Any]:
    """Line style of the ``index``-th competitor, or the own brand's."""
    if own:
        return {"color": OWN_COLOUR, "marker": "o", "linestyle": "-", "linewidth": 3.0, "zorder": 5}
    return {
        "color": PALETTE[index % len(PALETTE)],
        "marker": MARKERS[(index + 1) % len(MARKERS)],
        "linestyle": LINESTYLES[(index + 1) % len(LINESTYLES)],
        "linewidth": 1.6,
        "zorder": 3,
    }


def _styles(brands: tuple[BrandBenchmark, ...]) -> dict[str, dict[str, Any]]:
    out, rival = {}, 0
    for b in brands:
        out[b.brand] = _style(rival, b.is_own)
        if not b.is_own:
            rival += 1
    return out


def _save(fig: Any, plt: Any, name: str, title: str, dpi: int) -> Chart:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    width, height = (round(float(v)) for v in fig.get_size_inches() * dpi)
    plt.close(fig)
    return Chart(name, title, buf.getvalue(), width, height)


def _figure(plt: Any, height: float = HEIGHT_IN) -> tuple[Any, Any]:
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height), layout="constrained")
    ax.grid(axis="both", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _share_chart(plt: Any, report: CompetitorBenchmark, dpi: int) -> Chart:
    brands = report.brands
    height = max(1.8, 0.5 * len(brands) + 1.0)
    fig, ax = _figure(plt, height)
    names = [_label(b) for b in brands][::-1]
    values = [100 * b.share_of_voice for b in brands][::-1]
    styles = _styles(brands)
    bars = ax.barh(
        names,
        values,
        color=[styles[b.brand]["color"] for b in brands][::-1],
        hatch=[("" if b.is_own else HATCHES[(i % 6) + 1]) for i, b in enumerate(brands)][::-1],
        edgecolor="white",
    )
    ax.bar_label(bars, labels=[f"{v:.1f} %" for v in values], padding=3, fontsize=9)
    ax.set_xlim(0, max([*values, 1.0]) * 1.18)
    ax.set_xlabel(
        "share of voice (% of "
        + ("this comparison's" if report.own_brand else "all tracked brands'")
        + " mentions)"
    )
    title = f"Share of voice, {report.total_mentions} mentions"
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    for tick in ax.get_yticklabels():
        if tick.get_text().endswith("(you)"):
            tick.set_fontweight("bold")
    return _save(fig, plt, "share_of_voice", title, dpi)


def _sentiment_chart(plt: Any, report: CompetitorBenchmark, dpi: int) -> Chart:
    brands = report.brands
    height = max(1.8, 0.5 * len(brands) + 1.3)
    fig, ax = _figure(plt, height)
    names = [_label(b) for b in brands][::-1]
    left = [0.0] * len(brands)
    for label in ("positive", "neutral", "negative"):
        values = [100 * getattr(b, label) / b.analyzed if b.analyzed else 0.0 for b in brands][::-1]
        ax.barh(
            names,
            values,
            left=left,
            color=LABEL_COLOUR[label],
            hatch=LABEL_HATCH[label],
            edgecolor="white",
            label=label,
        )
        left = [a + v for a, v in zip(left, values, strict=True)]
    for y, b in enumerate(brands[::-1]):
        text = f"net {b.net_sentiment:+.2f}" if b.analyzed else "no analyzed mentions"
        ax.text(101, y, text, va="center", fontsize=9)
    ax.set_xlim(0, 122)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel("% of analyzed mentions")
    title = "Sentiment split and net sentiment"
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.legend(loc="lower center", bbox_to_anchor=(0.45, 1.0), ncols=3, frameon=False, fontsize=9)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", pad=22)
    for tick in ax.get_yticklabels():
        if tick.get_text().endswith("(you)"):
            tick.set_fontweight("bold")
    return _save(fig, plt, "sentiment", title, dpi)


def _bucket_label(report: CompetitorBenchmark) -> str:
    return {
        "day": "day (UTC)",
        "week": "week starting Monday (UTC)",
        "month": "month",
        "year": "year",
    }[report.trend.granularity]


def _trend_chart(
    plt: Any,
    report: CompetitorBenchmark,
    dpi: int,
    *,
    name: str,
    series: dict[str, list[Any]],
    title: str,
    ylabel: str,
    ylim: tuple[float, float] | None = None,
) -> Chart:
    fig, ax = _figure(plt)
    buckets: list[date] = list(report.trend.buckets)
    styles = _styles(report.brands)
    plotted = 0
    for b in report.brands:
        values = series.get(b.brand, [])
        if not any(v is not None for v in values):
            continue
        xs = [d for d, v in zip(buckets, values, strict=True) if v is not None]
        ys = [v for v in values if v is not None]
        ax.plot(xs, ys, label=_label(b), markersize=5 if len(xs) < 60 else 2, **styles[b.brand])
        plotted += 1
    if ylim:
        ax.set_ylim(*ylim)
    elif plotted:
        ax.set_ylim(bottom=0)
    if 0 < len(buckets) <= 16:
        fmt = {"year": "%Y", "month": "%Y-%m"}.get(report.trend.granularity, "%Y-%m-%d")
        ax.set_xticks(buckets, [d.strftime(fmt) for d in buckets])
    if not plotted:
        ax.text(
            0.5,
            0.5,
            "no data in this period",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=11,
            color="#555555",
        )
    else:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9)
    ax.set_xlabel(_bucket_label(report))
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    fig.autofmt_xdate(rotation=30)
    return _save(fig, plt, name, title, dpi)


def _stars_chart(plt: Any, report: CompetitorBenchmark, dpi: int) -> Chart:
    fig, ax = _figure(plt)
    rated = [b for b in report.brands if b.reviews]
    styles = _styles(report.brands)
    width = 0.8 / max(len(rated), 1)
    for i, b in enumerate(rated):
        shares = [100 * b.stars[s] / b.reviews for s in (1, 2, 3, 4, 5)]
        xs = [s + (i - (len(rated) - 1) / 2) * width for s in (1, 2, 3, 4, 5)]
        ax.bar(
            xs,
            shares,
            width=width,
            color=styles[b.brand]["color"],
            hatch="" if b.is_own else HATCHES[(i % 6) + 1],
            edgecolor="white",
            label=f"{_label(b)}: {b.average_rating:.2f}★ avg, {b.reviews} reviews",
        )
    ax.set_xticks([1, 2, 3, 4, 5], ["1 ★", "2 ★", "3 ★", "4 ★", "5 ★"])
    ax.set_ylabel("% of the brand's reviews")
    title = "Distribution of star ratings"
    ax.set_ylim(0, 100)
    ax.legend(
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=min(len(rated), 3),
        frameon=False,
        fontsize=8,
    )
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold", pad=24)
    return _save(fig, plt, "stars", title, dpi)


def comparison_prefix(index: int) -> str:
    """The chart-name prefix of the report's comparison number ``index`` (0-based)."""
    return f"c{index + 1}-"


def render_charts(report: CompetitorBenchmark, *, dpi: int = DEFAULT_DPI) -> list[Chart]:
    """Every chart of the report, in reading order. Rating charts only when the period
    has star-rated reviews. A report of several comparisons (``report.comparisons``) gets
    each comparison's charts, named with :func:`comparison_prefix` (``c1-share_of_voice``)."""
    if report.comparisons:
        return [
            replace(chart, name=comparison_prefix(i) + chart.name)
            for i, section in enumerate(report.comparisons)
            for chart in _render(section, dpi)
        ]
    return _render(report, dpi)


def _render(report: CompetitorBenchmark, dpi: int) -> list[Chart]:
    plt = _pyplot()
    with plt.rc_context({"font.size": 9, "hatch.linewidth": 0.8, "hatch.color": "#333333"}):
        charts = [
            _share_chart(plt, report, dpi),
            _sentiment_chart(plt, report, dpi),
            _trend_chart(
                plt,
                report,
                dpi,
                name="volume",
                series={k: list(v) for k, v in report.trend.volume.items()},
                title="Mentions over time",
                ylabel="mentions per " + report.trend.granularity,
            ),
            _trend_chart(
                plt,
                report,
                dpi,
                name="net_sentiment",
                series=dict(report.trend.net_sentiment),
                title="Net sentiment over time",
                ylabel="net sentiment (−1 … +1)",
                ylim=(-1.05, 1.05),
            ),
        ]
        if report.has_ratings:
            charts.append(
                _trend_chart(
                    plt,
                    report,
                    dpi,
                    name="rating",
                    series=dict(report.trend.rating),
                    title="Average star rating over time",
                    ylabel="average rating (1-5 stars)",
                    ylim=(0.8, 5.2),
                )
            )
            charts.append(_stars_chart(plt, report, dpi))
    logger.debug("rendered %d chart(s) at %d dpi", len(charts), dpi)
    return charts
