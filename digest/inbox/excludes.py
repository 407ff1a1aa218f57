"""Learning from dismissals: the ``exclude`` phrase to add to a brand, from the mentions
dismissed as "not our brand"."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class ExcludeSuggestion:
    """An ``exclude`` phrase for a brand, with the evidence.

    Attributes:
        brand: the brand whose ``exclude`` list would get the phrase.
        phrase: lower-cased phrase around the brand term ("slack adjuster").
        dismissed: dismissed ("not our brand") mentions containing it.
        kept: the brand's other mentions containing it (0 = it never names the brand).
        example_ids: mention ids of dismissed mentions containing it.
    """

    brand: str
    phrase: str
    dismissed: int
    kept: int
    example_ids: tuple[int, ...] = ()

    @property
    def config_line(self) -> str:
        return f'exclude = [..., "{self.phrase}"]'


def _stopwords() -> frozenset[str]:
    try:
        import stopwordsiso

        return frozenset(stopwordsiso.stopwords(["en", "de", "fr", "es", "it", "pt", "bg"]))
    except Exception:  # stopword lists are a nicety, never a failure
        return frozenset({"the", "a", "an", "of", "and", "or", "to", "in", "on", "for", "is"})


def _candidates(text: str, terms: Sequence[str]) -> set[str]:
    """Phrases of a brand term with one neighbouring word (left or right), lower-cased."""
    words = [w.casefold() for w in _WORD.findall(text)]
    stop = _stopwords()
    found: set[str] = set()
    for term in terms:
        term_words = [w.casefold() for w in _WORD.findall(term)]
        n = len(term_words)
        if not n:
            continue
        for i in range(len(words) - n + 1):
            if words[i : i + n] != term_words:
                continue
            if i > 0 and words[i - 1] not in stop and not words[i - 1].isdigit():
                found.add(" ".join([words[i - 1], *term_words]))
            if i + n < len(words) and words[i + n] not in stop and not words[i + n].isdigit():
                found.add(" ".join([*term_words, words[i + n]]))
    return found


def suggest_excludes(
    brand: str,
    terms: Sequence[str],
    dismissed: Iterable[tuple[int, str]],
    kept: Iterable[str],
    *,
    existing: Iterable[str] = (),
    limit: int = 3,
) -> list[ExcludeSuggestion]:
    """The most distinctive phrases around the brand's terms in dismissed texts.

    A candidate is a brand term with its neighbouring word (stop words skipped), e.g.
    "slack adjuster" or "automotive slack". It is suggested when it appears in the
    dismissed mentions more often, relative to their number, than in the brand's kept
    mentions (at least 3 times the rate, and never in more than 2 % of kept ones), best
    first: most dismissed mentions, then fewest kept ones.

    Args:
        brand: the brand name.
        terms: the brand's configured terms.
        dismissed: ``(mention id, text)`` of mentions dismissed as not our brand.
        kept: texts of the brand's other mentions (not dismissed).
        existing: the brand's current ``exclude`` phrases (never suggested again).
        limit: at most this many suggestions (default 3).
    """
    have = {e.casefold() for e in existing}
    dismissed = list(dismissed)
    in_dismissed: Counter[str] = Counter()
    examples: dict[str, list[int]] = {}
    for mention_id, text in dismissed:
        for phrase in _candidates(text, terms):
            in_dismissed[phrase] += 1
            examples.setdefault(phrase, []).append(mention_id)
    if not in_dismissed:
        return []
    kept_texts = list(kept)
    in_kept: Counter[str] = Counter()
    for text in kept_texts:
        for phrase in _candidates(text, terms) & set(in_dismissed):
            in_kept[phrase] += 1
    rate_kept = max(1, len(kept_texts))
    out = []
    for phrase, count in in_dismissed.items():
        if phrase in have:
            continue
        k = in_kept[phrase]
        if k and (k / rate_kept > 0.02 or count / len(dismissed) < 3 * k / rate_kept):
            continue
        out.append(ExcludeSuggestion(brand, phrase, count, k, tuple(examples[phrase][:5])))
    out.sort(key=lambda s: (-s.dismissed, s.kept, -len(s.phrase), s.phrase))
    return out[:limit]
