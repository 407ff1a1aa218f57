"""Sentiment analysis: classify texts without touching the database.

Public surface::

    Sentiment          one result (label, score, confidence, language, model)
    Analyzer           the backend protocol (``analyze(texts, languages=...)``)
    VaderAnalyzer      English lexicon backend (fast path)
    detect_languages   language identification (fastText lid.176, bundled)
"""

from sentiment.base import LABELS, Analyzer, Label, Sentiment, label_from_score
from sentiment.language import LanguageGuess, detect_languages
from sentiment.vader import VaderAnalyzer

__all__ = [
    "LABELS",
    "Analyzer",
    "Label",
    "LanguageGuess",
    "Sentiment",
    "VaderAnalyzer",
    "detect_languages",
    "label_from_score",
]
