"""Item pipelines: validate (drop with a reason), assign brands, store in batches.

Enabled in :mod:`spiders.settings` in this order::

    ValidatePipeline  100   DropItem when an item cannot become a valid Mention
    BrandPipeline     200   reviews → the crawl's brand; articles → brands by search terms
    StorePipeline     800   Repository.save_mentions in batches, in a worker thread;
                            at close: the spider's problems → Repository.record_failure

Scrapy 2.14+ calls pipeline methods without the ``spider`` argument; the crawler is
given to ``from_crawler``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from listeners.matching import BrandMatcher, BrandTerms
from spiders.context import CrawlContext, open_repository
from spiders.items import MentionItem
from storage import Mention, Repository

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = 100_000


def _context(crawler: Crawler) -> CrawlContext:
    spider = crawler.spider
    name = getattr(spider, "name", None) or getattr(crawler.spidercls, "name", "") or ""
    return CrawlContext.from_settings(crawler.settings, spider_name=name)


class ValidatePipeline:
    """Drop items that cannot be stored, saying why (Scrapy logs the reason)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, MentionItem):
            raise DropItem(f"not a MentionItem: {type(item).__name__}")
        if not item.external_id.strip():
            raise DropItem(f"no external id (item at {item.url})")
        if not item.url.startswith(("http://", "https://")):
            raise DropItem(f"{item.external_id}: URL {item.url!r} is not http(s)")
        if not (item.text.strip() or item.title.strip()):
            raise DropItem(f"{item.external_id}: neither text nor title at {item.url}")
        if item.rating is not None and not 1 <= item.rating <= 5:
            raise DropItem(f"{item.external_id}: rating {item.rating} outside 1-5 at {item.url}")
        if item.engagement is not None and item.engagement < 0:
            raise DropItem(f"{item.external_id}: negative helpful votes {item.engagement}")
        if item.published_at is not None:
            if item.published_at.tzinfo is None:
                raise DropItem(f"{item.external_id}: naive date {item.published_at.isoformat()}")
            item.published_at = item.published_at.astimezone(UTC)
        if len(item.text) > MAX_TEXT_CHARS:
            item.text = item.text[:MAX_TEXT_CHARS]
            item.extra["truncated"] = True
        return item


class BrandPipeline:
    """Fill ``item.brands``: reviews get the crawl's brand; otherwise match search terms.

    Reviews of a product or company page belong to the brand given for the URL whether
    or not their text names it. Reviews crawled without a brand get the brands whose
    terms they match, or none (kept, counted as ``brandpulse/reviews_without_brand``).
    Articles are kept only when one of the brands' terms matches title or text; with a
    crawl brand but no terms, the brand's name is its only term.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._matcher: BrandMatcher | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        ctx = _context(self.crawler)
        if item.brands:
            return item
        if item.kind == "review" and ctx.brand:
            item.brands = (ctx.brand,)
            return item
        if self._matcher is None:
            terms = ctx.brand_terms
            if not terms and ctx.brand:  # `crawl article --brand X` without configured terms
                terms = (BrandTerms(ctx.brand, (ctx.brand,)),)
            self._matcher = BrandMatcher(terms)
        item.brands = self._matcher.match(item.title, item.text, language=item.language)
        if not item.brands and item.kind == "review":
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("brandpulse/reviews_without_brand")
            return item
        if not item.brands:
            names = ", ".join(t.name for t in ctx.brand_terms) or "none configured"
            raise DropItem(
                f"{item.external_id}: no brand term found (brands: {names}) at {item.url}"
            )
        return item


class StorePipeline:
    """Store mentions through ``storage`` in batches, off the reactor thread.

    Disabled (``NotConfigured``) without ``BRANDPULSE_DATABASE_URL``. Registers the
    source on first use (kind ``BRANDPULSE_SOURCE_KIND``) without touching an existing
    registration. Counts go to the stats: ``brandpulse/items_stored`` (new rows) and
    ``brandpulse/items_duplicate``. At close, the spider's problems are recorded as one
    source-health failure naming every URL; a crawl without problems is recorded a
    success by ``save_mentions`` (even when it found nothing new).
    """

    def __init__(self, crawler: Crawler, ctx: CrawlContext) -> None:
        self.crawler = crawler
        self.ctx = ctx
        self.repo: Repository | None = None
        self.pending: list[Mention] = []
        self.seen = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ctx = _context(crawler)
        if not ctx.database_url:
            raise NotConfigured("BRANDPULSE_DATABASE_URL is not set: items are not stored")
        return cls(crawler, ctx)

    async def open_spider(self) -> None:
        self.ctx = _context(self.crawler)
        assert self.ctx.database_url is not None
        self.repo = open_repository(self.ctx.database_url)
        await asyncio.to_thread(prepare_database, self.repo, self.ctx)

    async def process_item(self, item: Any) -> Any:
        self.pending.append(to_mention(item, self.ctx.source))
        self.seen += 1
        if len(self.pending) >= self.ctx.batch_size:
            await self._flush()
        return item

    async def _flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch or self.repo is None:
            return
        result = await asyncio.to_thread(
            self.repo.save_mentions, self.ctx.source, batch, item_count=len(batch)
        )
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("brandpulse/items_stored", result.inserted)
        stats.inc_value("brandpulse/items_duplicate", result.duplicates)
        logger.info("%s: stored %d new of %d", self.ctx.source, result.inserted, len(batch))

    async def close_spider(self) -> None:
        if self.repo is None:
            return
        await self._flush()
        problems: list[str] = list(getattr(self.crawler.spider, "problems", []))
        if self.seen == 0 and not problems:
            # nothing new, nothing wrong: still a successful run (health shows it ran)
            await asyncio.to_thread(self.repo.save_mentions, self.ctx.source, [], item_count=0)
        if problems:
            message = "; ".join(problems)
            failures = await asyncio.to_thread(self.repo.record_failure, self.ctx.source, message)
            logger.error(
                "%s: recorded failure %d in source health: %s", self.ctx.source, failures, message
            )


def prepare_database(repo: Repository, ctx: CrawlContext) -> None:
    """Register the source and the crawl's brands if they are not there yet.

    Existing registrations are left alone (the daemon owns their kind, interval and
    enabled flag; a brand's ``is_own`` flag is not changed). A brand unknown to the
    database is added as a competitor (``is_own=False``) so review links are not lost.
    """
    if ctx.source not in {h.name for h in repo.source_health()}:
        repo.sync_source(ctx.source, ctx.source_kind)
    wanted = {ctx.brand} if ctx.brand else set()
    wanted |= {t.name for t in ctx.brand_terms}
    if wanted:
        present = {c.brand for c in repo.brand_counts()}
        missing = sorted(wanted - present)
        if missing:
            repo.sync_brands((name, False) for name in missing)


def to_mention(item: MentionItem, source: str) -> Mention:
    """Freeze a validated item into a :class:`storage.Mention`."""
    return Mention(
        source=source,
        external_id=item.external_id,
        url=item.url,
        text=item.text,
        title=item.title,
        author=item.author,
        published_at=item.published_at,
        brands=tuple(item.brands),
        rating=item.rating,
        engagement=item.engagement,
        comment_count=item.comment_count,
        language=item.language,
        extra=dict(item.extra),
    )
