"""The competitor report, composed: stored aggregates + clustered themes → benchmark →
charts → HTML, PDF, text, JSON → files and apprise recipients.

Used by ``brandpulse report``, by every cycle (HTML, text and JSON of
``digest.period_days``), by the daemon's weekly schedule (``[report]``) and by the demo.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from brandpulse.config import BrandConfig, Config
from brandpulse.config_groups import report_groups
from brandpulse.delivery_rules import DeliveryResult
from digest.charts import DEFAULT_DPI, render_charts
from digest.competitors import CompetitorBenchmark, ThemeInput, build_benchmark
from digest.report import ReportDocuments, render_report, write_report_files
from domain.terms import blank_spans
from domain.text import model_text
from listeners.health import is_silent
from storage import Repository, StoredMention
from storage.models import utcnow
from storage.report_queries import ReportQueries

logger = logging.getLogger(__name__)

#: Mentions per brand and polarity clustered into themes (the strongest first).
THEME_SAMPLE_MAX = 300
#: Themes shown per brand and polarity.
THEMES_SHOWN = 4
#: Fewer mentions than this give no theme.
THEME_MIN_TEXTS = 4
CYCLE_FORMATS = ("txt", "json")


@dataclass(frozen=True, slots=True)
class ReportRun:
    """What one report run produced: the documents, files written, delivery outcomes."""

    docs: ReportDocuments
    files: tuple[Path, ...]
    deliveries: tuple[DeliveryResult, ...] = ()

    @property
    def failed(self) -> tuple[DeliveryResult, ...]:
        return tuple(d for d in self.deliveries if not d.ok)


def _themes(
    repo: Repository,
    brand: BrandConfig,
    *,
    label: str,
    since: datetime,
    until: datetime,
    embed: Callable[[Sequence[str]], Any] | None,
) -> list[ThemeInput]:
    """Cluster one brand's ``label`` mentions of the period into named themes."""
    from sentiment.topics import cluster_topics

    order = "-score" if label == "negative" else "score"
    mentions: list[StoredMention] = [
        m
        for m in repo.mentions(
            brand=brand.name, label=label, since=since, order=order, limit=THEME_SAMPLE_MAX
        )
        if (m.published_at or m.collected_at) < until
    ]
    if len(mentions) < THEME_MIN_TEXTS:
        return []
    # The brand's own name is in every text: it is not a theme.
    terms = brand.terms_record()
    texts = [blank_spans(model_text(m.title, m.text), terms) for m in mentions]
    topics = cluster_topics(texts, embed=embed) if embed else cluster_topics(texts)
    # Two clusters may get the same name: one theme, counts added, examples of both.
    merged: dict[str, ThemeInput] = {}
    for t in topics:
        examples = tuple(mentions[i] for i in t.representatives)
        if t.label in merged:
            old = merged[t.label]
            merged[t.label] = ThemeInput(
                old.label,
                tuple(dict.fromkeys((*old.keywords, *t.keywords)))[:6],
                old.count + len(t.members),
                (*old.examples, *examples)[:3],
            )
        else:
            merged[t.label] = ThemeInput(t.label, t.keywords, len(t.members), examples)
    ranked = sorted(merged.values(), key=lambda th: (-th.count, th.label))
    return ranked[:THEMES_SHOWN]


def build_report(
    config: Config,
    repo: Repository,
    *,
    since: datetime,
    until: datetime,
    brands: Sequence[str] | None = None,
    now: datetime | None = None,
    title: str | None = None,
    embed: Callable[[Sequence[str]], Any] | None = None,
    known_themes: Mapping[str, Sequence[tuple[str, int]]] | None = None,
) -> CompetitorBenchmark:
    """The benchmark of ``[since, until)`` from stored mentions (nothing is collected).

    ``embed`` replaces the multilingual sentence encoder for theme clustering (tests).
    ``known_themes`` (brand → [(negative theme, count)], as the cycle's
    ``Pipeline.update_topics`` returns) skips clustering: negative themes without
    examples, no praised themes (the cheap per-cycle report).
    """
    now = now or utcnow()
    queries = ReportQueries(repo.engine)
    length = until - since
    health = repo.source_health()
    silent = [h.name for h in health if is_silent(h, now)]
    wanted = [b for b in config.brands if not brands or b.name in brands]
    if known_themes is not None:
        negative = {
            name: [ThemeInput(label, (label,), count, ()) for label, count in themes]
            for name, themes in known_themes.items()
        }
        praised: dict[str, list[ThemeInput]] = {}
    else:
        negative = {
            b.name: _themes(repo, b, label="negative", since=since, until=until, embed=embed)
            for b in wanted
        }
        praised = {
            b.name: _themes(repo, b, label="positive", since=since, until=until, embed=embed)
            for b in wanted
        }
    rows: dict[str, Any] = {
        "counts": repo.brand_counts(since=since, until=until),
        "previous": repo.brand_counts(since=since - length, until=since),
        "daily": queries.daily_label_counts(since=since, until=until),
        "rating_buckets": queries.rating_buckets(since=since, until=until),
        "daily_ratings": queries.daily_ratings(since=since, until=until),
        "source_counts": queries.source_counts(since=since, until=until),
    }
    common: dict[str, Any] = {
        "since": since,
        "until": until,
        "now": now,
        "aggregate_ratings": queries.aggregate_ratings(),
        "health": health,
        "silent": silent,
        "negative_themes": negative,
        "praised_themes": praised,
        "only_brands": list(brands) if brands else None,
    }
    report = build_benchmark(
        title=title or config.report.title,
        handle_times=queries.alert_handle_times(
            [b.name for b in config.brands if b.own], since=since, until=until
        ),
        **rows,
        **common,
    )
    comparisons = []
    for own, names in report_groups(config.brands):
        if brands and not set(brands) & set(names):
            continue
        keep = set(names)
        # Share of voice, trends and totals within the comparison: only its brands' rows.
        mine: dict[str, Any] = {
            key: [r for r in values if r.brand in keep] for key, values in rows.items()
        }
        # The comparison's own brand is the one "(you)" of it, whatever other own brands
        # the database knows.
        for key in ("counts", "previous"):
            mine[key] = [replace(c, is_own=c.brand == own) for c in mine[key]]
        comparisons.append(
            replace(
                build_benchmark(
                    title=f"{own} and its competitors",
                    handle_times=queries.alert_handle_times([own], since=since, until=until),
                    **mine,
                    **common,
                ),
                own_brand=own,
            )
        )
    return replace(report, comparisons=tuple(comparisons)) if comparisons else report


def produce_report(
    config: Config,
    repo: Repository,
    *,
    since: datetime,
    until: datetime,
    formats: Collection[str],
    output_dir: Path | None = None,
    brands: Sequence[str] | None = None,
    now: datetime | None = None,
    dpi: int = DEFAULT_DPI,
    recipients: Sequence[str] = (),
    embed: Callable[[Sequence[str]], Any] | None = None,
    known_themes: Mapping[str, Sequence[tuple[str, int]]] | None = None,
    subject: str | None = None,
) -> ReportRun:
    """Build, render, write (``formats`` into ``output_dir``, default the digest folder)
    and send to ``recipients`` (apprise URLs; the PDF attached when ``attach_pdf``)
    through the delivery outbox (:mod:`brandpulse.report_delivery`): one row per
    recipient under ``subject`` (default: this period and run, see
    :func:`~brandpulse.report_delivery.report_subject`), sent now, and retried by later
    runs and daemon ticks when it fails. Sending needs a writable ``repo``."""
    now = now or utcnow()
    report = build_report(
        config,
        repo,
        since=since,
        until=until,
        brands=brands,
        now=now,
        embed=embed,
        known_themes=known_themes,
    )
    # Charts are the slow part (about 0.5 s each): only for documents that show them.
    needs_charts = bool({"html", "pdf", "png"} & set(formats)) or bool(recipients)
    charts = render_charts(report, dpi=dpi) if needs_charts else []
    want_pdf = "pdf" in formats or bool(recipients and config.report.attach_pdf)
    docs = render_report(report, charts, pdf=want_pdf)
    files = write_report_files(
        docs,
        output_dir=Path(output_dir or config.digest.output_dir),
        formats=formats,
        now=now,
    )
    outcomes: list[DeliveryResult] = []
    if recipients and config.digest.dry_run:
        logger.info("dry run: the competitor report is not sent")
    elif recipients:
        from brandpulse.report_delivery import queue_report, report_subject, send_due_reports
        from storage.outbox import Outbox

        subject = subject or report_subject(since, until, run_at=now)
        queue_report(Outbox(repo.engine), subject, recipients, now=now)
        outcomes = send_due_reports(
            config,
            repo,
            now=now,
            documents={subject: docs},
            recipients=recipients,
            embed=embed,
        )
    return ReportRun(docs, tuple(files), tuple(outcomes))


def render_for_delivery(
    config: Config,
    repo: Repository,
    *,
    since: datetime,
    until: datetime,
    now: datetime | None = None,
    dpi: int = DEFAULT_DPI,
    embed: Callable[[Sequence[str]], Any] | None = None,
) -> ReportDocuments:
    """The report of ``[since, until)`` as it is sent: charts, and the PDF when
    ``report.attach_pdf`` (used to send a failed delivery again)."""
    report = build_report(config, repo, since=since, until=until, now=now, embed=embed)
    return render_report(report, render_charts(report, dpi=dpi), pdf=config.report.attach_pdf)


def write_cycle_report(
    config: Config,
    repo: Repository,
    *,
    now: datetime,
    themes: Mapping[str, Sequence[tuple[str, int]]] | None = None,
) -> list[Path]:
    """The figures every cycle writes: ``competitors.txt`` and ``competitors.json`` of the
    last ``digest.period_days`` (with the cycle's negative ``themes`` when given). No
    charts, HTML or PDF (about 3 s more per cycle): those come from ``brandpulse report``,
    the weekly schedule and the demo."""
    run = produce_report(
        config,
        repo,
        since=now - timedelta(days=config.digest.period_days),
        until=now,
        formats=CYCLE_FORMATS,
        now=now,
        known_themes=themes if themes is not None else {},
    )
    return list(run.files)


def scheduled_period(config: Config, now: datetime) -> tuple[datetime, datetime]:
    """The scheduled report's period: the ``report.period_days`` whole days (in
    ``report.timezone``) that end at the start of today there."""
    zone = ZoneInfo(config.report.timezone)
    local_midnight = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    until = local_midnight.astimezone(ZoneInfo("UTC"))
    return until - timedelta(days=config.report.period_days), until


def run_scheduled_report(
    config: Config,
    repo: Repository,
    *,
    now: datetime | None = None,
    dpi: int = DEFAULT_DPI,
    embed: Callable[[Sequence[str]], Any] | None = None,
    known_themes: Mapping[str, Sequence[tuple[str, int]]] | None = None,
) -> ReportRun:
    """The weekly report: write it (``report.formats``) and send it to
    ``report.recipients`` through the outbox, once per period and recipient (a failed
    send is retried by later delivery ticks)."""
    from brandpulse.report_delivery import report_subject

    now = now or utcnow()
    since, until = scheduled_period(config, now)
    run = produce_report(
        config,
        repo,
        since=since,
        until=until,
        formats=config.report.formats,
        now=now,
        dpi=dpi,
        recipients=config.report.recipients,
        embed=embed,
        subject=report_subject(since, until),
    )
    logger.info(
        "scheduled competitor report %s to %s: %d file(s), %d sent, %d failed",
        f"{since:%Y-%m-%d}",
        f"{until:%Y-%m-%d}",
        len(run.files),
        sum(1 for d in run.deliveries if d.ok),
        len(run.failed),
    )
    return run


def add_report_job(scheduler: Any, config: Config, run: Callable[[], object]) -> None:
    """Add the weekly report to an APScheduler 3 scheduler (``report.schedule`` in
    ``report.timezone``); nothing when ``report.enabled`` is false."""
    if not config.report.enabled:
        return
    scheduler.add_job(
        run,
        config.report.trigger(),
        id="competitor-report",
        name="competitor-report",
        replace_existing=True,
        misfire_grace_time=3600,
        coalesce=True,
    )


def period_covering(repo: Repository) -> tuple[datetime, datetime] | None:
    """From the first stored mention's day to the day after the last one (UTC): the
    period that covers every stored mention (used by the demo's recordings)."""
    found = ReportQueries(repo.engine).data_range()
    if found is None:
        return None
    first, last = found
    start = first.replace(hour=0, minute=0, second=0, microsecond=0)
    end = last.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return start, end
