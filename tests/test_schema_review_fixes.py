"""schema.org review pages: untyped review objects, rating-only reviews, HTML entities in
JSON-LD text, verified / helpful votes / owner reply in ``extra``, and pages with only an
``AggregateRating`` (stored per item and day, not a failure).

NOTE: the two pages used here (tests/fixtures/pages/schema_untyped_reviews.html,
schema_aggregate_only.html) are hand-made, following the shapes named in issue 16 (no
real saved page with these shapes small enough to copy was found; see the README there).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer
from scrapy.http import Request
from scrapy.utils.test import get_crawler
from test_spider_parse import PAGES, page, utc

from domain.records import check_mention
from spiders.aggregates import AggregateItem
from spiders.items import MentionItem
from spiders.pipelines import to_mention
from spiders.schema_reviews import SchemaReviewSpider
from storage import init_db, make_engine
from storage.aggregates import Aggregate, latest_aggregates, save_aggregates

UNTYPED = "https://avis.example/biz/brasserie-du-nord"
ONLY_AGG = "https://shop.example/shop/kettle-k3"


def parse_all(url: str, name: str) -> tuple[list[Any], SchemaReviewSpider]:
    crawler = get_crawler(SchemaReviewSpider, {})
    spider = SchemaReviewSpider.from_crawler(crawler, url=url)
    crawler.spider = spider

    async def collect() -> list[Any]:
        return [out async for out in spider.parse(page(name, url))]

    return asyncio.run(collect()), spider


def test_untyped_reviews_rating_only_entities_and_extras() -> None:
    out, spider = parse_all(UNTYPED, "schema_untyped_reviews.html")
    reviews = [o for o in out if isinstance(o, MentionItem)]
    aggregates = [o for o in out if isinstance(o, AggregateItem)]
    assert not spider.problems
    assert [(r.author, r.rating, r.published_at) for r in reviews] == [
        ("Chloé M.", 5.0, utc(2024, 2, 11)),
        ("Paul R.", 4.0, utc(2024, 2, 9)),
        ("Ana", 1.0, utc(2024, 2, 2)),
    ]
    chloe, paul, ana = reviews
    # entities unescaped, twice-escaped ones too
    assert chloe.text == "Le bœuf bourguignon était parfait, service rapide."
    assert ana.text == "Attente d'une heure, plat froid."
    # a star rating without text is kept, marked, and passes validation
    assert paul.text == "" and paul.extra["rating_only"] is True
    checked = check_mention(to_mention(paul, "reviews"))  # the intake's check keeps it
    assert checked.text == "" and checked.rating == 4.0
    assert "rating_only" not in chloe.extra
    # helpful votes (upvoteCount / LikeAction counter), verified flag, owner's reply
    assert (chloe.engagement, chloe.extra["helpful_votes"]) == (4, 4)
    assert (ana.engagement, ana.extra["helpful_votes"]) == (12, 12)
    assert ana.extra["verified"] is True and "verified" not in chloe.extra
    assert chloe.extra["owner_reply"] == "Merci Chloé, à bientôt !"
    # the untyped aggregate under "aggregateRating" is read too
    (agg,) = aggregates
    assert (agg.rating_value, agg.review_count, agg.item_name, agg.url) == (
        4.5,
        3,
        "Brasserie du Nord",
        UNTYPED,
    )


def test_a_page_with_only_an_aggregate_is_not_a_failure() -> None:
    out, spider = parse_all(ONLY_AGG, "schema_aggregate_only.html")
    assert not spider.problems
    (agg,) = out
    assert isinstance(agg, AggregateItem)
    assert (agg.rating_value, agg.best_rating, agg.worst_rating) == (8.6, 10.0, 1.0)
    assert (agg.rating_count, agg.review_count) == (1287, 312)
    assert agg.item_name == "Acme Kettle K3" and agg.url == ONLY_AGG
    assert not [o for o in out if isinstance(o, Request)]  # nothing to paginate


def test_latest_aggregates_per_item_and_day(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'agg.db'}")
    init_db(engine)
    day1 = datetime(2024, 3, 1, 8, tzinfo=UTC)
    reading = Aggregate(
        source="shop",
        url=ONLY_AGG,
        rating_value=8.4,
        seen_at=day1,
        item_name="Acme Kettle K3",
        brand="Acme",
        best_rating=10.0,
        rating_count=1200,
    )
    save_aggregates(engine, [reading])
    # same day again: replaces; next day: a new row
    save_aggregates(engine, [replace(reading, rating_value=8.5, seen_at=day1 + timedelta(hours=3))])
    save_aggregates(
        engine,
        [
            replace(reading, rating_value=8.6, rating_count=1287, seen_at=day1 + timedelta(days=1)),
            replace(
                reading,
                source="other",
                url="https://b.example/x",
                item_name="Rival X",
                brand="Rival",
                rating_value=7.1,
                seen_at=day1,
            ),
        ],
    )
    latest = latest_aggregates(engine)
    assert [(a.brand, a.item_name, a.rating_value, a.seen_on) for a in latest] == [
        ("Acme", "Acme Kettle K3", 8.6, date(2024, 3, 2)),
        ("Rival", "Rival X", 7.1, date(2024, 3, 1)),
    ]
    assert [a.rating_count for a in latest_aggregates(engine, brand="Acme")] == [1287]
    assert latest_aggregates(engine, since=date(2024, 3, 2))[0].item_name == "Acme Kettle K3"
    assert len(latest_aggregates(engine, since=date(2024, 3, 2))) == 1
    with engine.connect() as conn:
        from sqlalchemy import text

        assert conn.execute(text("select count(*) from rating_aggregates")).scalar() == 3


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    pages = {
        "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /private/\n"),
        "/shop/kettle-k3": ("text/html", (PAGES / "schema_aggregate_only.html").read_bytes()),
    }
    with ReplayServer(pages=pages) as srv:
        yield srv


def test_crawl_of_an_aggregate_only_page_stores_it_and_succeeds(
    server: ReplayServer, tmp_path: Path
) -> None:
    from test_spider_crawl import _intake, _run

    from domain.terms import BrandTerms
    from storage.run_counts import run_counts

    url = f"sqlite:///{tmp_path / 'crawl.db'}"
    init_db(make_engine(url))
    intake = _intake(url, BrandTerms("Acme", ("Acme",)))
    run = _run(intake, "reviews", server.url + "/shop/kettle-k3", source="shop-reviews",
               brand="Acme")  # fmt: skip
    assert run.crawl.exit_status == 0, run.crawl.log_tail
    assert run.ok and not run.crawl.problems
    assert run.crawl.items_dropped == 0 and len(run.crawl.aggregates) == 1
    (agg,) = latest_aggregates(make_engine(url), brand="Acme")
    assert (agg.source, agg.rating_value, agg.best_rating, agg.rating_count) == (
        "shop-reviews",
        8.6,
        10.0,
        1287,
    )
    assert agg.url == ONLY_AGG and agg.seen_at.tzinfo is not None
    health = {h.name: h for h in intake.repo.source_health()}["shop-reviews"]
    assert health.consecutive_failures == 0 and health.last_success_at is not None
    counts = run_counts(make_engine(url))["shop-reviews"]
    assert (counts.seen, counts.stored, counts.skipped) == (0, 0, {})


def test_export_carries_verified_helpful_votes_and_owner_reply(tmp_path: Path) -> None:
    from test_spider_parse import run_parse

    from brandpulse.cli_data import EXPORT_FIELDS, mention_record
    from spiders.amazon import AmazonReviewSpider
    from storage import Repository
    from storage.extras import extras_by_id

    engine = make_engine(f"sqlite:///{tmp_path / 'export.db'}")
    init_db(engine)
    repo = Repository(engine)
    repo.sync_brands([("Brasserie du Nord", True), ("Planeta", False)])
    repo.sync_source("reviews", "crawl")
    out, _ = parse_all(UNTYPED, "schema_untyped_reviews.html")
    reviews = [o for o in out if isinstance(o, MentionItem)]
    es, _, _ = run_parse(
        AmazonReviewSpider,
        page("recorded/amazon_es_dp_yo_julia_review.html", "https://www.amazon.es/dp/8408197398"),
    )
    for item in reviews:
        item.brands = ("Brasserie du Nord",)
    es[0].brands = ("Planeta",)
    repo.save_mentions("reviews", [to_mention(i, "reviews") for i in [*reviews, *es]])
    found = repo.mentions()
    extras = extras_by_id(engine, [m.id for m in found])
    rows = {r["external_id"]: r for r in (mention_record(m, extras.get(m.id)) for m in found)}
    assert set(EXPORT_FIELDS) >= {"verified", "helpful_votes", "owner_reply"}
    amazon = rows["R6B7W3KBXTLWO"]  # "Compra verificada", "A una persona le ha parecido esto útil"
    assert (amazon["verified"], amazon["helpful_votes"], amazon["owner_reply"]) == (True, 1, None)
    by_author = {r["author"]: r for r in rows.values()}
    assert by_author["Chloé M."]["owner_reply"] == "Merci Chloé, à bientôt !"
    assert by_author["Chloé M."]["helpful_votes"] == 4
    assert (by_author["Ana"]["verified"], by_author["Ana"]["helpful_votes"]) == (True, 12)
    assert by_author["Paul R."]["text"] == "" and by_author["Paul R."]["rating"] == 4.0
