"""The base of every BrandPulse spider: start URLs, incremental pagination, loud failures.

Subclasses implement :meth:`BrandPulseSpider.extract` (the page's items) and may override
:meth:`BrandPulseSpider.next_page`. The base class

* takes start URLs from ``-a url=URL`` (one) or ``-a start_urls=URL1,URL2`` (several);
* records a *problem* when a page that should hold items parses to none, when a request
  fails (HTTP error, network error), or when robots.txt forbids a start URL; the store
  parent turns problems into a source-health error;
* skips items already stored and stops paginating once a page holds only known items
  (the ids the parent passes in ``BRANDPULSE_KNOWN_IDS``), so a re-crawl costs one page
  per start URL;
* follows at most ``BRANDPULSE_MAX_PAGES`` pages per start URL.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from spiders.context import CrawlContext
from spiders.extract import language_code
from spiders.items import MentionItem

logger = logging.getLogger(__name__)


def split_urls(value: str | Sequence[str] | None) -> list[str]:
    """Start URLs from a spider argument: a list, or one string with commas or spaces."""
    if not value:
        return []
    parts = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [p.strip() for p in parts if p.strip()]


class BrandPulseSpider(scrapy.Spider):
    """Common behaviour; see the module docstring. ``problems`` lists what went wrong."""

    #: What a page holds ("reviews", "article text"): used in problem messages.
    expects = "reviews"

    def __init__(
        self,
        *args: Any,
        url: str | None = None,
        start_urls: str | Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = split_urls(url) + split_urls(start_urls)
        self.problems: list[str] = []

    # -- context ---------------------------------------------------------------------------
    @property
    def context(self) -> CrawlContext:
        """The crawl's BrandPulse settings (source, brand, database ...)."""
        cached: CrawlContext | None = getattr(self, "_context", None)
        if cached is None:
            cached = CrawlContext.from_settings(self.settings, spider_name=self.name or "")
            self._context = cached
        return cached

    def report_problem(self, message: str) -> None:
        """Remember a failure for the source's health and log it as an error."""
        self.problems.append(message)
        self.crawler.stats.inc_value("brandpulse/problems")
        logger.error("%s", message)

    # -- requests ----------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        """One request per start URL (page 1 of its pagination)."""
        if not self.start_urls:
            self.report_problem(f"{self.name} spider: no start URL given (use -a url=URL)")
            return
        for url in self.start_urls:
            yield self.page_request(url, page=1, start_url=url)

    def page_request(self, url: str, *, page: int, start_url: str) -> scrapy.Request:
        """A request for one page, parsed by :meth:`parse`, failures to :meth:`on_error`."""
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            meta={"page": page, "start_url": start_url},
        )

    def on_error(self, failure: Failure) -> None:
        """Turn a failed request into a problem naming the URL and the spider."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        is_start = request is not None and request.meta.get("page") == 1
        if failure.check(HttpError):
            error: HttpError = failure.value  # type: ignore[assignment]
            status = error.response.status
            self.report_problem(f"{self.name} spider: HTTP {status} at {url}")
        elif failure.check(IgnoreRequest):
            # robots.txt (or an offsite filter) forbids it: an error only if nothing can run.
            if is_start:
                self.report_problem(
                    f"{self.name} spider: {url} not fetched ({failure.value}); "
                    "the site's robots.txt forbids it for this user agent"
                )
            else:
                logger.warning("%s spider: skipped %s (%s)", self.name, url, failure.value)
        else:
            self.report_problem(
                f"{self.name} spider: cannot fetch {url}: {failure.getErrorMessage()}"
            )

    # -- parsing -------------------------------------------------------------------------------
    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        """Yield the page's new items, then the next page unless every item was known."""
        page = int(response.meta.get("page", 1))
        start_url = str(response.meta.get("start_url", response.url))
        if not isinstance(response, TextResponse):
            self.report_problem(
                f"{self.name} spider: {response.url} is not an HTML page "
                f"(Content-Type {response.headers.get('Content-Type', b'?')!r})"
            )
            return
        found = list(self.extract(response))
        self.crawler.stats.inc_value("brandpulse/pages_parsed")
        items = [item for item in found if isinstance(item, MentionItem)]
        for other in found:  # e.g. an AggregateItem: stored by its own pipeline
            if not isinstance(other, MentionItem):
                yield other
        if not items and len(found) > len(items):
            logger.info("%s: no reviews at %s, only an overall rating", self.name, response.url)
            return
        if not items:
            self.report_problem(
                f"{self.name} spider found no {self.expects} at {response.url}: "
                "the page markup may have changed (or the page is empty)"
            )
            return
        known = self.context.known_ids
        new = [item for item in items if item.external_id not in known]
        self.crawler.stats.inc_value("brandpulse/items_known", len(items) - len(new))
        for item in new:
            yield item
        if not new and self.stop_when_known:
            logger.info(
                "%s: every item on page %d of %s is already stored; not paginating further",
                self.name,
                page,
                start_url,
            )
            self.crawler.stats.inc_value("brandpulse/pagination_stopped_early")
            return
        if page >= self.context.max_pages:
            logger.info("%s: reached %d pages for %s", self.name, page, start_url)
            return
        next_url = self.next_page(response)
        if next_url:
            yield self.page_request(response.urljoin(next_url), page=page + 1, start_url=start_url)

    #: Stop paginating when a page holds only known items (listings sorted newest first).
    stop_when_known = True

    def extract(self, response: TextResponse) -> Iterable[object]:
        """The page's items (mention items, and other items their own pipelines
        take, such as an AggregateItem); subclasses implement it."""
        raise NotImplementedError

    def next_page(self, response: TextResponse) -> str | None:
        """The next page's URL (``rel="next"`` link by default), or None."""
        href = response.css('link[rel~="next"]::attr(href), a[rel~="next"]::attr(href)').get()
        return href.strip() if href else None

    @staticmethod
    def page_language(response: TextResponse) -> str | None:
        """ISO 639-1 code from ``<html lang>`` or ``og:locale``, if declared."""
        tag = (
            response.xpath("/html/@lang").get()
            or response.css('meta[property="og:locale"]::attr(content)').get()
        )
        return language_code(tag)
