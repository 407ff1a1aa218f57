"""Unit tests: each spider parses saved pages (HtmlResponse from tests/fixtures/pages)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from spiders.amazon import AmazonReviewSpider
from spiders.article import ArticleSpider
from spiders.base import BrandPulseSpider
from spiders.items import MentionItem
from spiders.pipelines import ItemTypePipeline
from spiders.schema_reviews import SchemaReviewSpider
from spiders.trustpilot import TrustpilotSpider

PAGES = Path(__file__).parent / "fixtures" / "pages"


def page(name: str, url: str, *, page_no: int = 1) -> HtmlResponse:
    request = Request(url, meta={"page": page_no, "start_url": url})
    return HtmlResponse(url, body=(PAGES / name).read_bytes(), encoding="utf-8", request=request)


def run_parse(
    spidercls: type[BrandPulseSpider],
    response: HtmlResponse,
    settings: dict[str, Any] | None = None,
) -> tuple[list[MentionItem], list[Request], BrandPulseSpider]:
    """Run the spider's real ``parse`` (no database: nothing is known yet)."""
    crawler = get_crawler(spidercls, settings or {})
    spider = spidercls.from_crawler(crawler, url=response.url)
    crawler.spider = spider

    async def collect() -> list[Any]:
        return [out async for out in spider.parse(response)]

    out = asyncio.run(collect())
    return (
        [o for o in out if isinstance(o, MentionItem)],
        [o for o in out if isinstance(o, Request)],
        spider,
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# -- generic schema.org spider --------------------------------------------------------------
def test_schema_spider_reads_json_ld_reviews_and_follows_next() -> None:
    url = "https://shop.example/shop/kettle-k2"
    items, requests, spider = run_parse(SchemaReviewSpider, page("schema_product_p1.html", url))
    assert [(i.rating, i.author, i.published_at) for i in items] == [
        (4.0, "Dana W.", utc(2024, 3, 5, 9, 12)),
        (1.0, "Marco", utc(2024, 3, 1)),
        (5.0, "priya_k", utc(2024, 2, 27)),
    ]
    assert items[0].external_id == "https://shop.example/reviews/r-1001"
    assert items[0].title == "Boils fast, lid is flimsy" and items[0].language == "en"
    assert items[0].extra["aggregate_rating"] == 3.7 and items[0].extra["aggregate_count"] == 6
    assert [r.url for r in requests] == ["https://shop.example/shop/kettle-k2?page=2"]
    assert requests[0].meta["page"] == 2 and not spider.problems


def test_schema_spider_reads_microdata_in_italian() -> None:
    items, _, _ = run_parse(
        SchemaReviewSpider,
        page("schema_product_p2.html", "https://shop.example/shop/kettle-k2?page=2"),
    )
    assert [(i.rating, i.language, i.published_at) for i in items] == [
        (4.0, "it", utc(2024, 2, 20)),
        (2.0, "it", utc(2024, 2, 11)),
        (4.0, "it", utc(2024, 2, 2)),
    ]
    assert items[1].text == "Dopo una settimana perde acqua dalla base."
    assert items[1].url == "https://shop.example/reviews/r-0997"


def test_changed_markup_is_a_problem_naming_the_url_and_spider() -> None:
    url = "https://shop.example/shop/kettle-k3"
    items, requests, spider = run_parse(
        SchemaReviewSpider, page("schema_product_changed.html", url)
    )
    assert items == [] and requests == []
    assert len(spider.problems) == 1
    assert url in spider.problems[0] and "reviews spider" in spider.problems[0]


# -- Trustpilot ------------------------------------------------------------------------------
TP = "https://www.trustpilot.com/review/acme-energy.example?sort=recency"


def test_trustpilot_reads_next_data_reviews() -> None:
    items, requests, _ = run_parse(TrustpilotSpider, page("trustpilot_p1.html", TP))
    assert [i.external_id for i in items] == [
        "65f0a1b2c3d4e5f601234567",
        "65ef9c8b7a6d5e4f30abcdef",
        "65ee11223344556677889900",
    ]
    first = items[0]
    assert (first.rating, first.author, first.title) == (1.0, "Dana W.", "Billed twice, no answer")
    assert first.published_at == utc(2024, 3, 5, 10, 11, 12)
    assert first.engagement == 4 and first.extra["verified"] is True
    assert first.url == "https://www.trustpilot.com/reviews/65f0a1b2c3d4e5f601234567"
    assert "refunded" in first.extra["company_reply"]
    assert items[1].extra["verified"] is False
    assert (items[2].language, items[2].rating) == ("de", 4.0)
    assert [r.url for r in requests] == [
        "https://www.trustpilot.com/review/acme-energy.example?page=2&sort=recency"
    ]


def test_trustpilot_last_page_has_no_next() -> None:
    url = "https://www.trustpilot.com/review/acme-energy.example?page=2&sort=recency"
    items, requests, _ = run_parse(TrustpilotSpider, page("trustpilot_p2.html", url, page_no=2))
    assert [(i.rating, i.language) for i in items] == [(2.0, "en"), (3.0, "fr")]
    assert requests == []


def test_trustpilot_paginates_from_json_when_the_button_is_gone() -> None:
    html = (PAGES / "trustpilot_p1.html").read_text(encoding="utf-8")
    html = html.replace('name="pagination-button-next"', 'name="gone"').replace('rel="next"', "")
    response = HtmlResponse(
        TP, body=html.encode(), encoding="utf-8", request=Request(TP, meta={"page": 1})
    )
    assert TrustpilotSpider().next_page(response) == (
        "https://www.trustpilot.com/review/acme-energy.example?sort=recency&page=2"
    )


def test_trustpilot_falls_back_to_html_cards_in_german() -> None:
    url = "https://de.trustpilot.com/review/acme-energie.example"
    items, _, _ = run_parse(TrustpilotSpider, page("trustpilot_de_dom.html", url))
    assert [(i.external_id, i.rating, i.author) for i in items] == [
        ("65e6d1f0a9b8c7d6e5f40312", 2.0, "Petra S."),
        ("65df7a2b11c0d9e8f7a60b21", 4.0, "Kai"),
    ]
    assert items[0].published_at == utc(2024, 3, 5, 7, 30)
    assert items[0].text.splitlines() == [
        "Der monatliche Abschlag wurde ohne Begründung um 40 € erhöht.",
        "Auf Nachfrage keine Antwort.",
    ]
    assert items[0].language == "de"


# -- Amazon ------------------------------------------------------------------------------------
AMZ = "https://www.amazon.com/product-reviews/B0CK2KETTL?sortBy=recent"


def test_amazon_reads_reviews_votes_and_verified_flag() -> None:
    items, requests, _ = run_parse(AmazonReviewSpider, page("amazon_p1.html", AMZ))
    assert [(i.external_id, i.rating, i.published_at, i.engagement) for i in items] == [
        ("R1KETTLE0000A1", 4.0, utc(2024, 3, 3), 12),
        ("R2KETTLE0000B2", 1.0, utc(2024, 3, 1), 1),
        ("R3KETTLE0000C3", 5.0, utc(2024, 2, 27), None),
    ]
    assert [i.extra["verified_purchase"] for i in items] == [True, True, False]
    assert items[0].title == "Fast, but the lid rattles"  # modern markup: stars inside the link
    assert items[1].title == "Stopped working after 2 weeks"  # older markup
    assert items[0].text.splitlines() == [
        "Boils a litre in about three minutes.",
        "The lid rattles while boiling, which is annoying.",
    ]
    assert items[0].url == "https://www.amazon.com/gp/customer-reviews/R1KETTLE0000A1"
    assert len(requests) == 1 and "pageNumber=2" in requests[0].url


def test_amazon_last_page_and_foreign_review() -> None:
    items, requests, _ = run_parse(AmazonReviewSpider, page("amazon_p2.html", AMZ, page_no=2))
    assert [(i.rating, i.published_at, i.engagement) for i in items] == [
        (4.0, utc(2024, 2, 20), 1),
        (2.0, utc(2024, 2, 11), 3),
    ]
    assert requests == []


def test_amazon_italian_page() -> None:
    url = "https://www.amazon.it/product-reviews/B0CK2KETTL"
    items, _, _ = run_parse(AmazonReviewSpider, page("amazon_it.html", url))
    assert [(i.rating, i.published_at, i.engagement, i.language) for i in items] == [
        (4.0, utc(2024, 3, 3), 12, "it"),
        (1.0, utc(2024, 2, 28), None, "it"),
    ]
    assert items[0].extra["verified_purchase"] is True
    assert items[0].text == "Veloce e silenzioso.\nIl coperchio però si apre male."


# -- articles ---------------------------------------------------------------------------------
def test_article_spider_extracts_main_text_metadata_and_language() -> None:
    url = "https://www.stadtanzeiger.example/wirtschaft/acme-energie-abschlaege-100.html?ref=rss"
    items, requests, _ = run_parse(ArticleSpider, page("article_de.html", url))
    (item,) = items
    canonical = "https://www.stadtanzeiger.example/wirtschaft/acme-energie-abschlaege-100.html"
    assert item.external_id == canonical and item.kind == "article"
    assert item.language == "de" and item.author == "Miriam Vogt"
    assert item.published_at == utc(2024, 3, 6, 5, 15)
    assert "Verbraucherzentrale" in item.text
    assert "Impressum" not in item.text and "Derby" not in item.text  # boilerplate dropped
    assert requests == []


def test_forum_thread_follows_rel_next() -> None:
    url = "https://forum.example/t/acme-k2-kettle-lid-problem/4711"
    items, requests, _ = run_parse(ArticleSpider, page("forum_thread.html", url))
    assert len(items) == 1 and "hinge" in items[0].text
    assert [r.url for r in requests] == [url + "?page=2"]


def test_item_type_pipeline_drops_what_is_not_a_mention_item() -> None:
    item = MentionItem(external_id="R1", url="https://a.example/r", text="ok")
    assert ItemTypePipeline().process_item(item) is item
    with pytest.raises(DropItem, match="not a MentionItem"):
        ItemTypePipeline().process_item({"external_id": "R1"})


def test_article_listing_page_follows_matching_links_one_level() -> None:
    url = "https://www.stadtanzeiger.example/wirtschaft"
    response = page("article_de.html", url)
    crawler = get_crawler(ArticleSpider, {})
    spider = ArticleSpider.from_crawler(crawler, url=url, follow=r"/sport/.+\.html$")
    crawler.spider = spider

    async def collect() -> list[Any]:
        return [out async for out in spider.parse(response)]

    out = asyncio.run(collect())
    assert [r.url for r in out] == ["https://www.stadtanzeiger.example/sport/derby-100.html"]
    assert out[0].meta["listing"] is False and not spider.problems
