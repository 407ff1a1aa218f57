"""Run a crawl in a subprocess from a long-lived process: :func:`run_crawl`.

The Twisted reactor cannot restart, so each crawl gets a fresh ``python -m spiders.crawl``
process (as Scrapyd does). This module imports neither Scrapy nor Twisted::

    from spiders.runner import run_crawl
    result = run_crawl(spider="trustpilot", start_urls=["https://www.trustpilot.com/review/example.com"],
                       brand="Example", database_url="sqlite:///brandpulse.db")
    result.items_stored, result.pages, result.problems, result.exit_status
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from listeners.matching import BrandTerms
from spiders.context import open_repository, terms_to_dict
from spiders.registry import SPIDERS, UnknownSpider

logger = logging.getLogger(__name__)

#: Default wall-clock limit of one crawl subprocess, in seconds.
DEFAULT_TIMEOUT_S = 3600.0
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_LOG_TAIL_CHARS = 4_000


@dataclass(frozen=True, slots=True)
class CrawlResult:
    """What one crawl did.

    Attributes:
        spider: spider name.
        source: source name the mentions were stored under.
        exit_status: the subprocess's exit status (0 ok, 1 problems recorded, 2 could not
            start, negative: killed by that signal; -9 after a timeout).
        items_stored: new mentions written to the database.
        items_duplicate: mentions that were already stored (saved again as no-ops).
        items_scraped: items that passed the pipeline.
        items_dropped: items the pipeline dropped (reasons are in the log).
        items_known: items skipped before the pipeline because they were already stored.
        pages: pages parsed.
        responses: HTTP responses received, robots.txt included.
        robots_forbidden: requests robots.txt forbade.
        pagination_stopped_early: start URLs whose pagination stopped at a known page.
        problems: source-health errors recorded (each names the URL and the spider).
        duration_s: wall-clock seconds of the subprocess.
        timed_out: the crawl was killed after ``timeout_s``.
        log_tail: the end of the subprocess's log, for diagnosing failures.
    """

    spider: str
    source: str
    exit_status: int
    items_stored: int = 0
    items_duplicate: int = 0
    items_scraped: int = 0
    items_dropped: int = 0
    items_known: int = 0
    pages: int = 0
    responses: int = 0
    robots_forbidden: int = 0
    pagination_stopped_early: int = 0
    problems: tuple[str, ...] = ()
    duration_s: float = 0.0
    timed_out: bool = False
    log_tail: str = ""

    @property
    def ok(self) -> bool:
        """True when the crawl finished without problems."""
        return self.exit_status == 0 and not self.problems and not self.timed_out

    @property
    def errors(self) -> int:
        """Number of problems (0 for a clean crawl)."""
        return len(self.problems)


def run_crawl(
    *,
    spider: str,
    start_urls: Sequence[str],
    database_url: str,
    source: str | None = None,
    brand: str | None = None,
    brand_terms: Sequence[BrandTerms] = (),
    settings: Mapping[str, Any] | None = None,
    spider_args: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    python: str | None = None,
) -> CrawlResult:
    """Crawl ``start_urls`` with ``spider`` in a subprocess and store what it finds.

    Args:
        spider: a name from :data:`spiders.registry.SPIDERS` (``reviews``, ``trustpilot``,
            ``amazon``, ``article``).
        start_urls: pages to start from (each followed through its pagination).
        database_url: SQLAlchemy URL of the BrandPulse database (migrated if needed).
        source: source name to store under (default: the spider's name). Reviews are
            deduplicated on (source, review id), so keep it stable.
        brand: brand the reviews belong to (review spiders); ignored by ``article``.
        brand_terms: brands to match in article text (and in reviews when ``brand`` is
            None); mentions matching none are dropped.
        settings: Scrapy setting overrides (e.g. ``{"DOWNLOAD_DELAY": 0}`` in tests,
            ``{"BRANDPULSE_MAX_PAGES": 5}``, ``{"USER_AGENT": "... (+mailto:...)"}``).
        spider_args: extra spider arguments, e.g. ``{"follow": "/news/"}`` for ``article``.
        timeout_s: kill the crawl after this many seconds (default 3600).
        python: interpreter to run (default: the current one).

    Returns:
        A :class:`CrawlResult`. Never raises for crawl failures: they are in
        ``problems``/``exit_status`` and in the source's health (a crashed or killed
        subprocess is recorded there too).

    Raises:
        UnknownSpider: ``spider`` is not registered.
        ValueError: no start URL.
    """
    if spider not in SPIDERS:
        raise UnknownSpider(
            f"unknown spider {spider!r}; known spiders: {', '.join(sorted(SPIDERS))}"
        )
    urls = [u for u in start_urls if u]
    if not urls:
        raise ValueError("run_crawl needs at least one start URL")
    source_name = source or spider
    job = {
        "spider": spider,
        "start_urls": urls,
        "database_url": database_url,
        "source": source_name,
        "brand": brand,
        "brand_terms": [terms_to_dict(t) for t in brand_terms],
        "settings": dict(settings or {}),
        "spider_args": dict(spider_args or {}),
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="brandpulse-crawl-") as tmp:
        job_file = Path(tmp, "job.json")
        result_file = Path(tmp, "result.json")
        log_file = Path(tmp, "crawl.log")
        job_file.write_text(json.dumps(job, default=str), encoding="utf-8")
        command = [
            python or sys.executable,
            "-m",
            "spiders.crawl",
            "--job",
            str(job_file),
            "--result",
            str(result_file),
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p
        )
        logger.info("crawl %s (%s): %s", spider, source_name, ", ".join(urls))
        timed_out = False
        with log_file.open("wb") as log:
            proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
            try:
                status = proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                timed_out = True
                proc.kill()
                status = proc.wait()
        duration = time.monotonic() - started
        tail = log_file.read_text(encoding="utf-8", errors="replace")[-_LOG_TAIL_CHARS:]
        summary: dict[str, Any] = {}
        if result_file.exists():
            summary = json.loads(result_file.read_text(encoding="utf-8"))
    result = CrawlResult(
        spider=spider,
        source=source_name,
        exit_status=status,
        items_stored=int(summary.get("items_stored", 0)),
        items_duplicate=int(summary.get("items_duplicate", 0)),
        items_scraped=int(summary.get("items_scraped", 0)),
        items_dropped=int(summary.get("items_dropped", 0)),
        items_known=int(summary.get("items_known", 0)),
        pages=int(summary.get("pages", 0)),
        responses=int(summary.get("responses", 0)),
        robots_forbidden=int(summary.get("robots_forbidden", 0)),
        pagination_stopped_early=int(summary.get("pagination_stopped_early", 0)),
        problems=tuple(summary.get("problems", ())),
        duration_s=round(duration, 3),
        timed_out=timed_out,
        log_tail=tail,
    )
    if not summary:
        _record_crash(database_url, source_name, spider, result)
    logger.info(
        "crawl %s done: exit %d, %d pages, %d stored, %d problems in %.1fs",
        spider,
        status,
        result.pages,
        result.items_stored,
        result.errors,
        duration,
    )
    return result


def _record_crash(database_url: str, source: str, spider: str, result: CrawlResult) -> None:
    """A crawl that died without a summary is a source-health failure too."""
    why = (
        f"timed out after {result.duration_s:.0f}s"
        if result.timed_out
        else (f"exited with status {result.exit_status}")
    )
    last_line = next((ln for ln in reversed(result.log_tail.splitlines()) if ln.strip()), "")
    message = f"{spider} spider crawl process {why}: {last_line}"
    try:
        repo = open_repository(database_url)
        if source not in {h.name for h in repo.source_health()}:
            repo.sync_source(source, "crawl")
        repo.record_failure(source, message)
    except Exception:
        logger.exception("cannot record the crawl failure of %s", source)
    logger.error("%s", message)
