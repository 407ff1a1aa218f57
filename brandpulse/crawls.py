"""Run configured Scrapy crawls (each in its own subprocess) and report them as sources."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from urllib.parse import urlsplit

from brandpulse.config import Config, CrawlConfig
from brandpulse.sources import SourceRun
from spiders import CrawlResult, run_crawl
from storage import Repository

logger = logging.getLogger(__name__)


def register_crawls(config: Config, repo: Repository) -> None:
    for crawl in config.crawls:
        repo.sync_source(
            crawl.name,
            f"crawl:{crawl.spider}",
            expected_interval_s=crawl.interval_minutes * 60,
            enabled=None if crawl.enabled else False,
            disabled_reason=None if crawl.enabled else "enabled = false in the config",
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
    spider: str,
    urls: Sequence[str],
    source: str,
    brand: str | None,
    crawl_config: CrawlConfig | None = None,
) -> CrawlResult:
    """Crawl ``urls`` and store into the configured database (blocks until done)."""
    settings = crawl_config.scrapy_settings() if crawl_config else {}
    spider_args = {"follow": crawl_config.follow} if crawl_config and crawl_config.follow else {}
    return run_crawl(
        spider=spider,
        start_urls=list(urls),
        database_url=config.database.url,
        source=source,
        brand=brand,
        brand_terms=[b.terms_record() for b in config.brands],
        settings=settings,
        spider_args=spider_args,
        timeout_s=crawl_config.timeout_seconds if crawl_config else 3600.0,
    )


def run_configured_crawl(crawl_config: CrawlConfig, *, config: Config) -> SourceRun:
    """Run one ``[[crawls]]`` entry; failures are in source health, never raised."""
    if not crawl_config.enabled:
        return SourceRun(crawl_config.name, ok=True, disabled=True)
    result = crawl(
        config,
        spider=crawl_config.spider,
        urls=crawl_config.urls,
        source=crawl_config.name,
        brand=crawl_config.brand,
        crawl_config=crawl_config,
    )
    logger.info(
        "%s: %d pages, %d stored, %d already known, exit %d",
        crawl_config.name,
        result.pages,
        result.items_stored,
        result.items_known,
        result.exit_status,
    )
    return SourceRun(
        crawl_config.name,
        ok=result.ok,
        fetched=result.items_scraped + result.items_known,
        matched=result.items_scraped,
        inserted=result.items_stored,
        error=None if result.ok else ("; ".join(result.problems) or _exit_reason(result)),
    )


def _exit_reason(result: CrawlResult) -> str:
    if result.timed_out:
        return f"crawl {result.source!r} timed out"
    return f"crawl {result.source!r} exited with status {result.exit_status}"
