"""The analyzer contract shared by every sentiment backend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# The labels are a domain rule; re-exported here where every backend imports them.
from domain.labels import LABELS as LABELS
from domain.labels import Label as Label


@dataclass(frozen=True, slots=True)
class Sentiment:
    """One classification result.

    Attributes:
        label: ``negative``, ``neutral`` or ``positive``.
        score: polarity in [-1, 1]; below 0 leans negative.
        confidence: the backend's confidence in ``label``, in [0, 1].
        language: ISO 639-1 code of the text (``und`` when unknown).
        model: ``name@version`` of the backend that produced it.
    """

    label: Label
    score: float
    confidence: float
    language: str
    model: str


@runtime_checkable
class Analyzer(Protocol):
    """A sentiment backend.

    ``analyze`` takes a batch of texts (and optionally their known languages, same
    length) and returns one :class:`Sentiment` per text, in the same order.
    """

    name: str
    version: str

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]: ...


def sentiment_from_probabilities(
    probabilities: Sequence[float], label_index: int, *, language: str, model: str
) -> Sentiment:
    """A result from class probabilities ordered as :data:`LABELS` (negative, neutral,
    positive): score = P(positive) - P(negative), confidence = P(chosen label)."""
    score = min(1.0, max(-1.0, float(probabilities[2]) - float(probabilities[0])))
    return Sentiment(LABELS[label_index], score, float(probabilities[label_index]), language, model)


def label_from_score(score: float, *, threshold: float = 0.05) -> Label:
    """Map a polarity score in [-1, 1] to a label; |score| < threshold is neutral.

    The default threshold 0.05 is VADER's documented cut-off for its compound score.
    """
    if score >= threshold:
        return "positive"
    if score <= -threshold:
        return "negative"
    return "neutral"
