"""Item pipelines: hand every item back to the parent process as a record.

Spiders only *produce* records; the composition root (``brandpulse.crawls``) validates
them, assigns brands and stores them through the same intake as every listener, so a
crawl and a poll share checks, dedup, brand matching and source health.

Enabled in :mod:`spiders.settings` in this order::

    ItemTypePipeline  100   DropItem for anything that is not a MentionItem
    RecordsPipeline   800   one JSON line per item (domain.records.mention_to_json) in
                            BRANDPULSE_RECORDS_FILE; without it, a dry run (nothing kept)

Scrapy 2.14+ calls pipeline methods without the ``spider`` argument; the crawler is
given to ``from_crawler``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import IO, Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from domain.records import Mention, mention_to_json
from spiders.context import CrawlContext
from spiders.items import MentionItem

logger = logging.getLogger(__name__)


def _context(crawler: Crawler) -> CrawlContext:
    spider = crawler.spider
    name = getattr(spider, "name", None) or getattr(crawler.spidercls, "name", "") or ""
    return CrawlContext.from_settings(crawler.settings, spider_name=name)


class ItemTypePipeline:
    """Drop anything that is not a :class:`MentionItem`, saying why (Scrapy logs it)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, MentionItem):
            raise DropItem(f"not a MentionItem: {type(item).__name__}")
        return item


class RecordsPipeline:
    """Write each item as one JSON line to ``BRANDPULSE_RECORDS_FILE`` (flushed per item,
    so a crawl killed half-way still hands back what it found)."""

    def __init__(self, crawler: Crawler, path: Path) -> None:
        self.crawler = crawler
        self.path = path
        self._file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("BRANDPULSE_RECORDS_FILE")
        if not path:
            raise NotConfigured("BRANDPULSE_RECORDS_FILE is not set: a dry run")
        return cls(crawler, Path(path))

    def open_spider(self) -> None:
        self._file = self.path.open("a", encoding="utf-8")

    def process_item(self, item: Any) -> Any:
        assert self._file is not None
        record = mention_to_json(to_mention(item, _context(self.crawler).source))
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("brandpulse/records")
        return item

    def close_spider(self) -> None:
        if self._file is not None:
            self._file.close()


def to_mention(item: MentionItem, source: str) -> Mention:
    """Freeze an item into a :class:`domain.records.Mention` (not yet checked)."""
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
