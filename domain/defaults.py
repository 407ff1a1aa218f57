"""Settings defaults that more than one module uses, declared once, each with its unit.

The config models (:mod:`brandpulse.config`), the listeners' ``Settings``, the HTTP
transport, the spiders' Scrapy settings and the crawl runner read these constants instead
of repeating the numbers. The README's configuration reference is generated from the
config models (``brandpulse config reference``), so a default changed here shows up there.

A default used by one module only stays next to the code that uses it.
"""

from __future__ import annotations

from typing import Final

#: Product token at the start of every User-Agent BrandPulse sends.
PRODUCT_TOKEN: Final = "BrandPulse/0.1"

# -- [[sources]] (listeners) ----------------------------------------------------------------
#: Minutes between two polls of one source by the daemon (``sources[].interval_minutes``);
#: a source without a success for twice this long is flagged SILENT.
SOURCE_INTERVAL_MINUTES: Final = 30
#: Pages (requests) a paginated listener reads per stream in one run (the ``max_pages``
#: default of every listener that does not need another bound; ``grep LISTENER_MAX_PAGES
#: listeners/`` lists them).
LISTENER_MAX_PAGES: Final = 5

# -- [http] (the listeners' transport) ------------------------------------------------------
#: User-Agent of every listener request unless ``http.user_agent`` is set.
HTTP_USER_AGENT: Final = (
    f"{PRODUCT_TOKEN} (+https://github.com/brandpulse/brandpulse; social listening)"
)
#: Seconds a listener request may take (connect and read), ``http.timeout_seconds``.
HTTP_TIMEOUT_S: Final = 20.0
#: Tries per request on HTTP 429, 5xx and network errors, the first included
#: (``http.retries``).
HTTP_RETRIES: Final = 3
#: Seconds before the first retry, doubled on each further retry (``http.backoff_seconds``).
HTTP_BACKOFF_S: Final = 1.0

# -- [[crawls]] (spiders) -------------------------------------------------------------------
#: Pages a spider follows per start URL, the pagination bound (``crawls[].max_pages``,
#: Scrapy setting ``BRANDPULSE_MAX_PAGES``).
CRAWL_MAX_PAGES: Final = 20
#: Average seconds between two requests to one site, ±50 % jitter
#: (``crawls[].download_delay``, Scrapy ``DOWNLOAD_DELAY``).
CRAWL_DOWNLOAD_DELAY_S: Final = 2.0
#: Seconds one crawl subprocess may run before it is stopped (``crawls[].timeout_seconds``).
CRAWL_TIMEOUT_S: Final = 3600.0
#: Minutes between two crawls of one ``[[crawls]]`` entry by the daemon
#: (``crawls[].interval_minutes``).
CRAWL_INTERVAL_MINUTES: Final = 720
#: User-Agent of the spiders unless ``crawls[].user_agent`` is set; operators should add
#: a contact URL or e-mail so site owners can reach them.
CRAWL_USER_AGENT: Final = (
    f"{PRODUCT_TOKEN} (self-hosted brand and review monitor; obeys robots.txt)"
)

# -- [analysis] -----------------------------------------------------------------------------
#: Texts per classification batch (``analysis.batch_size``, ``brandpulse classify
#: --batch-size``).
ANALYSIS_BATCH_SIZE: Final = 64
