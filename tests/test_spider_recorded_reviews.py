"""The schema.org review spider on real recorded structured data (not a hand-made page).

``tests/fixtures/pages/recorded/imdb_tt0201290_jsonld.html``: the JSON-LD ``<script>``
element of IMDb's page for *The Underground Comedy Movie* (tt0201290), as IMDb served
it and a public project kept it as test data (see the README there): a ``Movie`` with
one user ``Review`` (1 of 10 stars, by "planktonrules", 2010-02-16, ``inLanguage``
"English", HTML entities ``&quot;``/``&apos;`` in the JSON text) and an
``AggregateRating`` of 1.9 of 10 from 2,736 ratings. Every expected value below was
read from the recording.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.utils.test import get_crawler
from test_spider_parse import page, utc

from domain.rating import label_from_rating
from domain.records import check_mention
from spiders.aggregates import AggregateItem
from spiders.items import MentionItem
from spiders.pipelines import to_mention
from spiders.schema_reviews import SchemaReviewSpider

URL = "https://www.imdb.com/title/tt0201290/"
PAGE = "recorded/imdb_tt0201290_jsonld.html"


def parse_all(url: str, name: str) -> tuple[list[Any], SchemaReviewSpider]:
    crawler = get_crawler(SchemaReviewSpider, {})
    spider = SchemaReviewSpider.from_crawler(crawler, url=url)
    crawler.spider = spider

    async def collect() -> list[Any]:
        return [out async for out in spider.parse(page(name, url))]

    return asyncio.run(collect()), spider


def test_the_recorded_imdb_review_as_a_person_reads_it() -> None:
    out, spider = parse_all(URL, PAGE)
    assert not spider.problems
    (review,) = [o for o in out if isinstance(o, MentionItem)]
    assert review.author == "planktonrules"
    assert review.title == (
        "Perhaps this should be the lowest rated film on IMDb, not the 91st worst--as 91st "
        "is way too kind."
    )
    assert review.published_at == utc(2010, 2, 16)  # dateCreated (no datePublished)
    assert review.language == "en"  # "inLanguage": "English"
    # the entities IMDb writes into its JSON-LD strings are decoded
    assert review.text.startswith(
        'This film stars, among others, "SlapChop" Vince Offer (who also wrote, edited and '
        'directed) and Joey Buttafuoco--not exactly names that scream out "quality".'
    )
    assert "(it's exactly what it sounds like)" in review.text
    assert review.text.endswith("It's amazing his career could overcome this.")
    assert "&quot;" not in review.text and "&apos;" not in review.text
    # 1 on IMDb's 1-10 scale is the bottom of the scale: 1 star, not 0.5
    assert review.rating == 1.0 and label_from_rating(review.rating) == "negative"
    assert review.extra["item_name"] == "The Underground Comedy Movie"
    checked = check_mention(to_mention(review, "reviews"))
    assert checked.rating == 1.0


def test_the_recorded_imdb_aggregate_keeps_its_own_scale() -> None:
    out, _spider = parse_all(URL, PAGE)
    (agg,) = [o for o in out if isinstance(o, AggregateItem)]
    assert (agg.rating_value, agg.best_rating, agg.worst_rating) == (1.9, 10.0, 1.0)
    assert (agg.rating_count, agg.review_count) == (2736, None)
    assert agg.item_name == "The Underground Comedy Movie"
