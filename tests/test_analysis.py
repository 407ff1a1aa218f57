"""analyze_pending: one language-identification rule for routing and for what is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from recording_analyzer import RecordingAnalyzer

from brandpulse.analysis import analyze_pending
from sentiment.base import Sentiment
from sentiment.language import TRUSTED_CONFIDENCE, detect_language
from sentiment.router import RoutedAnalyzer
from storage import Mention, Repository

# Clearly positive for VADER (compound ≥ 0.7); English identified at 0.97 and at 0.62.
CONFIDENT_ENGLISH = "superb service, thanks a lot"
UNSURE_ENGLISH = "awesome app, love love love"


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
    model = RecordingAnalyzer("positive")

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
    model = RecordingAnalyzer("positive")
    analyze_pending(repo, RoutedAnalyzer(fallback=model))
    (stored,) = repo.mentions()
    assert stored.language == "de" and stored.model == "recorder@0"


class KeywordAnalyzer:
    """A transparent stand-in: counts a few sentiment words; records every call."""

    name = "keywords"
    version = "0"
    POSITIVE = ("love", "better", "great")
    NEGATIVE = ("hate", "awful", "worse")

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        self.calls.append(list(texts))
        out = []
        for text in texts:
            low = text.lower()
            score = sum(w in low for w in self.POSITIVE) - sum(w in low for w in self.NEGATIVE)
            label = "positive" if score > 0 else "negative" if score < 0 else "neutral"
            out.append(Sentiment(label, float(score) / 2, 0.9, "en", "keywords@0"))
        return out


def test_multi_brand_mentions_get_per_brand_results_in_the_same_batch_call(
    sqlite_repo: Repository,
) -> None:
    repo = sqlite_repo
    repo.sync_brands([("Apex", True), ("Amazon", False)])
    repo.sync_source("reviews", "feed", expected_interval_s=3600)
    # Real review snippets (VADER ICWSM 2014 Amazon set, ids 18_10 and 5_5).
    both = "i hate apex but love amazon, and i tell everyone."
    single = "the apex 2600 is actually ruining my media."
    repo.save_mentions(
        "reviews",
        [
            Mention("reviews", "a1", "https://example.com/1", both, brands=("Apex", "Amazon")),
            Mention("reviews", "a2", "https://example.com/2", single, brands=("Apex",)),
        ],
    )
    model = KeywordAnalyzer()
    assert analyze_pending(repo, model, brand_terms={"Apex": ["apex"]}) == 2
    assert len(model.calls) == 1, "segments are classified with the batch, not per mention"
    assert model.calls[0][:2] == [both, single]
    assert set(model.calls[0][2:]) == {"i hate apex", "but love amazon and i tell everyone."}
    stored = {m.external_id: m for m in repo.mentions()}
    assert stored["a1"].label == "neutral", "the mention label is kept as it was"
    per_brand = {b.brand: (b.method, b.label) for b in stored["a1"].brand_sentiments}
    assert per_brand == {"Apex": ("segment", "negative"), "Amazon": ("segment", "positive")}
    assert stored["a2"].brand_sentiments == ()
    counts = {c.brand: (c.positive, c.neutral, c.negative) for c in repo.brand_counts()}
    assert counts == {"Apex": (0, 1, 1), "Amazon": (1, 0, 0)}  # "ruining": no keyword
    # A second run finds nothing left to do.
    assert analyze_pending(repo, model) == 0 and len(model.calls) == 1


def test_shouted_text_is_identified_in_its_own_language() -> None:
    """A real Bulgarian review, half in capitals (bulgarian/train.csv, data row 4818):
    fastText read the capitals as Russian; lower-cased first, it is Bulgarian."""
    guess = detect_language("Не ходете в това ТЪПАНАРСКО КИНО АРЕНА В МЛАДОСТ")
    assert guess.code == "bg", guess
    # Ordinary case is left alone.
    assert detect_language("Не ходете в това кино, никога повече!").code == "bg"
