"""Overall ratings (schema.org ``AggregateRating``) found by the review spiders.

A page that shows "4.3 out of 5 — 1,287 ratings" but no individual reviews is not a
failed crawl: the spider yields an :class:`AggregateItem`. Like mention records, it goes
back to the parent process as a JSON line: :class:`AggregatePipeline` (priority 50, see
:mod:`spiders.settings`) writes it to ``aggregates.jsonl`` beside
``BRANDPULSE_RECORDS_FILE`` and takes it out of the item chain (``DropItem`` logged at
DEBUG), so the mention pipelines only see :class:`spiders.items.MentionItem`. The parent
reads the file with :func:`read_aggregates` and stores the readings with
:func:`storage.aggregates.save_aggregates` (one row per item and day) for the
competitor report's rating grid. Without a records file (a dry run) nothing is kept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from storage.aggregates import Aggregate

logger = logging.getLogger(__name__)

#: Name of the aggregates file, in the same folder as the records file.
AGGREGATES_FILE = "aggregates.jsonl"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class AggregateItem:
    """One ``AggregateRating`` as a page showed it.

    Attributes:
        url: the item's own URL where the structured data names one, else the page's.
        rating_value: the average on the page's own scale (``best_rating``; 5 if absent).
        item_name: the product or business rated.
        best_rating / worst_rating: the scale's ends, as given.
        rating_count / review_count: ratings and written reviews it averages, as given.
        seen_at: when it was read (timezone-aware UTC; default now).
    """

    url: str
    rating_value: float
    item_name: str = ""
    best_rating: float | None = None
    worst_rating: float | None = None
    rating_count: int | None = None
    review_count: int | None = None
    seen_at: datetime = field(default_factory=_utcnow)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict (``seen_at`` in ISO 8601)."""
        data = asdict(self)
        data["seen_at"] = self.seen_at.isoformat()
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AggregateItem:
        """Inverse of :meth:`to_json`; KeyError/TypeError/ValueError when malformed."""
        return cls(
            url=str(data["url"]),
            rating_value=float(data["rating_value"]),
            item_name=str(data.get("item_name") or ""),
            best_rating=_float(data.get("best_rating")),
            worst_rating=_float(data.get("worst_rating")),
            rating_count=_int(data.get("rating_count")),
            review_count=_int(data.get("review_count")),
            seen_at=datetime.fromisoformat(str(data["seen_at"])),
        )

    def to_aggregate(self, source: str, brand: str | None) -> Aggregate:
        """The storage record for ``source`` (and the crawl's ``brand``)."""
        return Aggregate(
            source=source,
            url=self.url,
            rating_value=self.rating_value,
            seen_at=self.seen_at,
            item_name=self.item_name,
            brand=brand,
            best_rating=self.best_rating,
            worst_rating=self.worst_rating,
            rating_count=self.rating_count,
            review_count=self.review_count,
        )


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def aggregates_path(records_file: str | Path) -> Path:
    """Where the aggregates of a crawl writing ``records_file`` go."""
    return Path(records_file).with_name(AGGREGATES_FILE)


def read_aggregates(records_file: str | Path) -> tuple[list[AggregateItem], int]:
    """The aggregate readings a crawl wrote beside ``records_file``, and how many lines
    were unreadable (a torn last line of a killed crawl)."""
    path = aggregates_path(records_file)
    if not path.exists():
        return [], 0
    found: list[AggregateItem] = []
    unreadable = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            found.append(AggregateItem.from_json(json.loads(line)))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            unreadable += 1
    return found, unreadable


class AggregatePipeline:
    """Hand :class:`AggregateItem` s back as JSON lines and keep them out of the mention
    pipelines. Counts ``brandpulse/aggregates`` in the crawl stats."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        records = crawler.settings.get("BRANDPULSE_RECORDS_FILE")
        self.path = aggregates_path(records) if records else None
        self._file: IO[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, AggregateItem):
            return item
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("brandpulse/aggregates")
        if self.path is not None:
            if self._file is None:
                self._file = self.path.open("a", encoding="utf-8")
            self._file.write(json.dumps(item.to_json(), ensure_ascii=False) + "\n")
            self._file.flush()
        logger.info(
            "rating %s (best %s) from %s ratings / %s reviews for %r at %s",
            item.rating_value,
            item.best_rating,
            item.rating_count,
            item.review_count,
            item.item_name,
            item.url,
        )
        raise DropItem("aggregate rating handed back", log_level="DEBUG")

    def close_spider(self) -> None:
        if self._file is not None:
            self._file.close()
