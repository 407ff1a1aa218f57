"""Hugging Face sequence-classification backend (optional extra, offline only).

Install with ``pip install -e '.[transformers]'``. Models load only from a local directory
(``save_pretrained`` output) or from the local Hugging Face cache: ``HF_HUB_OFFLINE=1`` and
``local_files_only=True`` are always set, so nothing is downloaded.

Labels are read from the model's ``id2label`` (``negative``/``neutral``/``positive``, their
abbreviations, ``LABEL_0..2`` meaning negative/neutral/positive, or ``0..2``); binary models
(``LABEL_0``/``LABEL_1`` or negative/positive) have no neutral. ``score`` is
P(positive) - P(negative) and ``confidence`` the probability of the chosen label.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from domain.errors import ConfigError
from sentiment.base import LABELS, Label, Sentiment, sentiment_from_probabilities
from sentiment.language import resolve_languages

logger = logging.getLogger(__name__)

_NAMED: dict[str, Label] = {
    "negative": "negative",
    "neg": "negative",
    "neutral": "neutral",
    "neu": "neutral",
    "positive": "positive",
    "pos": "positive",
}


class TransformersUnavailableError(ConfigError):
    """torch or transformers is not installed (install the ``transformers`` extra).

    A :class:`~domain.errors.ConfigError`: the configured backend cannot run here (exit 2).
    """


def map_id2label(id2label: dict[int, str] | dict[str, str]) -> list[Label]:
    """Map a model's ``id2label`` to our labels, indexed by class id.

    Raises:
        ValueError: a label that cannot be mapped, or a mapping without negative/positive.
    """
    items = sorted((int(k), str(v)) for k, v in id2label.items())
    n = len(items)
    generic_3 = ("negative", "neutral", "positive")
    generic_2 = ("negative", "positive")
    out: list[Label] = []
    for idx, raw in items:
        key = raw.strip().lower()
        match = re.fullmatch(r"(?:label_?)?(\d+)", key)
        if key in _NAMED:
            out.append(_NAMED[key])
        elif match and n in (2, 3) and int(match.group(1)) < n:
            order = generic_3 if n == 3 else generic_2
            out.append(order[int(match.group(1))])  # type: ignore[arg-type]
        else:
            raise ValueError(f"cannot map model label {idx}: {raw!r} to negative/neutral/positive")
    if "negative" not in out or "positive" not in out:
        raise ValueError(f"model labels {items} lack a negative or a positive class")
    return out


def _import_backend() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise TransformersUnavailableError(
            "the transformers backend needs torch and transformers: "
            "pip install -e '.[transformers]'"
        ) from exc
    return torch, transformers


class TransformersAnalyzer:
    """Classify with a local Hugging Face sequence-classification model.

    Args:
        model_dir: a local directory with config, weights and tokenizer files, or a hub id
            already present in the local cache (never downloaded).
        batch_size: texts per forward pass (default 32).
        max_length: tokens kept per text, longer texts are truncated (default 128).
        threads: torch intra-op threads on CPU (default: leave torch's setting).
        device: ``cpu``, ``cuda``, ``cuda:1``... (default: CUDA when available, else CPU).
        detect_language: identify languages when none are given (default True).
        version: version string for ``model`` (default: the directory name).
    """

    name = "transformers"

    def __init__(
        self,
        model_dir: str | Path,
        *,
        batch_size: int = 32,
        max_length: int = 128,
        threads: int | None = None,
        device: str | None = None,
        detect_language: bool = True,
        version: str | None = None,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        torch, transformers = _import_backend()
        if threads:
            torch.set_num_threads(int(threads))
        self._torch = torch
        self._device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        source = str(model_dir)
        self._tokenizer = transformers.AutoTokenizer.from_pretrained(source, local_files_only=True)
        model = transformers.AutoModelForSequenceClassification.from_pretrained(
            source, local_files_only=True
        )
        self._model = model.to(self._device).eval()
        self._labels = map_id2label(model.config.id2label)
        self._batch_size = max(1, int(batch_size))
        self._max_length = int(max_length)
        self._detect = detect_language
        self.version = version or Path(source.rstrip("/")).name or "local"
        logger.info("loaded %s on %s, labels %s", source, self._device, self._labels)

    @property
    def model(self) -> str:
        return f"{self.name}@{self.version}"

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(negative, neutral, positive) probabilities, shape (len(texts), 3)."""
        torch = self._torch
        out = np.zeros((len(texts), 3), dtype=np.float64)
        columns = [LABELS.index(label) for label in self._labels]
        # Sort by length so each batch pads little; restore order on write.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            idx = order[start : start + self._batch_size]
            enc = self._tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=self._max_length,
                return_tensors="pt",
            ).to(self._device)
            with torch.inference_mode():
                logits = self._model(**enc).logits.float()
            probs = torch.softmax(logits, dim=-1).cpu().numpy()
            for col, cls in enumerate(columns):
                out[idx, cls] += probs[:, col]
        return out

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        texts = list(texts)
        languages = resolve_languages(texts, languages, detect=self._detect)
        probs = self.probabilities(texts)
        return [
            sentiment_from_probabilities(row, int(np.argmax(row)), language=lang, model=self.model)
            for row, lang in zip(probs, languages, strict=True)
        ]
