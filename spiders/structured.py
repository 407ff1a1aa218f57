"""schema.org ``Review`` and ``AggregateRating`` from JSON-LD and microdata, via extruct.

extruct's ``uniform=True`` output gives microdata the JSON-LD shape, so one walker reads
both: it visits every node (``@graph``, nested ``review`` lists, ``itemReviewed``) and
keeps nodes whose ``@type`` is ``Review`` (or a subtype ending in "Review").
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from spiders.extract import clean_text, fingerprint, language_code, parse_date, parse_rating
from spiders.items import MentionItem

logger = logging.getLogger(__name__)

SYNTAXES = ["json-ld", "microdata"]


@dataclass(frozen=True, slots=True)
class AggregateRating:
    """A page's overall rating: ``value`` on a 1-5 scale, ``count`` reviews or ratings."""

    value: float | None
    count: int | None
    item_name: str


def extract_nodes(html: str, url: str) -> list[dict[str, Any]]:
    """Every top-level JSON-LD and microdata node of the page (uniform JSON-LD shape)."""
    import extruct  # imported lazily: pulls in several parsers

    try:
        data = extruct.extract(html, base_url=url, syntaxes=SYNTAXES, uniform=True, errors="log")
    except Exception as exc:  # extruct raises parser-specific errors on broken markup
        logger.warning("structured data unreadable at %s: %s", url, exc)
        return []
    return [node for syntax in SYNTAXES for node in data.get(syntax, []) if isinstance(node, dict)]


def _types(node: Mapping[str, Any]) -> list[str]:
    raw = node.get("@type") or []
    values = raw if isinstance(raw, list) else [raw]
    return [str(v).rsplit("/", 1)[-1] for v in values]


def walk(
    node: Any, parent: Mapping[str, Any] | None = None
) -> Iterator[tuple[dict[str, Any], Mapping[str, Any] | None]]:
    """Every dict inside ``node`` with the dict that contains it (depth first)."""
    if isinstance(node, list):
        for child in node:
            yield from walk(child, parent)
    elif isinstance(node, dict):
        yield node, parent
        for value in node.values():
            if isinstance(value, dict | list):
                yield from walk(value, node)


def _name(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(n for n in (_name(v) for v in value) if n)
    if isinstance(value, dict):
        return clean_text(str(value.get("name") or ""))
    return clean_text(str(value or ""))


def _rating(value: Any) -> float | None:
    if isinstance(value, dict):
        best = value.get("bestRating")
        raw = value.get("ratingValue")
        # scaled by bestRating only (default 5): worstRating is 1 on the sites we know
        try:
            best_f = float(str(best).replace(",", ".")) if best not in (None, "") else None
        except ValueError:
            best_f = None
        return parse_rating(raw, best=best_f)
    return parse_rating(value)


def _count(value: Any) -> int | None:
    try:
        return (
            int(str(value).replace(",", "").replace(".", "")) if value not in (None, "") else None
        )
    except ValueError:
        return None


def aggregate_ratings(nodes: list[dict[str, Any]]) -> list[AggregateRating]:
    """Every ``AggregateRating`` on the page, with the name of the item it rates."""
    found = []
    for node, parent in walk(nodes):
        if "AggregateRating" in _types(node):
            found.append(
                AggregateRating(
                    value=_rating(node),
                    count=_count(node.get("reviewCount") or node.get("ratingCount")),
                    item_name=_name((parent or {}).get("name") or node.get("itemReviewed")),
                )
            )
    return found


def reviews_from_nodes(
    nodes: list[dict[str, Any]], *, page_url: str, page_language: str | None = None
) -> list[MentionItem]:
    """Every schema.org Review in ``nodes`` as a :class:`MentionItem` (page order).

    The external id is the review's ``@id``/``url``/``identifier``, else a fingerprint of
    author, date and body (stable across pages that repeat the same review).
    """
    aggregates = aggregate_ratings(nodes)
    items: list[MentionItem] = []
    seen: set[str] = set()
    for node, parent in walk(nodes):
        is_review = any(t.endswith("Review") for t in _types(node))
        if not is_review or not ({"reviewRating", "reviewBody", "description"} & node.keys()):
            continue
        body = clean_text(str(node.get("reviewBody") or node.get("description") or ""))
        title = _name(node.get("name") or node.get("headline"))
        author = _name(node.get("author"))
        raw_date = node.get("datePublished") or node.get("dateCreated")
        language = language_code(str(node.get("inLanguage") or "")) or page_language
        published = parse_date(str(raw_date), languages=[language]) if raw_date else None
        own_id = node.get("@id") or node.get("url") or node.get("identifier") or node.get("id")
        external_id = str(own_id) if own_id else fingerprint(author, raw_date, body[:500])
        if external_id in seen:
            continue
        seen.add(external_id)
        rated = node.get("itemReviewed") or parent or {}
        extra: dict[str, Any] = {"structured_data": True}
        item_name = _name(rated.get("name")) if isinstance(rated, dict) else ""
        if item_name:
            extra["item_name"] = item_name
        if aggregates and aggregates[0].value is not None:
            extra["aggregate_rating"] = aggregates[0].value
            extra["aggregate_count"] = aggregates[0].count
        review_url = node.get("url") if isinstance(node.get("url"), str) else page_url
        items.append(
            MentionItem(
                external_id=external_id,
                url=str(review_url),
                text=body,
                title=title,
                author=author,
                published_at=published,
                rating=_rating(node.get("reviewRating")),
                language=language,
                extra=extra,
            )
        )
    return items
