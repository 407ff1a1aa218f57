"""Scrapy spiders for review sites, shops and articles; run each crawl in a subprocess.

Public surface (importing it does not import Scrapy)::

    run_crawl(*, spider, start_urls, source, known_ids, ...) -> CrawlResult  spiders.runner
    SPIDERS: name → spider class path                                    spiders.registry

Spiders: ``reviews`` (schema.org JSON-LD/microdata), ``trustpilot``, ``amazon``,
``article`` (news, blogs, forums via trafilatura). Settings: :mod:`spiders.settings`.
Command line: ``python -m spiders.crawl SPIDER --url URL [--records FILE.jsonl]``. Spiders
only produce records; ``brandpulse.crawls`` checks, brands and stores them.
"""

from __future__ import annotations

from spiders.registry import REVIEW_SPIDERS, SPIDERS, UnknownSpider
from spiders.runner import CrawlResult, run_crawl

__all__ = ["REVIEW_SPIDERS", "SPIDERS", "CrawlResult", "UnknownSpider", "run_crawl"]
