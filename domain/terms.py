"""Brand terms: which phrases mean a brand, and where they sit in a text. One rule.

"Apple" should match "Apple's new iPhone" but not "apple pie": give the brand
``terms=["Apple"]``, ``exclude=["apple pie", "apple juice"]`` and, for a short generic
name, ``case_sensitive=True``. Matching is on Unicode word boundaries by default, so
"Slack" does not match "slacking"; scripts without spaces (Chinese, Japanese, Thai)
need ``whole_word=False``.

:func:`term_spans` is the one place that locates a brand in a text; brand assignment
(:class:`BrandMatcher`), per-brand sentiment segments and theme labels all use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

Span = tuple[int, int]


def term_pattern(
    phrases: Iterable[str], *, case_sensitive: bool = False, whole_word: bool = True
) -> re.Pattern[str] | None:
    """One regex matching any of ``phrases`` (longest first; inner white space flexible);
    None when there is no non-blank phrase."""
    parts = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    if not parts:
        return None
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in parts)
    if whole_word:
        body = rf"(?<!\w)(?:{body})(?!\w)"
    return re.compile(body, 0 if case_sensitive else re.IGNORECASE)


@dataclass(frozen=True)
class BrandTerms:
    """A brand's matching rules.

    Attributes:
        name: the brand's display name.
        terms: phrases that mean the brand (the name itself is not added implicitly).
        exclude: phrases that cancel a match when one of them covers the matched term
            (matched case-insensitively).
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

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """The compiled terms (None when the brand has no term)."""
        return term_pattern(
            self.terms, case_sensitive=self.case_sensitive, whole_word=self.whole_word
        )

    @cached_property
    def exclude_pattern(self) -> re.Pattern[str] | None:
        """The compiled exclusions (None when there are none)."""
        return term_pattern(self.exclude, case_sensitive=False, whole_word=self.whole_word)

    def spans(self, text: str) -> list[Span]:
        """Where the brand's terms occur in ``text``, minus hits an exclusion covers."""
        if self.pattern is None:
            return []
        excluded = (
            [m.span() for m in self.exclude_pattern.finditer(text)]
            if self.exclude_pattern is not None
            else []
        )
        return [
            hit.span()
            for hit in self.pattern.finditer(text)
            if not any(s <= hit.start() and hit.end() <= e for s, e in excluded)
        ]

    def accepts_language(self, language: str | None) -> bool:
        """False when the brand keeps only some languages and ``language`` is not one."""
        return not self.languages or (language is not None and language in self.languages)


def term_spans(text: str, brands: Sequence[BrandTerms]) -> dict[str, list[Span]]:
    """Where each brand sits in ``text``, overlaps resolved longest match first (so "Sony
    Ericsson" is not also "Sony"). Every brand is a key; brands absent map to ``[]``."""
    found = [(start, end, b.name) for b in brands for start, end in b.spans(text)]
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, name in found:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, name))
    out: dict[str, list[Span]] = {b.name: [] for b in brands}
    for start, end, name in sorted(taken):
        out[name].append((start, end))
    return out


def blank_spans(text: str, brand: BrandTerms) -> str:
    """``text`` with every occurrence of the brand's terms replaced by a space (a brand's
    own name is in all its mentions: it must not become a theme word)."""
    for start, end in reversed(brand.spans(text)):
        text = f"{text[:start]} {text[end:]}"
    return text


class BrandMatcher:
    """Finds which brands a text mentions. Build once, call :meth:`match` per text."""

    def __init__(self, brands: Sequence[BrandTerms]) -> None:
        self.brands = tuple(b for b in brands if b.pattern is not None)

    def match(self, *texts: str, language: str | None = None) -> tuple[str, ...]:
        """Brand names mentioned in any of ``texts`` (in config order).

        A term occurrence counts unless an exclusion phrase covers it; a brand with a
        language filter matches only when ``language`` is known and listed.
        """
        joined = "\n".join(t for t in texts if t)
        return tuple(
            b.name for b in self.brands if b.accepts_language(language) and b.spans(joined)
        )
