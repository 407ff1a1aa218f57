"""Scrapy settings for BrandPulse spiders: polite by default, set explicitly.

Scrapy's own defaults ignore robots.txt, send 8 parallel requests per domain with no
delay and a generic user agent. Here every politeness knob is set on purpose; callers
may override any of them (``run_crawl(settings=...)``), tests shorten the delays.

BrandPulse's own settings (all read by :class:`spiders.context.CrawlContext`):

============================  =========  ==================================================
name                          default    meaning
============================  =========  ==================================================
BRANDPULSE_RECORDS_FILE       None       JSON Lines file the records are handed back in;
                                         None is a dry run (nothing kept)
BRANDPULSE_SOURCE             spider     source name (dedup key with the review id)
BRANDPULSE_KNOWN_IDS          []         external ids already stored for the source: a
                                         page holding only those ends the pagination
BRANDPULSE_MAX_PAGES          20         pages followed per start URL (pagination bound)
============================  =========  ==================================================
"""

from __future__ import annotations

from domain import defaults

BOT_NAME = "brandpulse"
SPIDER_MODULES: list[str] = []  # spiders are looked up in spiders.registry, not scanned
NEWSPIDER_MODULE = "spiders"

# -- politeness ---------------------------------------------------------------------------
#: Identify the bot; sites can allow or block it by name. Operators should append a
#: contact URL or e-mail (override USER_AGENT) so site owners can reach them.
USER_AGENT = defaults.CRAWL_USER_AGENT
ROBOTSTXT_OBEY = True
#: The token robots.txt groups are matched against (``User-agent: BrandPulse``).
ROBOTSTXT_USER_AGENT = "BrandPulse"
#: One request at a time per site, 2 s apart on average (±50 % random jitter).
CONCURRENT_REQUESTS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = defaults.CRAWL_DOWNLOAD_DELAY_S
DOWNLOAD_DELAY_JITTER = 0.5
#: AutoThrottle slows down further when the site answers slowly (seconds).
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
#: Retry transient failures a little, then give up (the source health records it).
RETRY_ENABLED = True
RETRY_TIMES = 2
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
#: Hard bounds so a crawl always ends: seconds and pages.
CLOSESPIDER_TIMEOUT = 1800
CLOSESPIDER_PAGECOUNT = 500
DEPTH_LIMIT = 50

# -- pipeline -------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "spiders.aggregates.AggregatePipeline": 50,
    "spiders.pipelines.ItemTypePipeline": 100,
    "spiders.pipelines.RecordsPipeline": 800,
}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"

# -- BrandPulse ---------------------------------------------------------------------------
BRANDPULSE_RECORDS_FILE: str | None = None
BRANDPULSE_SOURCE: str | None = None
BRANDPULSE_KNOWN_IDS: list[str] = []
BRANDPULSE_MAX_PAGES = defaults.CRAWL_MAX_PAGES
