"""Run Scrapy crawls (each in its own subprocess) and store their records through the
one intake path, as sources like any other."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from brandpulse.config import Config, CrawlConfig
from brandpulse.intake import Intake, IntakeReport
from brandpulse.sources import SourceRun
from domain import defaults
from domain.kinds import crawl_type
from domain.records import SkipReason
from spiders import REVIEW_SPIDERS, CrawlResult, run_crawl
from storage import Repository
from storage.aggregates import save_aggregates
from storage.run_counts import record_run_counts, skip_counts

logger = logging.getLogger(__name__)

#: Most recent external ids of a source passed to its crawl: a page holding only these
#: ends the pagination (listings are newest first, so a few pages' worth is plenty).
KNOWN_IDS_PASSED = 2_000


@dataclass(frozen=True, slots=True)
class CrawlRun:
    """One crawl: what the spider found (``crawl``) and what the intake stored."""

    crawl: CrawlResult
    intake: IntakeReport

    @property
    def ok(self) -> bool:
        return self.crawl.ok and self.intake.error is None

    @property
    def error(self) -> str | None:
        """Everything that went wrong, in one line (None for a clean crawl)."""
        if self.ok:
            return None
        problems = list(self.crawl.problems) or [_exit_reason(self.crawl)]
        return "; ".join(([self.intake.error] if self.intake.error else []) + problems)

    def as_source_run(self) -> SourceRun:
        return SourceRun.from_intake(self.crawl.source, self.intake, error=self.error)


def register_crawls(config: Config, repo: Repository) -> None:
    for crawl_config in config.crawls:
        repo.sync_source(
            crawl_config.name,
            crawl_type(crawl_config.spider),
            expected_interval_s=crawl_config.interval_minutes * 60,
            enabled=None if crawl_config.enabled else False,
            disabled_reason=None if crawl_config.enabled else "enabled = false in the config",
        )


def crawl_for_url(config: Config, url: str) -> CrawlConfig | None:
    """The configured crawl whose start URLs include ``url``, if any."""
    return next((c for c in config.crawls if url in c.urls), None)


def default_source_name(spider: str, url: str) -> str:
    """``<spider>:<host>`` for an ad-hoc crawl of ``url``."""
    return f"{spider}:{urlsplit(url).hostname or 'local'}"


def crawl(
    config: Config,
    *,
    intake: Intake,
    spider: str,
    urls: Sequence[str],
    source: str,
    brand: str | None,
    crawl_config: CrawlConfig | None = None,
    settings: Mapping[str, Any] | None = None,
) -> CrawlRun:
    """Crawl ``urls`` (blocks until done) and store the records through ``intake``.

    Reviews belong to ``brand`` when given; without it (and always for articles) each
    record gets the brands its text names. Reviews naming no brand are kept unlinked;
    articles naming none are skipped as off-brand. The spider's problems (changed
    markup, unreachable pages, a crash) are recorded as the source's health failure.
    ``settings`` overrides Scrapy settings on top of the crawl config's (tests drop the
    delays).
    """
    repo = intake.repo
    if source not in {h.name for h in repo.source_health()}:
        repo.sync_source(source, crawl_type(spider))
    reviews = spider in REVIEW_SPIDERS
    result = run_crawl(
        spider=spider,
        start_urls=list(urls),
        source=source,
        known_ids=repo.recent_external_ids(source, limit=KNOWN_IDS_PASSED),
        settings={**(crawl_config.scrapy_settings() if crawl_config else {}), **(settings or {})},
        spider_args=(
            {"follow": crawl_config.follow} if crawl_config and crawl_config.follow else {}
        ),
        timeout_s=crawl_config.timeout_seconds if crawl_config else defaults.CRAWL_TIMEOUT_S,
    )
    report = intake.admit(
        source,
        result.records,
        fixed_brand=brand if reviews else None,
        keep_unbranded=reviews,
        item_count=len(result.records) + result.items_known,
    )
    if result.aggregates:  # overall ratings for the competitor grid, per item and day
        save_aggregates(repo.engine, [a.to_aggregate(source, brand) for a in result.aggregates])
    if result.unreadable_records:  # torn lines of a killed crawl: counted, never silent
        report.seen += result.unreadable_records
        report.skip(
            SkipReason.INVALID,
            f"{source}: {result.unreadable_records} unreadable record line(s) from the crawl",
            count=result.unreadable_records,
        )
    if not report.error:
        record_run_counts(
            repo.engine,
            source,
            seen=report.seen + result.items_known,
            stored=report.stored + report.updated,
            skipped=skip_counts(report.skipped, {"duplicate": result.items_known}),
        )
    run = CrawlRun(result, report)
    if run.error:
        try:
            repo.record_failure(source, run.error)
        except Exception:
            logger.exception("cannot record the failure of crawl %r", source)
        logger.error("%s", run.error)
    logger.info(
        "%s: %d pages, %d stored, %d already known, exit %d",
        source,
        result.pages,
        report.stored,
        result.items_known,
        result.exit_status,
    )
    return run


def run_configured_crawl(crawl_config: CrawlConfig, *, config: Config, intake: Intake) -> SourceRun:
    """Run one ``[[crawls]]`` entry; failures are in source health, never raised."""
    if not crawl_config.enabled:
        return SourceRun(crawl_config.name, ok=True, disabled=True)
    return crawl(
        config,
        intake=intake,
        spider=crawl_config.spider,
        urls=crawl_config.urls,
        source=crawl_config.name,
        brand=crawl_config.brand,
        crawl_config=crawl_config,
    ).as_source_run()


def _exit_reason(result: CrawlResult) -> str:
    if result.timed_out:
        return f"crawl {result.source!r} timed out"
    return f"crawl {result.source!r} exited with status {result.exit_status}"
