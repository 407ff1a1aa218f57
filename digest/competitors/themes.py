"""Themes as the report shows them (with linked examples) and the opportunities found by
comparing the own brands' negative themes with the competitors' praised ones."""

from __future__ import annotations

import re
from collections.abc import Sequence

from digest.build import snippet
from digest.competitors.model import (
    BrandBenchmark,
    ExampleView,
    Opportunity,
    ThemeInput,
    ThemeView,
)
from storage.records import StoredMention

#: Characters of a theme example's snippet.
EXAMPLE_CHARS = 220


def _example(m: StoredMention) -> ExampleView:
    when = m.published_at or m.collected_at
    return ExampleView(
        url=m.url,
        source=m.source,
        published=when.strftime("%Y-%m-%d"),
        snippet=snippet(m, limit=EXAMPLE_CHARS),
        rating=m.rating,
    )


def theme_view(t: ThemeInput) -> ThemeView:
    return ThemeView(t.label, t.keywords, t.count, tuple(_example(m) for m in t.examples[:3]))


def _stems(*terms: str) -> set[str]:
    """Word stems of terms: casefolded words of 3+ letters cut to their first 5 letters."""
    words = {w for term in terms for w in re.findall(r"\w+", term)}
    return {w.casefold()[:5] for w in words if len(w) > 2}


def _label_stems(theme: ThemeView) -> set[str]:
    return _stems(theme.label)


def _top_stems(theme: ThemeView) -> set[str]:
    return _stems(theme.label, *theme.keywords[:3])


def find_opportunities(brands: Sequence[BrandBenchmark]) -> list[Opportunity]:
    """Pairs (own negative theme, competitor praised theme) where one theme's name shares
    a word stem with the other's name or top three terms: what customers praise in a
    competitor and complain about in the own brand."""
    out = []
    for own in (b for b in brands if b.is_own):
        for complaint in own.negative_themes:
            for rival in (b for b in brands if not b.is_own):
                for praise in rival.praised_themes:
                    shared = (_label_stems(complaint) & _top_stems(praise)) | (
                        _top_stems(complaint) & _label_stems(praise)
                    )
                    if shared:
                        terms = tuple(
                            sorted(
                                w
                                for term in (praise.label, *praise.keywords[:3])
                                for w in re.findall(r"\w+", term)
                                if w.casefold()[:5] in shared
                            )
                        )
                        out.append(
                            Opportunity(
                                own.brand,
                                complaint.label,
                                complaint.count,
                                rival.brand,
                                praise.label,
                                praise.count,
                                tuple(dict.fromkeys(terms)),
                            )
                        )
    out.sort(key=lambda o: (-(o.own_count + o.competitor_count), o.own_theme, o.competitor))
    return out
