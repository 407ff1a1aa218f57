"""schema.org ``Review`` and ``AggregateRating`` from JSON-LD and microdata, via extruct.

extruct's ``uniform=True`` output gives microdata the JSON-LD shape, so one walker reads
both: it visits every node (``@graph``, nested ``review`` lists, ``itemReviewed``) and
keeps nodes whose ``@type`` is ``Review`` (or a subtype ending in "Review"), and nodes
without any ``@type`` found under a ``review``/``reviews`` key (some sites, Yelp among
them, leave the type out there).

Text fields are HTML-unescaped (``&#339;`` → ``œ``, ``&amp;`` → ``&``): JSON-LD is
JSON, but many sites write HTML entities into its strings. A review with a star rating
and no text is kept (``extra["rating_only"] = True``), its label to come from the
rating. Verified purchase, helpful votes and the owner's reply, where a page gives them,
go to ``extra`` as ``verified``, ``helpful_votes`` and ``owner_reply``.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from spiders.extract import clean_text, fingerprint, language_code, parse_date, parse_rating
from spiders.items import MentionItem

logger = logging.getLogger(__name__)

SYNTAXES = ["json-ld", "microdata"]


#: Keys under which review objects sit, typed or not.
REVIEW_KEYS = frozenset({"review", "reviews"})


@dataclass(frozen=True, slots=True)
class AggregateRating:
    """A page's overall rating: ``value`` on a 1-5 scale, ``count`` reviews or ratings.

    ``raw_value``/``best``/``worst`` are the numbers as the page gives them (its own
    scale); ``rating_count`` and ``review_count`` are kept apart (``count`` is either).
    """

    value: float | None
    count: int | None
    item_name: str
    raw_value: float | None = None
    best: float | None = None
    worst: float | None = None
    rating_count: int | None = None
    review_count: int | None = None
    item_url: str | None = None


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
    for child, holder, _key in walk_keyed(node, parent):
        yield child, holder


def walk_keyed(
    node: Any, parent: Mapping[str, Any] | None = None, key: str | None = None
) -> Iterator[tuple[dict[str, Any], Mapping[str, Any] | None, str | None]]:
    """Like :func:`walk`, with the key the dict sits under in its parent (None at the top)."""
    if isinstance(node, list):
        for child in node:
            yield from walk_keyed(child, parent, key)
    elif isinstance(node, dict):
        yield node, parent, key
        for name, value in node.items():
            if isinstance(value, dict | list):
                yield from walk_keyed(value, node, str(name))


def unescape(value: str) -> str:
    """HTML entities in a JSON-LD string as text (``&#339;`` → ``œ``); twice-escaped
    ones (``&amp;#339;``) too."""
    text = html.unescape(value)
    return html.unescape(text) if "&" in text and text != value else text


def _name(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(n for n in (_name(v) for v in value) if n)
    if isinstance(value, dict):
        return clean_text(unescape(str(value.get("name") or "")))
    return clean_text(unescape(str(value or "")))


def _number(value: Any) -> float | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        return None


def _rating(value: Any) -> float | None:
    """Stars on a 1-5 scale from a ``Rating`` (or a bare value).

    With both ``worstRating`` and ``bestRating`` given, the scale is mapped linearly onto
    1-5 (IMDb's 1-10: 1 → 1.0, 10 → 5.0; the report normalizes aggregates the same way);
    with ``bestRating`` alone the value is scaled by it (8 of 10 → 4.0), default 5.
    """
    if isinstance(value, dict):
        raw = value.get("ratingValue")
        best_f = _number(value.get("bestRating"))
        worst_f = _number(value.get("worstRating"))
        number = _number(raw) if not isinstance(raw, dict) else None
        if (
            number is not None
            and best_f is not None
            and worst_f is not None
            and best_f > worst_f
            and (best_f, worst_f) != (5.0, 1.0)
            and worst_f <= number <= best_f
        ):
            return round(1.0 + 4.0 * (number - worst_f) / (best_f - worst_f), 2)
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
    """Every ``AggregateRating`` on the page (typed, or untyped under an
    ``aggregateRating`` key), with the name and URL of the item it rates."""
    found = []
    for node, parent, key in walk_keyed(nodes):
        types = _types(node)
        if "AggregateRating" not in types and not (not types and key == "aggregateRating"):
            continue
        rated = node.get("itemReviewed") or parent or {}
        rating_count = _count(node.get("ratingCount"))
        review_count = _count(node.get("reviewCount"))
        item_url = rated.get("url") if isinstance(rated, dict) else None
        found.append(
            AggregateRating(
                value=_rating(node),
                count=review_count if review_count is not None else rating_count,
                item_name=_name(rated.get("name") if isinstance(rated, dict) else rated),
                raw_value=_number(node.get("ratingValue")),
                best=_number(node.get("bestRating")),
                worst=_number(node.get("worstRating")),
                rating_count=rating_count,
                review_count=review_count,
                item_url=item_url if isinstance(item_url, str) else None,
            )
        )
    return found


def _helpful_votes(node: Mapping[str, Any]) -> int | None:
    """``upvoteCount``, or an ``interactionStatistic`` counting likes/agreements."""
    direct = _count(node.get("upvoteCount"))
    if direct is not None:
        return direct
    stats = node.get("interactionStatistic")
    for stat in stats if isinstance(stats, list) else [stats]:
        if not isinstance(stat, dict):
            continue
        kind = stat.get("interactionType")
        kind_name = _name(kind.get("@type") if isinstance(kind, dict) else kind)
        if kind_name.rsplit("/", 1)[-1] in ("LikeAction", "AgreeAction", "VoteAction"):
            return _count(stat.get("userInteractionCount"))
    return None


def _owner_reply(node: Mapping[str, Any], rated: Any) -> str | None:
    """The text of a ``comment`` on the review written by the reviewed business (its
    author is the item itself, an ``Organization``, or named like the item)."""
    comments = node.get("comment")
    item_name = _name(rated.get("name")) if isinstance(rated, dict) else ""
    for comment in comments if isinstance(comments, list) else [comments]:
        if not isinstance(comment, dict):
            continue
        author = comment.get("author")
        author_types = _types(author) if isinstance(author, dict) else []
        by_owner = (
            "Organization" in author_types
            or any(t.endswith("Business") or t == "Brand" for t in author_types)
            or (item_name and _name(author) == item_name)
        )
        text = clean_text(unescape(str(comment.get("text") or comment.get("description") or "")))
        if by_owner and text:
            return text
    return None


def _verified(node: Mapping[str, Any]) -> bool | None:
    """A verified-purchase flag where the page gives one (non-standard but common keys)."""
    for key in ("verifiedBuyer", "verifiedPurchase", "isVerified", "verified"):
        value = node.get(key)
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
    return None


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
    for node, parent, key in walk_keyed(nodes):
        types = _types(node)
        is_review = any(t.endswith("Review") for t in types) or (not types and key in REVIEW_KEYS)
        if not is_review or not ({"reviewRating", "reviewBody", "description"} & node.keys()):
            continue
        body = clean_text(unescape(str(node.get("reviewBody") or node.get("description") or "")))
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
        if not item_name and isinstance(parent, dict):
            # itemReviewed gives only a type and URL (IMDb): the review sits in its item
            item_name = _name(parent.get("name"))
        if item_name:
            extra["item_name"] = item_name
        if aggregates and aggregates[0].value is not None:
            extra["aggregate_rating"] = aggregates[0].value
            extra["aggregate_count"] = aggregates[0].count
        rating = _rating(node.get("reviewRating"))
        if not body and not title:
            if rating is None:
                continue  # nothing to keep: no text, no stars
            extra["rating_only"] = True
        helpful = _helpful_votes(node)
        if helpful is not None:
            extra["helpful_votes"] = helpful
        verified = _verified(node)
        if verified is not None:
            extra["verified"] = verified
        reply = _owner_reply(node, rated)
        if reply:
            extra["owner_reply"] = reply
        review_url = node.get("url") if isinstance(node.get("url"), str) else page_url
        items.append(
            MentionItem(
                external_id=external_id,
                url=str(review_url),
                text=body,
                title=title,
                author=author,
                published_at=published,
                rating=rating,
                engagement=helpful,
                language=language,
                extra=extra,
            )
        )
    return items
