"""A stand-in for the slow sentiment model in routing tests: records what reached it."""

from __future__ import annotations

from collections.abc import Sequence

from sentiment.base import Label, Sentiment


class RecordingAnalyzer:
    """Answers every text with one fixed ``label`` and records the texts it was given.

    Args:
        label: the label returned for every text (default ``negative``).
    """

    name = "recorder"
    version = "0"

    def __init__(self, label: Label = "negative") -> None:
        self.label: Label = label
        self.seen: list[str] = []

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        self.seen.extend(texts)
        langs = list(languages) if languages is not None else ["und"] * len(texts)
        score = -0.5 if self.label == "negative" else 0.5 if self.label == "positive" else 0.0
        return [Sentiment(self.label, score, 0.9, lang, "recorder@0") for lang in langs]
