"""Amazon product pages (``/dp/...``): the review expander's "Read more" / "Leer más"
prompt stays out of review bodies.

The review markup is Amazon's own, recorded by others (see
tests/fixtures/pages/recorded/README.md): amazon.com, March 2022, and amazon.es, 2020.
Expected values are read from the recordings: the review text as the page shows it
once expanded, the stars, dates, authors and helpful votes.
"""

from __future__ import annotations

import pytest
from test_spider_parse import page, run_parse, utc

from spiders.amazon import AmazonReviewSpider

COM = "recorded/amazon_com_dp_B09BG96KFJ_reviews.html"
ES = "recorded/amazon_es_dp_yo_julia_review.html"


def test_amazon_com_product_page_reviews_without_read_more() -> None:
    items, _requests, spider = run_parse(
        AmazonReviewSpider, page(COM, "https://www.amazon.com/dp/B09BG96KFJ")
    )
    assert not spider.problems
    assert [i.external_id for i in items] == ["R2FDN0ZKCNDDLZ", "R3DNSUPMLBILDY"]
    first, second = items
    assert not any("Read more" in i.text for i in items)
    # the text as a person reads it, paragraph breaks (<br><br>) kept
    assert first.text.startswith("Coming from a traditional laptop, this is an amazing option")
    assert first.text.endswith(
        "Overall I'm very happy with this laptop and I'm excited to work on creative projects "
        "with it!"
    )
    assert first.text.count("\n") == 5
    assert second.text == (
        "Be careful with this, DO NOT UPDATE THE BIOS, using Lenovo's Vantage app. It corrupts "
        "your bios leaving the laptop unable to boot. Reading through forums this seems to be "
        "a recurring issue. Laptop didn't last a day..."
    )
    assert [(i.rating, i.author, i.engagement) for i in items] == [
        (5.0, "Sergio M.", 25),
        (1.0, "Daniel G. Alexis", 21),
    ]
    assert [i.published_at for i in items] == [utc(2021, 12, 27), utc(2022, 2, 15)]
    assert first.title == "A powerful and versatile tablet/laptop"


def test_amazon_es_product_page_review_without_leer_mas() -> None:
    items, _requests, _spider = run_parse(
        AmazonReviewSpider,
        page(
            ES,
            "https://www.amazon.es/Yo-Julia-Autores-Espa%C3%B1oles-Iberoamericanos/dp/8408197398",
        ),
    )
    (item,) = items
    assert item.external_id == "R6B7W3KBXTLWO"
    assert "Leer más" not in item.text
    assert item.text.startswith("Posteguillo nos vuelve a llevar a su estilo")
    assert item.text.endswith("un imperio y una dinastía.. leanla, no se arrepentirán")
    assert (item.rating, item.author, item.title) == (5.0, "Imtz01", "De 100% atractiva")
    assert item.published_at == utc(2019, 3, 4)  # "Revisado en México el 4 de marzo de 2019"
    assert item.engagement == 1  # "A una persona le ha parecido esto útil"
    assert item.extra["verified_purchase"] is True  # "Compra verificada"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        # markup fragments, not recordings: the prompt outside any expander markup,
        # as a last line of its own
        ('<span data-hook="review-body"><span>Sehr gut.</span><br>Weiterlesen</span>', "Sehr gut."),
        # a body that merely ends with the words is not cut mid-line
        ('<span data-hook="review-body">I told them: read more</span>', "I told them: read more"),
    ],
)
def test_prompt_dropped_only_as_its_own_last_line(html: str, expected: str) -> None:
    from parsel import Selector

    from spiders.amazon import review_body

    assert review_body(Selector(text=f'<div data-hook="review">{html}</div>')) == expected
