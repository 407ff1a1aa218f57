"""VADER backend: English word and emoji lexicon, fast (thousands of texts per second)."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import version as _pkg_version

from sentiment.base import Sentiment, label_from_score
from sentiment.language import resolve_languages


class VaderAnalyzer:
    """Classify with vaderSentiment's compound score.

    Args:
        threshold: |compound| below this is neutral (default 0.05, VADER's own cut-off).
        detect_language: when no languages are given, identify them (default True).
    """

    name = "vader"

    def __init__(self, *, threshold: float = 0.05, detect_language: bool = True) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._vader = SentimentIntensityAnalyzer()
        self._threshold = threshold
        self._detect = detect_language
        self.version = _pkg_version("vaderSentiment")

    @property
    def model(self) -> str:
        return f"{self.name}@{self.version}"

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        if languages is None and not self._detect:
            languages = ["en"] * len(texts)  # VADER is English-only: assume English
        languages = resolve_languages(texts, languages, detect=self._detect)
        results = []
        for text, lang in zip(texts, languages, strict=True):
            scores = self._vader.polarity_scores(text)
            compound = float(scores["compound"])
            label = label_from_score(compound, threshold=self._threshold)
            share = {"negative": scores["neg"], "neutral": scores["neu"], "positive": scores["pos"]}
            # VADER has no calibrated probability: use |compound| for polar labels and the
            # neutral share for neutral ones; both lie in [0, 1].
            confidence = abs(compound) if label != "neutral" else float(share["neutral"])
            results.append(Sentiment(label, compound, min(1.0, confidence), lang, self.model))
        return results
