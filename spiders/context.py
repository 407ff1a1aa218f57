"""What one crawl is for (source, known items, page bound), read once from Scrapy settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain import defaults

DEFAULT_MAX_PAGES = defaults.CRAWL_MAX_PAGES


@dataclass(frozen=True, slots=True)
class CrawlContext:
    """The BrandPulse settings of one crawl (see :mod:`spiders.settings` for defaults).

    Attributes:
        source: source name the records are handed back under (default: the spider's name).
        known_ids: external ids already stored for the source (the parent passes the most
            recent ones): a page holding only these ends the pagination.
        max_pages: pages followed per start URL (default 20).
    """

    source: str
    known_ids: frozenset[str]
    max_pages: int

    @classmethod
    def from_settings(cls, settings: Any, *, spider_name: str) -> CrawlContext:
        """Build from a Scrapy ``Settings`` (or any mapping with ``get``)."""
        return cls(
            source=settings.get("BRANDPULSE_SOURCE") or spider_name,
            known_ids=frozenset(str(i) for i in settings.get("BRANDPULSE_KNOWN_IDS") or ()),
            max_pages=max(1, int(settings.get("BRANDPULSE_MAX_PAGES") or DEFAULT_MAX_PAGES)),
        )
