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

from spiders.base import BrandPulseSpider
from spiders.items import MentionItem
from spiders.structured import aggregate_ratings, extract_nodes, reviews_from_nodes

logger = logging.getLogger(__name__)


class SchemaReviewSpider(BrandPulseSpider):
    """Reviews from schema.org structured data (JSON-LD and microdata)."""

    name = "reviews"

    def extract(self, response: TextResponse) -> Iterable[MentionItem]:
        """Every schema.org Review on the page."""
        nodes = extract_nodes(response.text, response.url)
        for agg in aggregate_ratings(nodes):
            logger.info(
                "%s: aggregate rating %s from %s reviews for %r at %s",
                self.name,
                agg.value,
                agg.count,
                agg.item_name,
                response.url,
            )
        return reviews_from_nodes(
            nodes, page_url=response.url, page_language=self.page_language(response)
        )
