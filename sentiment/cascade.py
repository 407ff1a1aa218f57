"""The cascade (default backend): the fast model for every text, the accurate one where needed.

Rule (:func:`escalate`, :func:`combine`): the fast multilingual model
(:class:`~sentiment.multilingual.MultilingualAnalyzer`, about 500 texts/s) classifies every
text. A text is *escalated* to the accurate fine-tuned e5 model
(:class:`~sentiment.accurate.AccurateAnalyzer`, about 60 texts/s) when the fast model's top
probability is under ``threshold`` or when the fast model calls it negative (every candidate
alert gets the second opinion). An escalated text's probabilities are
``fast_weight * fast + (1 - fast_weight) * accurate``, and its label is the arg-max of their
log plus ``class_offset``. Defaults come from the accurate model's metadata (``cascade``),
chosen on the validation splits by ``python -m sentiment.calibrate``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from sentiment.base import Sentiment, sentiment_from_probabilities
from sentiment.datasets import NEG
from sentiment.language import resolve_languages

logger = logging.getLogger(__name__)

#: Fallbacks when the accurate model's metadata has no ``cascade`` entry.
DEFAULT_THRESHOLD = 0.7
DEFAULT_FAST_WEIGHT = 0.3


def escalate(
    fast_probs: np.ndarray, fast_labels: np.ndarray, *, threshold: float, negatives: bool = True
) -> np.ndarray:
    """Boolean mask of the texts the accurate model must see: top probability under
    ``threshold`` (in [0, 1]), or (``negatives``, default True) a negative fast label."""
    probs = np.asarray(fast_probs)
    mask = probs.max(axis=1) < threshold if len(probs) else np.zeros(0, dtype=bool)
    if negatives:
        mask |= np.asarray(fast_labels) == NEG
    return np.asarray(mask, dtype=bool)


def combine(
    fast_probs: np.ndarray,
    accurate_probs: np.ndarray,
    *,
    fast_weight: float,
    class_offset: Sequence[float] = (0.0, 0.0, 0.0),
) -> tuple[np.ndarray, np.ndarray]:
    """(blended probabilities, labels) for escalated texts; see the module docstring."""
    blended = fast_weight * np.asarray(fast_probs) + (1.0 - fast_weight) * np.asarray(
        accurate_probs
    )
    labels = np.argmax(np.log(blended + 1e-12) + np.asarray(class_offset), axis=1)
    return blended, np.asarray(labels)


class CascadeAnalyzer:
    """Fast model everywhere, accurate model for uncertain texts and candidate negatives.

    Args:
        fast: the fast backend; needs ``probabilities(texts)`` and ``decide(probs)`` (default:
            a new :class:`~sentiment.multilingual.MultilingualAnalyzer`).
        accurate: the accurate backend, same interface (default: a new
            :class:`~sentiment.accurate.AccurateAnalyzer`).
        threshold: escalate when the fast top probability is under this (default: the
            accurate model's metadata, else :data:`DEFAULT_THRESHOLD`).
        fast_weight: the fast model's share of an escalated text's probabilities (default:
            metadata, else :data:`DEFAULT_FAST_WEIGHT`).
        escalate_negatives: also escalate every fast negative (default True).
        detect_language: identify languages when none are given (default True).
    """

    name = "cascade"

    def __init__(
        self,
        *,
        fast: Any | None = None,
        accurate: Any | None = None,
        threshold: float | None = None,
        fast_weight: float | None = None,
        escalate_negatives: bool = True,
        detect_language: bool = True,
    ) -> None:
        if fast is None:
            from sentiment.multilingual import MultilingualAnalyzer

            fast = MultilingualAnalyzer(detect_language=False)
        if accurate is None:
            from sentiment.accurate import AccurateAnalyzer

            accurate = AccurateAnalyzer(detect_language=False)
        self._fast = fast
        self._accurate = accurate
        rule = dict(getattr(accurate, "metadata", {}).get("cascade") or {})
        self.threshold = float(
            threshold if threshold is not None else rule.get("threshold", DEFAULT_THRESHOLD)
        )
        self.fast_weight = float(
            fast_weight if fast_weight is not None else rule.get("fast_weight", DEFAULT_FAST_WEIGHT)
        )
        self.class_offset = tuple(float(x) for x in rule.get("class_offset", (0.0, 0.0, 0.0)))
        self.escalate_negatives = escalate_negatives
        self._detect = detect_language
        self.version = f"{fast.name}-{fast.version}+{accurate.name}-{accurate.version}"
        self.seen_validation: dict[str, frozenset[str]] = dict(getattr(fast, "seen_validation", {}))
        #: Share of texts sent to the accurate model by the last :meth:`analyze` call.
        self.last_escalated_share = 0.0

    @property
    def model(self) -> str:
        """``name@version`` of escalated results (others carry the fast model's)."""
        return f"{self.name}@{self.version}"

    def probabilities(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(probabilities (n, 3), labels (n,), escalated mask (n,)) for ``texts``."""
        texts = list(texts)
        probs = np.asarray(self._fast.probabilities(texts), dtype=np.float64)
        labels = np.asarray(self._fast.decide(probs)) if len(texts) else np.zeros(0, dtype=np.int64)
        mask = escalate(probs, labels, threshold=self.threshold, negatives=self.escalate_negatives)
        rows = np.flatnonzero(mask)
        if len(rows):
            accurate = self._accurate.probabilities([texts[i] for i in rows])
            blended, decided = combine(
                probs[rows], accurate, fast_weight=self.fast_weight, class_offset=self.class_offset
            )
            probs[rows] = blended
            labels = labels.copy()
            labels[rows] = decided
        self.last_escalated_share = float(mask.mean()) if len(texts) else 0.0
        return probs, labels, mask

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        """Classify texts; escalated results carry :attr:`model`, the rest the fast model's."""
        texts = list(texts)
        langs = resolve_languages(texts, languages, detect=self._detect)
        probs, labels, mask = self.probabilities(texts)
        fast_model = getattr(self._fast, "model", f"{self._fast.name}@{self._fast.version}")
        return [
            sentiment_from_probabilities(
                row, int(k), language=lang, model=self.model if esc else fast_model
            )
            for row, k, lang, esc in zip(probs, labels, langs, mask, strict=True)
        ]
