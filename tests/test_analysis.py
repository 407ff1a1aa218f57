"""analyze_pending: one language-identification rule for routing and for what is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from brandpulse.analysis import analyze_pending
from sentiment.base import Sentiment
from sentiment.language import TRUSTED_CONFIDENCE, detect_language
from sentiment.router import RoutedAnalyzer
from storage import Mention, Repository

# Clearly positive for VADER (compound ≥ 0.7); English identified at 0.97 and at 0.62.
CONFIDENT_ENGLISH = "superb service, thanks a lot"
UNSURE_ENGLISH = "awesome app, love love love"


class RecordingAnalyzer:
    """Stands in for the multilingual model; records which texts reached it."""

    name = "recorder"
    version = "0"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        self.seen.extend(texts)
        langs = list(languages) if languages is not None else ["und"] * len(texts)
        return [Sentiment("positive", 0.5, 0.9, lang, "recorder@0") for lang in langs]


def _mention(i: int, text: str, language: str | None = None) -> Mention:
    return Mention(
        source="reviews",
        external_id=f"r{i}",
        url=f"https://example.com/r{i}",
        text=text,
        published_at=datetime(2026, 11, 20, tzinfo=UTC),
        brands=("Acme",),
        language=language,
    )


def test_only_confidently_identified_english_may_be_answered_by_vader(
    sqlite_repo: Repository,
) -> None:
    assert detect_language(CONFIDENT_ENGLISH).confidence >= TRUSTED_CONFIDENCE
    unsure = detect_language(UNSURE_ENGLISH)
    assert unsure.code == "en" and 0.5 <= unsure.confidence < TRUSTED_CONFIDENCE
    repo = sqlite_repo
    repo.sync_brands([("Acme", True)])
    repo.sync_source("reviews", "feed", expected_interval_s=3600)
    repo.save_mentions("reviews", [_mention(1, CONFIDENT_ENGLISH), _mention(2, UNSURE_ENGLISH)])
    model = RecordingAnalyzer()

    assert analyze_pending(repo, RoutedAnalyzer(fallback=model)) == 2

    assert model.seen == [UNSURE_ENGLISH]
    stored = {m.text: m for m in repo.mentions()}
    assert stored[CONFIDENT_ENGLISH].model.startswith("vader@")
    assert stored[UNSURE_ENGLISH].model == "recorder@0"
    # Both are recorded as English (the recording bar is lower than the routing bar).
    assert stored[UNSURE_ENGLISH].language == "en"


def test_declared_language_is_used_when_identification_is_unsure(
    sqlite_repo: Repository,
) -> None:
    repo = sqlite_repo
    repo.sync_brands([("Acme", True)])
    repo.sync_source("reviews", "feed", expected_interval_s=3600)
    short = "Acme 10/10"  # too short to identify with any confidence
    assert detect_language(short).confidence < 0.5
    repo.save_mentions("reviews", [_mention(1, short, language="de")])
    model = RecordingAnalyzer()
    analyze_pending(repo, RoutedAnalyzer(fallback=model))
    (stored,) = repo.mentions()
    assert stored.language == "de" and stored.model == "recorder@0"
