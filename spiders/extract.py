"""Locale-aware parsing of the bits review pages show as text: stars, dates, vote counts.

Nothing here assumes English: ratings read "4.0 out of 5 stars", "4,0 su 5 stelle",
"5 von 5 Sternen" or "5つ星のうち4.0" alike; dates go through dateparser with the page's
language; counts accept "1,234", "1.234" and number words for one ("One", "Eine", "Una").
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_DIGITS = re.compile(r"\d[\d.,\u00a0\u202f' ]*")
_SPACE = re.compile(r"[^\S\n]+")
_BREAKS = re.compile(r"<br\s*/?>|</(?:p|div|li|h\d)>", re.IGNORECASE)
#: Words for "one" in helpful-vote sentences ("One person found this helpful").
_ONE_WORDS = frozenset(
    {"one", "a", "an", "eine", "einer", "ein", "una", "uno", "un", "une", "um", "uma", "een"}
)
_DATE_SETTINGS: dict[str, Any] = {
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "RETURN_AS_TIMEZONE_AWARE": True,
    "PREFER_DAY_OF_MONTH": "first",
    "REQUIRE_PARTS": ["day", "month", "year"],
}


def clean_text(parts: Iterable[str] | str | None) -> str:
    """Join text nodes and collapse runs of spaces; keeps paragraph breaks as ``\\n``."""
    if parts is None:
        return ""
    if isinstance(parts, str):
        parts = [parts]
    lines = "".join(parts).splitlines()
    return "\n".join(line for line in (_SPACE.sub(" ", ln).strip() for ln in lines) if line)


def html_text(html: str | Iterable[str] | None) -> str:
    """Plain text of an HTML fragment: ``<br>`` and block ends become line breaks."""
    from w3lib.html import remove_tags, replace_entities

    if html is None:
        return ""
    raw = html if isinstance(html, str) else "".join(html)
    raw = _BREAKS.sub("\n", raw)
    return clean_text(replace_entities(remove_tags(raw)))


def parse_rating(value: Any, *, best: float | None = None) -> float | None:
    """Stars on a 1-5 scale from a number or a localized phrase; None when unreadable.

    With two numbers in the phrase the larger is the scale and the smaller the rating
    (so word order does not matter); ``best`` forces the scale (default 5). Decimal
    commas are read as points. Values are scaled to 5 ("8/10" → 4.0).
    """
    if value is None or isinstance(value, bool):
        return None
    numbers: list[float]
    if isinstance(value, int | float):
        numbers = [float(value)]
    else:
        numbers = [float(n.replace(",", ".")) for n in _NUMBER.findall(str(value))]
    if not numbers:
        return None
    if len(numbers) >= 2 and best is None:
        rating, scale = min(numbers[:2]), max(numbers[:2])
    else:
        rating, scale = numbers[0], float(best or 5)
    if scale <= 0:
        return None
    stars = round(rating * 5 / scale, 2) if scale != 5 else rating
    return stars if 0 < stars <= 5 else None


def parse_count(text: str | None) -> int | None:
    """An integer count from "1,234 people found this helpful", "Eine Person ..." etc."""
    if not text:
        return None
    match = _DIGITS.search(text)
    if match:
        digits = re.sub(r"\D", "", match.group())
        return int(digits) if digits else None
    first = text.strip().split(maxsplit=1)[0].casefold() if text.strip() else ""
    return 1 if first in _ONE_WORDS else None


def parse_date(text: str | None, *, languages: Iterable[str | None] = ()) -> datetime | None:
    """A timezone-aware UTC datetime from an ISO timestamp or a localized date phrase.

    Phrases such as "Reviewed in Germany on 5 March 2024" or "Rezension aus Deutschland
    vom 5. März 2024" are read by trying their last words first, then dateparser's
    search. Dates without a time are midnight UTC. ``languages`` are ISO 639-1 hints.
    """
    if not text or not text.strip():
        return None
    text = text.strip()
    iso = _parse_iso(text)
    if iso is not None:
        return iso
    hinted = sorted({lang for lang in languages if lang}) or None
    found = _parse_phrase(text, hinted)
    if found is None and hinted is not None:  # e.g. an English line on a German page
        found = _parse_phrase(text, None, search=False)
    if found is None:
        logger.debug("unreadable date %r (languages %s)", text, hinted)
    return found


def _parse_phrase(text: str, langs: list[str] | None, *, search: bool = True) -> datetime | None:
    import dateparser  # imported lazily: it takes a moment to load
    from dateparser.search import search_dates

    words = text.split()
    for size in (3, 4, 5, 2):
        if size > len(words):
            continue
        try:
            found = dateparser.parse(
                " ".join(words[-size:]), languages=langs, settings=_DATE_SETTINGS
            )
        except (ValueError, LookupError):
            found = None
        if found is not None:
            return found.astimezone(UTC)
    if not search:  # searching without a language hint tries every language: slow
        return None
    try:
        hits = search_dates(text, languages=langs, settings=_DATE_SETTINGS)
    except (ValueError, LookupError):
        hits = None
    if hits:
        return hits[-1][1].astimezone(UTC)
    return None


def _parse_iso(text: str) -> datetime | None:
    candidate = text[:-1] + "+00:00" if text.endswith("Z") else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


#: Language names some sites write instead of a code (IMDb's ``"inLanguage": "English"``).
_LANGUAGE_NAMES = {
    "english": "en", "german": "de", "deutsch": "de", "french": "fr", "français": "fr",
    "spanish": "es", "español": "es", "italian": "it", "italiano": "it",
    "portuguese": "pt", "português": "pt", "dutch": "nl", "nederlands": "nl",
    "japanese": "ja", "polish": "pl", "polski": "pl", "swedish": "sv", "svenska": "sv",
}  # fmt: skip


def language_code(tag: str | None) -> str | None:
    """ISO 639-1 code from a language tag (``"de-DE"`` → ``"de"``) or a language's name
    (``"English"`` → ``"en"``, for the names in ``_LANGUAGE_NAMES``); None when absent or
    unknown."""
    if not tag:
        return None
    named = _LANGUAGE_NAMES.get(tag.strip().casefold())
    if named:
        return named
    code = re.split(r"[-_]", tag.strip())[0].casefold()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def fingerprint(*parts: Any) -> str:
    """A stable id (``"sha1:<hex>"``) for items the site gives no id for."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return "sha1:" + hashlib.sha1(joined.encode()).hexdigest()
