"""Spider names → classes, without importing Scrapy (so callers can validate names cheaply)."""

from __future__ import annotations

import importlib
from typing import Any

from domain.errors import ConfigError
from domain.kinds import Voice, kinds_of

#: ``spider name`` → ``"module:Class"``, derived from :data:`domain.kinds.SOURCE_KINDS`.
#: The name is what ``brandpulse crawl`` and the config's ``spider`` key accept.
SPIDERS: dict[str, str] = {name: kind.implementation for name, kind in kinds_of("spider").items()}

#: Spiders whose items are reviews of one product or company: they belong to the brand
#: given for the URL. The others (articles) match brands by their search terms.
REVIEW_SPIDERS = frozenset(
    name for name, kind in kinds_of("spider").items() if kind.voice is Voice.REVIEW
)


class UnknownSpider(ConfigError):
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
