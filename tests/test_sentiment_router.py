"""Routing between VADER and the multilingual model, and the backend factory."""

from __future__ import annotations

import pytest
from recording_analyzer import RecordingAnalyzer

from sentiment.base import Analyzer
from sentiment.router import RoutedAnalyzer, build_analyzer
from sentiment.vader import VaderAnalyzer


def test_clearly_positive_english_goes_to_vader_everything_else_to_model() -> None:
    model = RecordingAnalyzer()
    router = RoutedAnalyzer(fallback=model)
    texts = [
        "I absolutely love this phone, the camera is amazing and the battery is great!",
        "This is the worst customer service I have ever had, terrible and rude.",
        "Der Kundendienst war furchtbar und unfreundlich.",
        "The meeting is on Tuesday at 3pm.",
        "",
    ]
    out = router.analyze(texts)
    assert len(out) == len(texts)
    assert out[0].model.startswith("vader@") and out[0].label == "positive"
    assert out[0].language == "en"
    assert model.seen == texts[1:]
    assert [s.model for s in out[1:]] == ["recorder@0"] * 4
    assert out[2].language == "de"
    assert router.last_vader_share == pytest.approx(0.2)


def test_known_languages_are_used_without_detection() -> None:
    model = RecordingAnalyzer()
    router = RoutedAnalyzer(fallback=model)
    text = "I absolutely love this phone, the camera is amazing!"
    out = router.analyze([text, text], languages=["en", "fr"])
    assert out[0].model.startswith("vader@")
    assert out[1].model == "recorder@0" and out[1].language == "fr"
    with pytest.raises(ValueError):
        router.analyze([text], languages=["en", "en"])


def test_threshold_above_one_disables_vader() -> None:
    model = RecordingAnalyzer()
    router = RoutedAnalyzer(fallback=model, vader_accept_above=1.01)
    out = router.analyze(["I absolutely love this phone, the camera is amazing!"])
    assert out[0].model == "recorder@0"


def test_factory_names() -> None:
    vader = build_analyzer("vader")
    assert isinstance(vader, VaderAnalyzer)
    with pytest.raises(ValueError, match="unknown sentiment backend"):
        build_analyzer("bert-please")
    with pytest.raises(TypeError):
        build_analyzer("transformers")  # model_dir is required


def test_factory_auto_and_multilingual_use_the_committed_head() -> None:
    auto = build_analyzer("auto", vader_accept_above=0.6)
    assert isinstance(auto, RoutedAnalyzer) and isinstance(auto, Analyzer)
    assert auto.name == "auto" and "multilingual" in auto.version
    multi = build_analyzer("multilingual")
    assert multi.name == "multilingual"
    out = auto.analyze(
        ["Напълно безсмислен филм.", "I absolutely love this phone, the camera is amazing!"]
    )
    assert out[0].label == "negative" and out[0].model.startswith("multilingual@")
    assert out[1].label == "positive" and out[1].model.startswith("vader@")
