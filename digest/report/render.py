"""Render the competitor benchmark: jinja2 (HTML autoescaped), JSON, and PDF (WeasyPrint).

Why WeasyPrint for the PDF: it lays out the very HTML the e-mail and the file show, with
CSS paged media (``@page`` A4 margins, no chart or brand card split across pages), in
process and in about a second, from a pip package plus the system Pango library (Debian
``libpango-1.0-0`` and ``libpangoft2-1.0-0``, which ``make venv`` installs when missing).
Chromium's ``--print-to-pdf`` gives a similar page but needs a 300 MB browser on the
server; matplotlib alone cannot lay out the tables and linked examples.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from digest.charts import Chart, comparison_prefix
from digest.competitors import CompetitorBenchmark
from domain.errors import DeliveryError

logger = logging.getLogger(__name__)


def _autoescape(template_name: str | None) -> bool:
    # select_autoescape() would not match "*.html.j2": decide by the inner extension.
    return template_name is not None and template_name.endswith((".html.j2", ".html"))


def safe_url(url: object) -> bool:
    """Only http(s) links become anchors (a scraped ``javascript:`` URL stays text)."""
    try:
        return urlsplit(str(url)).scheme in ("http", "https")
    except ValueError:
        return False


@lru_cache(maxsize=1)
def environment() -> Environment:
    """jinja2 environment for the report templates (HTML autoescaped, strict undefined)."""
    env = Environment(
        loader=PackageLoader("digest", "templates"),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["safe_url"] = safe_url
    return env


def period_text(report: CompetitorBenchmark) -> str:
    """'7 days', '36 hours', '1 day'."""
    seconds = (report.until - report.since).total_seconds()
    if seconds < 2 * 86400 and seconds % 86400:
        hours = round(seconds / 3600)
        return f"{hours} hour{'' if hours == 1 else 's'}"
    days = round(seconds / 86400)
    return f"{days} day{'' if days == 1 else 's'}"


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def chart_filename(chart: Chart) -> str:
    """The name a chart has as a file and as an e-mail attachment (``cid:`` reference)."""
    return f"competitors-{chart.name}.png"


def render_html(
    report: CompetitorBenchmark,
    charts: Sequence[Chart],
    *,
    images: Mapping[str, str] | None = None,
) -> str:
    """The HTML report. Images are inline ``data:`` URIs (a self-contained file) unless
    ``images`` maps chart names to other sources (``cid:...`` for e-mail)."""
    sources = dict(images) if images is not None else {c.name: data_uri(c.png) for c in charts}
    return (
        environment()
        .get_template("benchmark.html.j2")
        .render(
            report=report,
            sections=chart_sections(report, charts),
            widest=max(len(s.brands) for s in report.sections),
            images=sources,
            period_text=period_text(report),
        )
    )


@dataclass(frozen=True, slots=True)
class SectionChart:
    """A chart of one comparison: ``key`` is its name without the comparison's prefix."""

    key: str
    chart: Chart


def chart_sections(
    report: CompetitorBenchmark, charts: Sequence[Chart]
) -> list[tuple[CompetitorBenchmark, list[SectionChart]]]:
    """Each comparison of the report (or the report itself) with its charts."""
    if not report.comparisons:
        return [(report, [SectionChart(c.name, c) for c in charts])]
    out = []
    for i, section in enumerate(report.comparisons):
        prefix = comparison_prefix(i)
        mine = [
            SectionChart(c.name.removeprefix(prefix), c)
            for c in charts
            if c.name.startswith(prefix)
        ]
        out.append((section, mine))
    return out


def render_text(report: CompetitorBenchmark) -> str:
    return (
        environment()
        .get_template("benchmark.txt.j2")
        .render(report=report, period_text=period_text(report))
    )


def render_json(report: CompetitorBenchmark) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def render_pdf(html: str) -> bytes:
    """PDF (A4) of a self-contained HTML report, through WeasyPrint.

    Raises:
        DeliveryError: WeasyPrint or the Pango library is missing (the message says what
            to install).
    """
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise DeliveryError(
            f"the PDF report needs WeasyPrint and the Pango library ({exc}): "
            "pip install weasyprint; apt-get install -y libpango-1.0-0 libpangoft2-1.0-0"
        ) from exc
    for noisy in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


@dataclass(frozen=True, slots=True)
class ReportDocuments:
    """Every form of one report: ``pdf`` is None when it was not asked for."""

    report: CompetitorBenchmark
    charts: tuple[Chart, ...]
    html: str
    text: str
    json: str
    pdf: bytes | None = None

    @property
    def subject(self) -> str:
        own = ", ".join(
            f"{b.brand} {100 * b.share_of_voice:.0f} % share, net {b.net_sentiment:+.2f}"
            for section in self.report.sections
            for b in section.own
        )
        return f"{self.report.title}: {period_text(self.report)}" + (f" ({own})" if own else "")


def render_report(
    report: CompetitorBenchmark, charts: Sequence[Chart], *, pdf: bool = False
) -> ReportDocuments:
    """HTML (self-contained), text, JSON, and the PDF when ``pdf`` is true."""
    html = render_html(report, charts)
    return ReportDocuments(
        report=report,
        charts=tuple(charts),
        html=html,
        text=render_text(report),
        json=render_json(report),
        pdf=render_pdf(html) if pdf else None,
    )
