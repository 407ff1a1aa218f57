"""Generic review spider: schema.org ``Review``/``AggregateRating`` in JSON-LD or microdata.

Works on any shop or review page that publishes structured data (many do, for search
engines). Reviews belong to the brand given for the crawl. Pagination follows
``rel="next"`` links.

Usage: ``python -m spiders.crawl reviews --url URL --records FILE.jsonl``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from scrapy.http import TextResponse

from spiders.aggregates import AggregateItem
from spiders.base import BrandPulseSpider
from spiders.items import MentionItem
from spiders.structured import aggregate_ratings, extract_nodes, reviews_from_nodes

logger = logging.getLogger(__name__)


class SchemaReviewSpider(BrandPulseSpider):
    """Reviews from schema.org structured data (JSON-LD and microdata)."""

    name = "reviews"

    def extract(self, response: TextResponse) -> Iterable[MentionItem | AggregateItem]:
        """Every schema.org Review on the page, then each ``AggregateRating`` as an
        :class:`AggregateItem` (a page with only the aggregate is not a failure)."""
        nodes = extract_nodes(response.text, response.url)
        found: list[MentionItem | AggregateItem] = list(
            reviews_from_nodes(
                nodes, page_url=response.url, page_language=self.page_language(response)
            )
        )
        seen: set[tuple[str, str]] = set()
        for agg in aggregate_ratings(nodes):
            url = response.urljoin(agg.item_url) if agg.item_url else response.url
            if agg.raw_value is None or (url, agg.item_name) in seen:
                continue
            seen.add((url, agg.item_name))
            found.append(
                AggregateItem(
                    url=url,
                    rating_value=agg.raw_value,
                    item_name=agg.item_name,
                    best_rating=agg.best,
                    worst_rating=agg.worst,
                    rating_count=agg.rating_count,
                    review_count=agg.review_count,
                )
            )
        return found
