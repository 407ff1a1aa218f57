"""Trustpilot company review pages (``https://www.trustpilot.com/review/<domain>``).

Trustpilot pages are rendered by Next.js: the reviews of the page are in the JSON of
``<script id="__NEXT_DATA__">`` (``props.pageProps.reviews``), which carries the review
id, rating, title, text, language, likes, author, dates and verification label. When that
script is missing the spider falls back to the HTML review cards
(``data-service-review-*`` attributes). Reviews belong to the brand given for the URL.

Pagination follows ``a[name="pagination-button-next"]`` / ``rel="next"``, else
``filters.pagination`` in the JSON. Crawl URLs sorted by recency
(``?sort=recency``) so an incremental re-crawl stops at the first known page.

Trustpilot's terms restrict automated access and its robots.txt is obeyed; prefer its
official API where you have access (see docs/pitfalls).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import TextResponse
from w3lib.url import add_or_replace_parameter

from spiders.base import BrandPulseSpider
from spiders.extract import clean_text, html_text, language_code, parse_date, parse_rating
from spiders.items import MentionItem

logger = logging.getLogger(__name__)


def next_data(response: TextResponse) -> dict[str, Any] | None:
    """The page's ``__NEXT_DATA__`` JSON, or None when absent or unreadable."""
    raw = response.css("script#__NEXT_DATA__::text").get()
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        logger.warning("unreadable __NEXT_DATA__ at %s", response.url)
        return None
    return data if isinstance(data, dict) else None


def _page_props(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    props = (data or {}).get("props") or {}
    return props.get("pageProps") or {}


def review_from_json(
    raw: Mapping[str, Any], *, base_url: str, page_language: str | None
) -> MentionItem | None:
    """One ``pageProps.reviews[]`` entry as an item (None without an id)."""
    review_id = str(raw.get("id") or "").strip()
    if not review_id:
        return None
    consumer = raw.get("consumer") or {}
    dates = raw.get("dates") or {}
    labels = raw.get("labels") or {}
    verification = labels.get("verification") or {}
    language = language_code(raw.get("language")) or page_language
    extra: dict[str, Any] = {"verified": bool(verification.get("isVerified", False))}
    if verification.get("verificationSource"):
        extra["verification_source"] = verification["verificationSource"]
    if consumer.get("countryCode"):
        extra["country"] = consumer["countryCode"]
    if dates.get("experiencedDate"):
        extra["experienced_at"] = dates["experiencedDate"]
    reply = raw.get("reply") or {}
    if reply.get("message"):
        extra["company_reply"] = clean_text(str(reply["message"]))
    likes = raw.get("likes")
    return MentionItem(
        external_id=review_id,
        url=urljoin(base_url, f"/reviews/{review_id}"),
        text=clean_text(str(raw.get("text") or "")),
        title=clean_text(str(raw.get("title") or "")),
        author=clean_text(str(consumer.get("displayName") or "")),
        published_at=parse_date(str(dates.get("publishedDate") or ""), languages=[language]),
        rating=parse_rating(raw.get("rating")),
        engagement=int(likes) if isinstance(likes, int) else None,
        language=language,
        extra=extra,
    )


def reviews_from_cards(response: TextResponse, *, page_language: str | None) -> list[MentionItem]:
    """Reviews read from the HTML cards (fallback when ``__NEXT_DATA__`` is missing)."""
    items = []
    for card in response.xpath("//article[.//*[@data-service-review-rating]]"):
        href = card.css('a[href*="/reviews/"]::attr(href)').get() or ""
        review_id = href.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
        if not review_id:
            continue
        items.append(_card_item(card, response, review_id, page_language))
    return items


def _card_item(
    card: Selector, response: TextResponse, review_id: str, language: str | None
) -> MentionItem:
    stars = card.css("[data-service-review-rating]::attr(data-service-review-rating)").get()
    if stars is None:
        stars = card.css('img[alt*="5"]::attr(alt)').get()
    text = html_text(card.css("[data-service-review-text-typography]").getall())
    when = card.css("time::attr(datetime)").get()
    return MentionItem(
        external_id=review_id,
        url=response.urljoin(f"/reviews/{review_id}"),
        text=text,
        title=clean_text(card.css("[data-service-review-title-typography] ::text").getall()),
        author=clean_text(card.css("[data-consumer-name-typography] ::text").getall()),
        published_at=parse_date(when, languages=[language]),
        rating=parse_rating(stars),
        language=language,
        extra={"from_html": True},
    )


class TrustpilotSpider(BrandPulseSpider):
    """Reviews of one or more Trustpilot company pages, newest first."""

    name = "trustpilot"

    def extract(self, response: TextResponse) -> Iterable[MentionItem]:
        """Reviews from ``__NEXT_DATA__``, else from the HTML cards."""
        language = self.page_language(response)
        data = next_data(response)
        raw_reviews = _page_props(data).get("reviews")
        if isinstance(raw_reviews, list) and raw_reviews:
            found = (
                review_from_json(r, base_url=response.url, page_language=language)
                for r in raw_reviews
                if isinstance(r, dict)
            )
            return [item for item in found if item is not None]
        return reviews_from_cards(response, page_language=language)

    def next_page(self, response: TextResponse) -> str | None:
        """The "next page" button, ``rel="next"``, else the JSON's pagination block."""
        href = response.css('a[name="pagination-button-next"]::attr(href)').get()
        if href:
            return href
        linked = super().next_page(response)
        if linked:
            return linked
        pagination = (_page_props(next_data(response)).get("filters") or {}).get("pagination") or {}
        current, total = pagination.get("currentPage"), pagination.get("totalPages")
        if isinstance(current, int) and isinstance(total, int) and current < total:
            return add_or_replace_parameter(response.url, "page", str(current + 1))
        return None
