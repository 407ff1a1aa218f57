"""Run a crawl in a subprocess from a long-lived process: :func:`run_crawl`.

The Twisted reactor cannot restart, so each crawl gets a fresh ``python -m spiders.crawl``
process (as Scrapyd does). This module imports neither Scrapy nor Twisted. The crawl hands
its records back as JSON Lines; storing them is the caller's job (the composition root's
one intake path), so a crawl never writes to the database itself::

    from spiders.runner import run_crawl
    result = run_crawl(spider="trustpilot", source="example-reviews",
                       start_urls=["https://www.trustpilot.com/review/example.com"])
    result.records, result.pages, result.problems, result.exit_status
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

from domain import defaults
from domain.records import InvalidRecord, Mention, mention_from_json
from spiders.aggregates import AggregateItem, read_aggregates
from spiders.registry import SPIDERS, UnknownSpider

logger = logging.getLogger(__name__)

#: Default wall-clock limit of one crawl subprocess, in seconds.
DEFAULT_TIMEOUT_S = defaults.CRAWL_TIMEOUT_S
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_LOG_TAIL_CHARS = 4_000


@dataclass(frozen=True, slots=True)
class CrawlResult:
    """What one crawl did.

    Attributes:
        spider: spider name.
        source: source name the records carry.
        exit_status: the subprocess's exit status (0 ok, 1 problems found, 2 could not
            start, negative: killed by that signal; -9 after a timeout).
        records: the records handed back (not yet checked, branded or stored), including
            those written before a crash or timeout.
        unreadable_records: lines of the records file that were not a record.
        items_scraped: items that passed the spider's pipeline.
        items_dropped: items the pipeline dropped (reasons are in the log).
        items_known: items skipped because the parent said they were already stored.
        pages: pages parsed.
        responses: HTTP responses received, robots.txt included.
        robots_forbidden: requests robots.txt forbade.
        pagination_stopped_early: start URLs whose pagination stopped at a known page.
        problems: source-health errors found (each names the URL and the spider); a crawl
            that died without a summary has one problem saying so.
        duration_s: wall-clock seconds of the subprocess.
        timed_out: the crawl was killed after ``timeout_s``.
        log_tail: the end of the subprocess's log, for diagnosing failures.
    """

    spider: str
    source: str
    exit_status: int
    records: tuple[Mention, ...] = ()
    unreadable_records: int = 0
    #: Overall ratings the crawl read (``spiders.aggregates``), not yet stored.
    aggregates: tuple[AggregateItem, ...] = ()
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
    source: str | None = None,
    known_ids: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
    spider_args: Mapping[str, str] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    python: str | None = None,
) -> CrawlResult:
    """Crawl ``start_urls`` with ``spider`` in a subprocess and return its records.

    Args:
        spider: a name from :data:`spiders.registry.SPIDERS` (``reviews``, ``trustpilot``,
            ``amazon``, ``article``).
        start_urls: pages to start from (each followed through its pagination).
        source: source name the records carry (default: the spider's name). Reviews are
            deduplicated on (source, review id), so keep it stable.
        known_ids: external ids already stored for the source (the most recent ones): a
            page holding only these ends the pagination (default: none).
        settings: Scrapy setting overrides (e.g. ``{"DOWNLOAD_DELAY": 0}`` in tests,
            ``{"BRANDPULSE_MAX_PAGES": 5}``, ``{"USER_AGENT": "... (+mailto:...)"}``).
        spider_args: extra spider arguments, e.g. ``{"follow": "/news/"}`` for ``article``.
        timeout_s: kill the crawl after this many seconds (default 3600).
        python: interpreter to run (default: the current one).

    Returns:
        A :class:`CrawlResult`. Never raises for crawl failures: they are in
        ``problems``/``exit_status`` (a crashed or killed subprocess adds a problem).

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
        "source": source_name,
        "known_ids": list(known_ids),
        "settings": dict(settings or {}),
        "spider_args": dict(spider_args or {}),
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="brandpulse-crawl-") as tmp:
        job_file = Path(tmp, "job.json")
        result_file = Path(tmp, "result.json")
        log_file = Path(tmp, "crawl.log")
        records_file = Path(tmp, "records.jsonl")
        job["records_file"] = str(records_file)
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
        records, unreadable = _read_records(records_file)
        aggregates, torn = read_aggregates(records_file)
        unreadable += torn
    problems = tuple(summary.get("problems", ()))
    if not summary:
        problems += (_crash_problem(spider, status, timed_out, duration, tail),)
    result = CrawlResult(
        spider=spider,
        source=source_name,
        exit_status=status,
        records=records,
        unreadable_records=unreadable,
        aggregates=tuple(aggregates),
        items_scraped=int(summary.get("items_scraped", 0)),
        items_dropped=int(summary.get("items_dropped", 0)),
        items_known=int(summary.get("items_known", 0)),
        pages=int(summary.get("pages", 0)),
        responses=int(summary.get("responses", 0)),
        robots_forbidden=int(summary.get("robots_forbidden", 0)),
        pagination_stopped_early=int(summary.get("pagination_stopped_early", 0)),
        problems=problems,
        duration_s=round(duration, 3),
        timed_out=timed_out,
        log_tail=tail,
    )
    logger.info(
        "crawl %s done: exit %d, %d pages, %d records, %d problems in %.1fs",
        spider,
        status,
        result.pages,
        len(result.records),
        result.errors,
        duration,
    )
    return result


def _read_records(path: Path) -> tuple[tuple[Mention, ...], int]:
    """The records a crawl wrote (a torn last line from a kill is counted unreadable)."""
    if not path.exists():
        return (), 0
    records: list[Mention] = []
    unreadable = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            records.append(mention_from_json(json.loads(line)))
        except (json.JSONDecodeError, InvalidRecord):
            unreadable += 1
    return tuple(records), unreadable


def _crash_problem(spider: str, status: int, timed_out: bool, duration: float, tail: str) -> str:
    """One line saying how a crawl that left no summary ended."""
    why = f"timed out after {duration:.0f}s" if timed_out else f"exited with status {status}"
    last_line = next((ln for ln in reversed(tail.splitlines()) if ln.strip()), "")
    return f"{spider} spider crawl process {why}: {last_line}"
