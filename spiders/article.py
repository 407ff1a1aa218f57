"""News, blog and forum pages: main text via trafilatura, brands by their search terms.

Each page becomes one mention (external id: its canonical URL) when a brand's terms match
its title or text (``listeners.matching.BrandMatcher``, in the brand pipeline); pages that
name no brand are dropped. Multi-page threads are followed through ``rel="next"``.
Already stored pages are skipped but pagination continues (new posts are on later pages).

Listing pages: ``-a follow=REGEX`` makes the start URLs listings; links on them whose URL
matches REGEX (same host) are crawled as articles, one level deep.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from spiders.base import BrandPulseSpider
from spiders.extract import clean_text, language_code, parse_date
from spiders.items import MentionItem

logger = logging.getLogger(__name__)

#: Pages whose extracted main text is shorter than this (characters) count as "no text".
MIN_TEXT_CHARS = 40


def extract_article(html: str, url: str) -> dict[str, Any] | None:
    """trafilatura's main text and metadata (title, author, date, text ...) or None."""
    import trafilatura  # imported lazily: heavy

    raw = trafilatura.extract(
        html, url=url, output_format="json", with_metadata=True, include_comments=False
    )
    if not raw:
        return None
    data: dict[str, Any] = json.loads(raw)
    return data


class ArticleSpider(BrandPulseSpider):
    """One mention per article or thread page that names a configured brand."""

    name = "article"
    expects = "article text"
    stop_when_known = False

    def __init__(self, *args: Any, follow: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.follow = re.compile(follow) if follow else None

    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        """Listing pages (with ``follow``) yield article requests; others, the article."""
        if (
            self.follow is not None
            and response.meta.get("listing", True)
            and (response.meta.get("page") == 1 and isinstance(response, TextResponse))
        ):
            async for request in self._follow_links(response):
                yield request
            return
        async for result in super().parse(response, **kwargs):
            yield result

    async def _follow_links(self, response: TextResponse) -> AsyncIterator[Any]:
        assert self.follow is not None
        host = urlsplit(response.url).netloc
        links = dict.fromkeys(
            response.urljoin(href) for href in response.css("a::attr(href)").getall()
        )
        matching = [u for u in links if urlsplit(u).netloc == host and self.follow.search(u)][
            : self.context.max_pages * 5
        ]
        if not matching:
            self.report_problem(
                f"{self.name} spider found no links matching {self.follow.pattern!r} at "
                f"{response.url}: the page markup may have changed"
            )
            return
        for url in matching:
            request = self.page_request(url, page=1, start_url=response.url)
            request.meta["listing"] = False
            yield request

    def extract(self, response: TextResponse) -> Iterable[MentionItem]:
        """The page's main text as one item (none when there is no real text)."""
        data = extract_article(response.text, response.url)
        text = clean_text((data or {}).get("text") or "")
        if data is None or len(text) < MIN_TEXT_CHARS:
            return []
        language = language_code(data.get("language")) or self.page_language(response)
        canonical = response.css('link[rel="canonical"]::attr(href)').get()
        url = response.urljoin(canonical) if canonical else response.url
        published = self._published(response, data, language)
        extra: dict[str, Any] = {}
        # trafilatura's JSON names the site (og:site_name ...) "source-hostname"
        site = data.get("sitename") or data.get("source-hostname") or data.get("hostname")
        if site:
            extra["site"] = clean_text(str(site))
        return [
            MentionItem(
                external_id=url,
                url=url,
                text=text,
                title=clean_text(data.get("title") or ""),
                author=clean_text(data.get("author") or ""),
                published_at=published,
                language=language,
                kind="article",
                extra=extra,
            )
        ]

    @staticmethod
    def _published(response: TextResponse, data: dict[str, Any], language: str | None) -> Any:
        """Exact publication time from meta tags when given, else trafilatura's day."""
        exact = response.css(
            'meta[property="article:published_time"]::attr(content), '
            'meta[itemprop="datePublished"]::attr(content), time[datetime]::attr(datetime)'
        ).get()
        return parse_date(exact, languages=[language]) or parse_date(
            data.get("date"), languages=[language]
        )
