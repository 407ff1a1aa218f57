"""Match text to brands by their search terms, with exclusions and word boundaries.

"Apple" should match "Apple's new iPhone" but not "apple pie": give the brand
``terms=["Apple"]``, ``exclude=["apple pie", "apple juice"]`` and, for a short generic
name, ``case_sensitive=True``. Matching is on Unicode word boundaries by default, so
"Slack" does not match "slacking"; scripts without spaces (Chinese, Japanese, Thai)
need ``whole_word=False``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BrandTerms:
    """A brand's matching rules.

    Attributes:
        name: the brand's display name.
        terms: phrases that mean the brand (the name itself is not added implicitly).
        exclude: phrases that cancel a match when one of them covers the matched term.
        case_sensitive: match case exactly (default False).
        whole_word: require word boundaries around terms (default True).
        languages: ISO 639-1 codes to keep; empty keeps every language.
    """

    name: str
    terms: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    case_sensitive: bool = False
    whole_word: bool = True
    languages: tuple[str, ...] = ()


def _pattern(phrases: Iterable[str], *, case_sensitive: bool, whole_word: bool) -> re.Pattern[str]:
    parts = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in parts)
    if whole_word:
        body = rf"(?<!\w)(?:{body})(?!\w)"
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(body, flags)


class BrandMatcher:
    """Finds which brands a text mentions. Build once, call :meth:`match` per text."""

    def __init__(self, brands: Sequence[BrandTerms]) -> None:
        self.brands = tuple(brands)
        self._compiled = [
            (
                b,
                _pattern(b.terms, case_sensitive=b.case_sensitive, whole_word=b.whole_word),
                _pattern(b.exclude, case_sensitive=False, whole_word=b.whole_word)
                if b.exclude
                else None,
            )
            for b in self.brands
            if b.terms
        ]

    def match(self, *texts: str, language: str | None = None) -> tuple[str, ...]:
        """Brand names mentioned in any of ``texts`` (in config order).

        A term occurrence counts unless an exclusion phrase overlaps it; a brand with a
        language filter matches only when ``language`` is known and listed.
        """
        found = []
        joined = "\n".join(t for t in texts if t)
        for brand, pattern, exclude in self._compiled:
            if brand.languages and (language is None or language not in brand.languages):
                continue
            if _has_unexcluded_match(joined, pattern, exclude):
                found.append(brand.name)
        return tuple(found)


def _has_unexcluded_match(
    text: str, pattern: re.Pattern[str], exclude: re.Pattern[str] | None
) -> bool:
    excluded_spans = [m.span() for m in exclude.finditer(text)] if exclude else []
    for hit in pattern.finditer(text):
        start, end = hit.span()
        if not any(s <= start and end <= e for s, e in excluded_spans):
            return True
    return False
