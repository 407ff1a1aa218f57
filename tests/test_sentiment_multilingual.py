"""The default backend with the real committed head (no mocks)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sentiment.base import LABELS, Analyzer
from sentiment.multilingual import DEFAULT_MODEL, MultilingualAnalyzer, load_artifact

# Real validation examples (XLM-T Arabic val; Bulgarian dev), all labeled negative.
ARABIC_NEGATIVE = [
    "ويندوز 10 بيعمل تقريبا كل حاجه بمزاجه والموضوع مخيف",
    "RT @user: آيفون 7 يعاني من 7 عيوب مزعجة وصادمة للمستخدمين !http #آيفون7 http",
    "@user يعني احنا نخلص من حرب داعش وانطب بحرب وي تركيا للاسف الحروب تتبعنا بكل مكان مافي يوم"
    " العراق يضل بدون حرب الله يلعن الأتراك",
]
BULGARIAN_NEGATIVE = [
    "Най-голямото ми разочарование за филм.Бързали са да притупат края.Очаквах много повече",
    "Напълно безсмислен филм.",
    "Изобщо не ми хареса. Не се препоръчва за лица над 12 годишна възраст!",
    "Сравнително слаб филм. Не оставя нищо след себе си",
]
POSITIVE = ["Невероятен и завладяващ филм!", "I love this phone, the camera is amazing!"]


@pytest.fixture(scope="module")
def analyzer() -> MultilingualAnalyzer:
    return MultilingualAnalyzer()


def test_committed_artifact_is_small_and_consistent() -> None:
    assert DEFAULT_MODEL.stat().st_size < 5_000_000
    meta = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text(encoding="utf-8"))
    head, recipe, loaded = load_artifact(DEFAULT_MODEL)
    assert loaded == meta
    assert head.w_dense.shape == (recipe.dense_dim, 3)
    assert head.w_sparse.shape == (recipe.sparse_dim, 3)
    assert meta["training_sets"]["xlm-t/english"]["dropped_overlapping_validation"] > 1000
    assert meta["training_sets"]["xlm-t/english"]["used"] == 0
    assert not any("val" in name or "tweeteval" in name for name in meta["training_sets"])


def test_contract(analyzer: MultilingualAnalyzer) -> None:
    assert isinstance(analyzer, Analyzer)
    texts = ["", "   ", "http://x.y", "😡😡😡", *POSITIVE, "a" * 5000]
    out = analyzer.analyze(texts)
    assert len(out) == len(texts)
    probs = analyzer.probabilities(texts)
    for s, row in zip(out, probs, strict=True):
        assert s.label in LABELS
        assert -1.0 <= s.score <= 1.0 and 0.0 <= s.confidence <= 1.0
        assert s.score == pytest.approx(row[2] - row[0], abs=1e-6)
        assert s.confidence == pytest.approx(row[LABELS.index(s.label)], abs=1e-6)
        assert s.model == f"multilingual@{analyzer.version}"
    assert out[0].language == "und"
    given = analyzer.analyze(["Hola"], languages=["es"])
    assert given[0].language == "es"
    with pytest.raises(ValueError):
        analyzer.analyze(["a", "b"], languages=["en"])
    assert analyzer.analyze([]) == []


def test_batching_does_not_change_results(analyzer: MultilingualAnalyzer) -> None:
    texts = ARABIC_NEGATIVE + BULGARIAN_NEGATIVE + POSITIVE
    together = analyzer.probabilities(texts)
    alone = np.vstack([analyzer.probabilities([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_arabic_and_bulgarian_negatives_detected(analyzer: MultilingualAnalyzer) -> None:
    out = analyzer.analyze(ARABIC_NEGATIVE + BULGARIAN_NEGATIVE)
    arabic, bulgarian = out[: len(ARABIC_NEGATIVE)], out[len(ARABIC_NEGATIVE) :]
    # Every score leans negative; labels may miss one borderline Arabic headline-style tweet
    # (VADER, the old default, scores all of these 0.0 and labels them neutral).
    assert all(s.score < 0 for s in out)
    assert sum(s.label == "negative" for s in arabic) >= len(arabic) - 1
    assert [s.label for s in bulgarian] == ["negative"] * len(bulgarian)
    assert [s.language for s in arabic] == ["ar"] * len(arabic)


def test_clear_positives(analyzer: MultilingualAnalyzer) -> None:
    out = analyzer.analyze(POSITIVE)
    assert [s.label for s in out] == ["positive", "positive"]


def test_load_is_timed_and_reported(analyzer: MultilingualAnalyzer) -> None:
    # Not a timing assertion: the figure exists and is plausible (the benchmark measures it).
    assert 0.0 < analyzer.load_seconds < 600


def test_missing_artifact_gives_actionable_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"sentiment\.train"):
        MultilingualAnalyzer(model_path=tmp_path / "nope.npz")
