"""Language routing and the backend factory.

:class:`RoutedAnalyzer` detects each text's language once, lets VADER answer only where it
is both cheap and trustworthy (confidently English text that VADER scores clearly positive)
and sends everything else, including every text that might be negative and so might raise
an alert, to the multilingual model.

:func:`build_analyzer` is what the composition root calls with the configured backend name.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sentiment.base import Analyzer, Sentiment
from sentiment.language import TRUSTED_CONFIDENCE, detect_languages
from sentiment.vader import VaderAnalyzer

logger = logging.getLogger(__name__)

BACKENDS = ("cascade", "auto", "vader", "multilingual", "accurate", "transformers")


class RoutedAnalyzer:
    """VADER for confident, clearly positive English; ``fallback`` for everything else.

    Args:
        fallback: the accurate backend (default: a new
            :class:`~sentiment.multilingual.MultilingualAnalyzer`).
        vader: the fast English backend (default: a new :class:`VaderAnalyzer`).
        min_language_confidence: language-ID probability needed to trust a detected "en"
            (default :data:`~sentiment.language.TRUSTED_CONFIDENCE`, 0.8). Languages passed
            to :meth:`analyze` are trusted as given: a caller that identifies languages itself
            passes a code only where it is at least this sure (see
            :func:`~sentiment.language.language_or_fallback`), ``und`` elsewhere.
        vader_accept_above: VADER compound score at or above which VADER's answer is kept
            (default 0.7, "clearly positive": on the validation sets 0.7 cost no TweetEval
            macro-recall, 0.5 cost 0.9 points, 0.3 cost 1.7); anything lower goes to ``fallback``.
    """

    name = "auto"

    def __init__(
        self,
        *,
        fallback: Analyzer | None = None,
        vader: VaderAnalyzer | None = None,
        min_language_confidence: float = TRUSTED_CONFIDENCE,
        vader_accept_above: float = 0.7,
    ) -> None:
        if fallback is None:
            from sentiment.multilingual import MultilingualAnalyzer

            fallback = MultilingualAnalyzer()
        self._fallback = fallback
        self._vader = vader or VaderAnalyzer(detect_language=False)
        self._min_conf = min_language_confidence
        self._accept = vader_accept_above
        self.version = f"{fallback.name}-{fallback.version}+vader-{self._vader.version}"
        #: Validation texts the fallback model was trained on (see ``sentiment.evaluate``).
        self.seen_validation: dict[str, frozenset[str]] = dict(
            getattr(fallback, "seen_validation", {})
        )
        self.last_vader_share = 0.0

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        """Classify texts; each result's ``model`` names the backend that produced it."""
        texts = list(texts)
        if languages is None:
            guesses = detect_languages(texts)
            langs = [g.code for g in guesses]
            confident = [g.code == "en" and g.confidence >= self._min_conf for g in guesses]
        else:
            if len(languages) != len(texts):
                raise ValueError("languages must have the same length as texts")
            langs = list(languages)
            confident = [code == "en" for code in langs]
        results: list[Sentiment | None] = [None] * len(texts)
        english = [i for i, ok in enumerate(confident) if ok]
        if english:
            vader_out = self._vader.analyze(
                [texts[i] for i in english], languages=["en"] * len(english)
            )
            for i, res in zip(english, vader_out, strict=True):
                if res.score >= self._accept:
                    results[i] = res
        rest = [i for i, r in enumerate(results) if r is None]
        if rest:
            fb_out = self._fallback.analyze(
                [texts[i] for i in rest], languages=[langs[i] for i in rest]
            )
            for i, res in zip(rest, fb_out, strict=True):
                results[i] = res
        self.last_vader_share = (len(texts) - len(rest)) / len(texts) if texts else 0.0
        return [r for r in results if r is not None]


def build_analyzer(backend: str = "auto", **options: Any) -> Analyzer:
    """Build the configured backend.

    Args:
        backend: ``cascade`` (the default: multilingual model, accurate e5 model for
            uncertain texts and candidate negatives), ``auto`` (router: VADER +
            multilingual), ``vader``, ``multilingual``, ``accurate`` (fine-tuned e5 on
            onnxruntime) or ``transformers``.
        **options: passed to the backend's constructor; for ``auto`` the keys
            ``min_language_confidence`` and ``vader_accept_above`` go to the router and the
            rest (e.g. ``model_path``, ``threads``) to the multilingual model; ``transformers``
            needs ``model_dir``.

    Raises:
        ValueError: unknown backend name.
    """
    name = backend.strip().lower()
    if name == "vader":
        return VaderAnalyzer(**options)
    if name == "multilingual":
        from sentiment.multilingual import MultilingualAnalyzer

        return MultilingualAnalyzer(**options)
    if name == "accurate":
        from sentiment.accurate import AccurateAnalyzer

        return AccurateAnalyzer(**options)
    if name == "cascade":
        from sentiment.cascade import CascadeAnalyzer

        return CascadeAnalyzer(**options)
    if name == "transformers":
        from sentiment.transformers_backend import TransformersAnalyzer

        return TransformersAnalyzer(**options)
    if name == "auto":
        from sentiment.multilingual import MultilingualAnalyzer

        router_keys = ("min_language_confidence", "vader_accept_above")
        router_opts = {k: options.pop(k) for k in router_keys if k in options}
        return RoutedAnalyzer(fallback=MultilingualAnalyzer(**options), **router_opts)
    raise ValueError(f"unknown sentiment backend {backend!r}; expected one of {BACKENDS}")
