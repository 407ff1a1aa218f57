"""Run one crawl in this process and write a JSON summary: ``python -m spiders.crawl``.

A Twisted reactor cannot be restarted, so a long-lived process (the daemon) runs every
crawl through :func:`spiders.runner.run_crawl`, which starts this module in a fresh
subprocess. It can also be run by hand::

    python -m spiders.crawl trustpilot --url https://www.trustpilot.com/review/example.com \\
        --records reviews.jsonl

``--job FILE`` reads every option from a JSON file instead (what the runner writes):
``{"spider", "start_urls", "source", "known_ids", "records_file", "settings",
"spider_args"}``. Records go to the records file as JSON Lines; without one, a dry run.
Exit status: 0 crawl finished without problems, 1 it ran but recorded problems
(source-health errors), 2 bad arguments or the crawl could not start.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    from spiders.registry import SPIDERS

    parser = argparse.ArgumentParser(
        prog="python -m spiders.crawl", description=__doc__.split("\n")[0]
    )
    parser.add_argument("spider", nargs="?", choices=sorted(SPIDERS), help="spider name")
    parser.add_argument("--url", action="append", default=[], help="start URL (repeatable)")
    parser.add_argument("--records", help="JSON Lines file for the records; omit for a dry run")
    parser.add_argument("--source", help="source name (default: the spider's name)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="Scrapy setting override, VALUE parsed as JSON when possible (repeatable)",
    )
    parser.add_argument(
        "-a",
        dest="spider_args",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="spider argument, e.g. -a follow=/news/ for the article spider (repeatable)",
    )
    parser.add_argument("--job", type=Path, help="JSON job file (overrides the options above)")
    parser.add_argument("--result", type=Path, help="write the JSON summary here (else stdout)")
    return parser


def _job_from_args(args: argparse.Namespace) -> dict[str, Any]:
    if args.job:
        job: dict[str, Any] = json.loads(args.job.read_text(encoding="utf-8"))
        return job
    overrides: dict[str, Any] = {}
    for pair in args.set:
        name, _, raw = pair.partition("=")
        try:
            overrides[name] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[name] = raw
    return {
        "spider": args.spider,
        "start_urls": args.url,
        "records_file": args.records,
        "source": args.source,
        "known_ids": [],
        "settings": overrides,
        "spider_args": dict(pair.partition("=")[::2] for pair in args.spider_args),
    }


def crawl(job: dict[str, Any]) -> dict[str, Any]:
    """Run the crawl described by ``job`` (see the module docstring); return the summary."""
    from scrapy.crawler import AsyncCrawlerProcess
    from scrapy.settings import Settings

    from spiders import settings as default_settings
    from spiders.registry import spider_class

    spidercls = spider_class(str(job["spider"]))
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    brandpulse = {
        "BRANDPULSE_RECORDS_FILE": job.get("records_file"),
        "BRANDPULSE_SOURCE": job.get("source"),
        "BRANDPULSE_KNOWN_IDS": job.get("known_ids") or [],
    }
    settings.setdict({k: v for k, v in brandpulse.items() if v is not None}, priority="cmdline")
    settings.setdict(dict(job.get("settings") or {}), priority="cmdline")

    started = time.monotonic()
    process = AsyncCrawlerProcess(settings)
    crawler = process.create_crawler(spidercls)
    spider_args = {str(k): str(v) for k, v in (job.get("spider_args") or {}).items()}
    process.crawl(crawler, start_urls=list(job.get("start_urls") or []), **spider_args)
    process.start()
    stats: dict[str, Any] = crawler.stats.get_stats() if crawler.stats else {}
    problems = list(getattr(crawler.spider, "problems", []))
    return summarize(stats, problems=problems, duration_s=time.monotonic() - started)


def summarize(
    stats: dict[str, Any], *, problems: Sequence[str], duration_s: float
) -> dict[str, Any]:
    """The crawl summary (JSON-serialisable) from Scrapy stats and the spider's problems."""
    return {
        "records": int(stats.get("brandpulse/records", 0)),
        "items_scraped": int(stats.get("item_scraped_count", 0)),
        # aggregate ratings leave the item chain through a DropItem once handed back
        "items_dropped": int(stats.get("item_dropped_count", 0))
        - int(stats.get("brandpulse/aggregates", 0)),
        "aggregates": int(stats.get("brandpulse/aggregates", 0)),
        "items_known": int(stats.get("brandpulse/items_known", 0)),
        "pages": int(stats.get("brandpulse/pages_parsed", 0)),
        "responses": int(stats.get("response_received_count", 0)),
        "robots_forbidden": int(stats.get("robotstxt/forbidden", 0)),
        "pagination_stopped_early": int(stats.get("brandpulse/pagination_stopped_early", 0)),
        "log_errors": int(stats.get("log_count/ERROR", 0)),
        "problems": list(problems),
        "finish_reason": str(stats.get("finish_reason", "")),
        "duration_s": round(duration_s, 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    job = _job_from_args(args)
    if not job.get("spider") or not job.get("start_urls"):
        parser.error("a spider name and at least one --url are required (or --job FILE)")
    try:
        summary = crawl(job)
    except Exception:
        logger.exception("crawl could not run")
        return EXIT_USAGE
    text = json.dumps(summary, indent=2, sort_keys=True)
    if args.result:
        args.result.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    return EXIT_PROBLEMS if summary["problems"] else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
