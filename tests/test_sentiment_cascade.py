"""The cascade rule (fast model everywhere, accurate model for uncertain texts and every
candidate negative), with stand-ins for the rule and with the real shipped models."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from sentiment.base import Analyzer
from sentiment.cascade import CascadeAnalyzer, combine, escalate


class FixedModel:
    """Answers fixed probabilities per text (a dict) and records what it was asked."""

    def __init__(self, name: str, table: dict[str, Sequence[float]]) -> None:
        self.name, self.version = name, "0"
        self.table = table
        self.seen: list[str] = []
        self.metadata: dict[str, object] = {}

    @property
    def model(self) -> str:
        return f"{self.name}@0"

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return np.asarray([self.table[t] for t in texts], dtype=np.float64)

    def decide(self, probs: np.ndarray) -> np.ndarray:
        return np.asarray(np.argmax(probs, axis=1))


def test_escalate_uncertain_texts_and_every_negative() -> None:
    probs = np.asarray([[0.1, 0.1, 0.8], [0.3, 0.4, 0.3], [0.9, 0.05, 0.05], [0.05, 0.9, 0.05]])
    labels = probs.argmax(axis=1)
    assert escalate(probs, labels, threshold=0.7).tolist() == [False, True, True, False]
    assert escalate(probs, labels, threshold=0.7, negatives=False).tolist() == [
        False,
        True,
        False,
        False,
    ]
    assert escalate(probs, labels, threshold=0.0).tolist() == [False, False, True, False]
    assert escalate(np.zeros((0, 3)), np.zeros(0), threshold=0.7).tolist() == []


def test_combine_blends_and_applies_the_offset() -> None:
    fast = np.asarray([[0.6, 0.3, 0.1]])
    accurate = np.asarray([[0.2, 0.7, 0.1]])
    blended, labels = combine(fast, accurate, fast_weight=0.25)
    np.testing.assert_allclose(blended, [[0.3, 0.6, 0.1]])
    assert labels.tolist() == [1]
    _b, only_fast = combine(fast, accurate, fast_weight=1.0)
    assert only_fast.tolist() == [0]
    _b, with_offset = combine(
        np.asarray([[0.45, 0.4, 0.15]]),
        np.asarray([[0.45, 0.4, 0.15]]),
        fast_weight=0.5,
        class_offset=(0.0, 0.3, 0.0),
    )
    assert with_offset.tolist() == [1]


def test_only_escalated_texts_reach_the_accurate_model() -> None:
    fast = FixedModel(
        "fast",
        {
            "sure positive": (0.05, 0.05, 0.9),
            "unsure": (0.3, 0.4, 0.3),
            "negative": (0.8, 0.1, 0.1),
        },
    )
    accurate = FixedModel("acc", {"unsure": (0.1, 0.1, 0.8), "negative": (0.1, 0.85, 0.05)})
    cascade = CascadeAnalyzer(
        fast=fast, accurate=accurate, threshold=0.7, fast_weight=0.0, detect_language=False
    )
    assert isinstance(cascade, Analyzer)
    out = cascade.analyze(["sure positive", "unsure", "negative"], languages=["en", "fr", "ar"])
    assert accurate.seen == ["unsure", "negative"]
    assert [s.label for s in out] == ["positive", "positive", "neutral"]
    assert [s.model for s in out] == ["fast@0", cascade.model, cascade.model]
    assert [s.language for s in out] == ["en", "fr", "ar"]
    assert cascade.last_escalated_share == pytest.approx(2 / 3)
    assert cascade.analyze([], languages=[]) == []


def test_rule_defaults_come_from_the_accurate_models_metadata() -> None:
    accurate = FixedModel("acc", {})
    accurate.metadata = {
        "cascade": {"threshold": 0.55, "fast_weight": 0.4, "class_offset": [0, 0.1, 0]}
    }
    cascade = CascadeAnalyzer(fast=FixedModel("fast", {}), accurate=accurate)
    assert (cascade.threshold, cascade.fast_weight) == (0.55, 0.4)
    assert cascade.class_offset == (0.0, 0.1, 0.0)


@pytest.fixture(scope="module")
def real_cascade(tmp_path_factory: pytest.TempPathFactory) -> CascadeAnalyzer:
    from sentiment.accurate import AccurateAnalyzer

    accurate = AccurateAnalyzer(
        cache=tmp_path_factory.getbasetemp() / "e5cache", detect_language=False
    )
    return CascadeAnalyzer(accurate=accurate)


def test_real_cascade_and_per_brand_targets(real_cascade: CascadeAnalyzer) -> None:
    from brandpulse.analysis import classify_with_targets, plan_brand_targets

    texts = [
        "I love this phone, the camera is amazing!",
        "Напълно безсмислен филм.",
        "switched from Slack to Teams, Teams is so much better",
    ]
    plans = [None, None, plan_brand_targets(texts[2], ["Slack", "Teams"])]
    results, targets = classify_with_targets(real_cascade, texts, plans)
    assert [r.label for r in results[:2]] == ["positive", "negative"]
    assert results[1].model == real_cascade.model  # every fast negative is escalated
    assert targets[0] is None and targets[2] is not None
    assert targets[2]["Teams"].label == "positive" and targets[2]["Slack"].label == "negative"


def test_cascade_is_the_default_backend() -> None:
    from brandpulse.config import AnalysisConfig
    from sentiment.router import BACKENDS

    assert AnalysisConfig().backend == "cascade"
    assert {"cascade", "accurate"} <= set(BACKENDS)


def test_validation_figures_when_shared_data_is_present(real_cascade: CascadeAnalyzer) -> None:
    from sentiment.datasets import validation_sets
    from sentiment.evaluate import evaluate_one

    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    sets = {s.name: s for s in validation_sets(shared)} if shared.is_dir() else {}
    if "xlm-t/arabic" not in sets:
        pytest.skip("large-data evaluation: ../shared/data is absent")
    arabic = sets["xlm-t/arabic"].subset(range(120))
    result = evaluate_one(real_cascade, arabic)
    assert result.value > 50.0
