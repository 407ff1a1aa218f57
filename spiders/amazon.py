"""Amazon product-review pages (``/product-reviews/<ASIN>`` on any Amazon marketplace).

Each review is a ``[data-hook="review"]`` block whose ``id`` is the review id; the hooks
``review-star-rating`` (or ``cmps-review-star-rating``), ``review-title``,
``review-date``, ``review-body``, ``avp-badge`` (verified purchase) and
``helpful-vote-statement`` hold the fields. Texts are localized ("4,0 su 5 stelle",
"Rezension aus Deutschland vom 5. März 2024", "12 persone l'hanno trovato utile"); they
are parsed with the page's ``<html lang>``. Pagination follows ``li.a-last a``.

Amazon's robots.txt is obeyed: where it disallows review pages for this user agent the
crawl records that as an error instead of fetching them. Reviews belong to the brand
given for the URL. Use ``sortBy=recent`` URLs so re-crawls stop at the first known page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from parsel import Selector
from scrapy.http import TextResponse

from spiders.base import BrandPulseSpider
from spiders.extract import clean_text, html_text, parse_count, parse_date, parse_rating
from spiders.items import MentionItem

logger = logging.getLogger(__name__)

_RATING = (
    '[data-hook="review-star-rating"] .a-icon-alt::text, '
    '[data-hook="cmps-review-star-rating"] .a-icon-alt::text'
)
_TITLE = (
    './/*[@data-hook="review-title"]/span[not(contains(@class, "a-letter-space"))]'
    "[not(ancestor::i)]//text()"
)


#: The "Read more" prompt of Amazon's review expander in the locales we have seen, kept
#: out of review bodies when it survives outside the expander markup.
EXPANDER_PROMPTS = frozenset(
    {
        "read more",
        "see more",
        "leer más",
        "ver más",
        "weiterlesen",
        "mehr lesen",
        "lire la suite",
        "en savoir plus",
        "voir plus",
        "leggi di più",
        "ulteriori informazioni",
        "ler mais",
        "ver mais",
        "meer lezen",
        "lees meer",
        "läs mer",
        "czytaj więcej",
        "devamını oku",
        "続きを読む",
        "もっと見る",
        "اقرأ المزيد",
        "और पढ़ें",
    }
)


def review_body(block: Selector) -> str:
    """A review's text without the expander's "Read more" / "Leer más" prompt.

    Product pages (``/dp/``) wrap long reviews in an expander: the text sits in
    ``[data-hook="review-collapsed"]`` and the prompt in a sibling
    ``.a-expander-header``. The text container is read when present; otherwise the body
    without any expander header; a last line that is only a known prompt is dropped.
    """
    body = block.css('[data-hook="review-body"]')
    collapsed = body.css('[data-hook="review-collapsed"]')
    if collapsed:
        text = html_text(collapsed.getall())
    else:
        text = html_text(_without_expander_headers(html) for html in body.getall())
    lines = text.split("\n")
    while lines and lines[-1].strip().casefold() in EXPANDER_PROMPTS:
        lines.pop()
    return "\n".join(lines).strip()


def _without_expander_headers(html: str) -> str:
    """``html`` with every ``.a-expander-header`` element (the prompt) removed."""
    import lxml.html

    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    for node in fragment.xpath(
        './/*[contains(concat(" ", normalize-space(@class), " "), " a-expander-header ")]'
    ):
        node.drop_tree()
    return lxml.html.tostring(fragment, encoding="unicode")


def review_from_block(
    block: Selector, response: TextResponse, language: str | None
) -> MentionItem | None:
    """One ``[data-hook="review"]`` block as an item (None without a review id)."""
    review_id = (block.attrib.get("id") or "").strip()
    if not review_id:
        return None
    title = clean_text(block.xpath(_TITLE).getall())
    if not title:  # older markup: the title text sits directly in the link
        title = clean_text(block.css('[data-hook="review-title"]::text').getall())
    body = review_body(block)
    verified = bool(block.css('[data-hook="avp-badge"], [data-hook="avp-badge-linkless"]'))
    variant = clean_text(block.css('[data-hook="format-strip"] ::text').getall())
    extra: dict[str, object] = {"verified_purchase": verified}
    if variant:
        extra["variant"] = variant
    date_line = clean_text(block.css('[data-hook="review-date"] ::text').getall())
    if date_line:
        extra["date_line"] = date_line
    return MentionItem(
        external_id=review_id,
        url=response.urljoin(f"/gp/customer-reviews/{review_id}"),
        text=body,
        title=title,
        author=clean_text(block.css(".a-profile-name::text").get()),
        published_at=parse_date(date_line, languages=[language]),
        rating=parse_rating(block.css(_RATING).get()),
        engagement=parse_count(
            clean_text(block.css('[data-hook="helpful-vote-statement"] ::text').getall())
        ),
        language=language,
        extra=extra,
    )


class AmazonReviewSpider(BrandPulseSpider):
    """Reviews of one or more Amazon products, newest first (``sortBy=recent``)."""

    name = "amazon"

    def extract(self, response: TextResponse) -> Iterable[MentionItem]:
        """Every review block on the page."""
        language = self.page_language(response)
        found = (
            review_from_block(block, response, language)
            for block in response.css('[data-hook="review"]')
        )
        return [item for item in found if item is not None]

    def next_page(self, response: TextResponse) -> str | None:
        """The pagination's "Next" link (absent on the last page)."""
        href = response.css("ul.a-pagination li.a-last a::attr(href)").get()
        return href or super().next_page(response)
