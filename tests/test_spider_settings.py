"""The polite defaults are set explicitly and reach the crawler; the registry is complete."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from spiders import SPIDERS, UnknownSpider, run_crawl
from spiders import settings as spider_settings
from spiders.registry import spider_class


def test_polite_defaults() -> None:
    settings = Settings()
    settings.setmodule(spider_settings, priority="project")
    assert settings.getbool("ROBOTSTXT_OBEY") is True
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is True
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getfloat("DOWNLOAD_DELAY") >= 1.0
    assert settings.get("USER_AGENT").startswith("BrandPulse/")
    assert "Scrapy" not in settings.get("USER_AGENT")
    assert list(settings.getdict("ITEM_PIPELINES")) == [
        "spiders.aggregates.AggregatePipeline",
        "spiders.pipelines.ItemTypePipeline",
        "spiders.pipelines.RecordsPipeline",
    ]


@pytest.mark.parametrize("name", sorted(SPIDERS))
def test_every_registered_spider_loads_under_its_name(name: str) -> None:
    assert spider_class(name).name == name


def test_unknown_spider_and_missing_url_are_refused() -> None:
    with pytest.raises(UnknownSpider, match="known spiders: amazon, article"):
        run_crawl(spider="yelp", start_urls=["https://x.example"])
    with pytest.raises(ValueError, match="start URL"):
        run_crawl(spider="amazon", start_urls=[])
