"""Spider names → classes, without importing Scrapy (so callers can validate names cheaply)."""

from __future__ import annotations

import importlib
from typing import Any

#: ``spider name`` → ``"module:Class"``. The name is what ``brandpulse crawl`` and the
#: config's ``spider`` key accept.
SPIDERS: dict[str, str] = {
    "reviews": "spiders.schema_reviews:SchemaReviewSpider",
    "trustpilot": "spiders.trustpilot:TrustpilotSpider",
    "amazon": "spiders.amazon:AmazonReviewSpider",
    "article": "spiders.article:ArticleSpider",
}

#: Spiders whose items are reviews of one product or company: they belong to the brand
#: given for the URL. The others (articles) match brands by their search terms.
REVIEW_SPIDERS = frozenset({"reviews", "trustpilot", "amazon"})


class UnknownSpider(ValueError):
    """The spider name is not in :data:`SPIDERS`."""


def spider_class(name: str) -> Any:
    """Import and return the spider class registered as ``name``."""
    try:
        target = SPIDERS[name]
    except KeyError:
        known = ", ".join(sorted(SPIDERS))
        raise UnknownSpider(f"unknown spider {name!r}; known spiders: {known}") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)
