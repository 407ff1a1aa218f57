"""What one crawl is for (source, brand, database), read once from Scrapy settings."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from listeners.matching import BrandTerms
from storage import Repository, make_engine

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 50
DEFAULT_MAX_PAGES = 20


def terms_to_dict(terms: BrandTerms) -> dict[str, Any]:
    """``BrandTerms`` as a JSON-serialisable dict (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(terms).items()}


def terms_from_dict(data: Mapping[str, Any]) -> BrandTerms:
    """Inverse of :func:`terms_to_dict`; ``terms`` defaults to the brand's name."""
    name = str(data["name"])
    return BrandTerms(
        name=name,
        terms=tuple(data.get("terms") or (name,)),
        exclude=tuple(data.get("exclude") or ()),
        case_sensitive=bool(data.get("case_sensitive", False)),
        whole_word=bool(data.get("whole_word", True)),
        languages=tuple(data.get("languages") or ()),
    )


@dataclass(frozen=True, slots=True)
class CrawlContext:
    """The BrandPulse settings of one crawl (see :mod:`spiders.settings` for defaults).

    Attributes:
        source: source name mentions are stored under (default: the spider's name).
        source_kind: kind recorded when the source is registered (default ``"crawl"``).
        database_url: SQLAlchemy URL; None means "do not store" (dry run).
        brand: brand every review belongs to (review spiders), or None.
        brand_terms: brands to match in article text (and in reviews without ``brand``).
        batch_size: mentions per database write (default 50).
        max_pages: pages followed per start URL (default 20).
    """

    source: str
    source_kind: str
    database_url: str | None
    brand: str | None
    brand_terms: tuple[BrandTerms, ...]
    batch_size: int
    max_pages: int

    @classmethod
    def from_settings(cls, settings: Any, *, spider_name: str) -> CrawlContext:
        """Build from a Scrapy ``Settings`` (or any mapping with ``get``)."""
        raw_terms: Sequence[Any] = settings.get("BRANDPULSE_BRAND_TERMS") or ()
        return cls(
            source=settings.get("BRANDPULSE_SOURCE") or spider_name,
            source_kind=settings.get("BRANDPULSE_SOURCE_KIND") or "crawl",
            database_url=settings.get("BRANDPULSE_DATABASE_URL") or None,
            brand=settings.get("BRANDPULSE_BRAND") or None,
            brand_terms=tuple(
                t if isinstance(t, BrandTerms) else terms_from_dict(t) for t in raw_terms
            ),
            batch_size=max(1, int(settings.get("BRANDPULSE_BATCH_SIZE") or DEFAULT_BATCH_SIZE)),
            max_pages=max(1, int(settings.get("BRANDPULSE_MAX_PAGES") or DEFAULT_MAX_PAGES)),
        )


@functools.lru_cache(maxsize=4)
def open_repository(database_url: str) -> Repository:
    """One :class:`storage.Repository` per database URL and process (shared)."""
    return Repository(make_engine(database_url))
