"""Read the labeled sentiment sets of ``../shared/data`` (or a fixture copy of its layout).

Layout under ``data_dir`` (the ``sentiment/`` level is optional)::

    tweeteval/val_text.txt, val_labels.txt           English tweets, 0 neg / 1 neu / 2 pos
    xlm-t/<language>/{train,val}_{text,labels}.txt   same 0/1/2 scheme
    bulgarian/{train,dev}.csv                        ``label,text`` rows, 0 neg / 1 pos
    vader-icwsm2014/*_GroundTruth.txt                ``id TAB rating(-4..+4) TAB text``

Labels are returned as ints on our 3-class scale: 0 negative, 1 neutral, 2 positive.
Bulgarian's 0/1 becomes 0/2 (there is no neutral class there).
"""

from __future__ import annotations

import csv
import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

logger = logging.getLogger(__name__)

NEG, NEU, POS = 0, 1, 2

XLMT_LANGUAGES: dict[str, str] = {
    "arabic": "ar",
    "english": "en",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "portuguese": "pt",
    "spanish": "es",
}

VADER_SETS = ("tweets", "movieReviewSnippets", "amazonReviewSnippets", "nytEditorialSnippets")


@dataclass(frozen=True, slots=True)
class LabeledSet:
    """One labeled split.

    Attributes:
        name: e.g. ``xlm-t/arabic``, ``tweeteval``, ``bulgarian``.
        split: ``train`` or ``val`` (Bulgarian's ``dev`` is reported as ``val``).
        language: ISO 639-1 code.
        texts: the texts.
        labels: 0 negative, 1 neutral, 2 positive (same length as ``texts``).
        n_classes: 3, or 2 for binary sets (negative / positive only).
        metric: ``macro_f1`` or ``macro_recall`` (TweetEval's official metric).
    """

    name: str
    split: str
    language: str
    texts: tuple[str, ...]
    labels: tuple[int, ...]
    n_classes: int = 3
    metric: str = "macro_f1"

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, indices: Iterable[int]) -> LabeledSet:
        """The same set restricted to the rows at ``indices`` (in that order)."""
        rows = list(indices)
        return replace(
            self,
            texts=tuple(self.texts[i] for i in rows),
            labels=tuple(self.labels[i] for i in rows),
        )


def sentiment_root(data_dir: Path) -> Path:
    """Return the folder holding ``xlm-t/`` etc.: ``data_dir`` or ``data_dir/sentiment``."""
    data_dir = Path(data_dir)
    nested = data_dir / "sentiment"
    return nested if nested.is_dir() else data_dir


def _read_lines(path: Path) -> list[str]:
    # The XLM-T files have no trailing newline; split keeps empty texts in place.
    content = path.read_text(encoding="utf-8")
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _read_pair(text_path: Path, label_path: Path) -> tuple[tuple[str, ...], tuple[int, ...]]:
    texts = _read_lines(text_path)
    labels = [int(x) for x in _read_lines(label_path) if x.strip() != ""]
    if len(texts) != len(labels):
        raise ValueError(f"{text_path}: {len(texts)} texts but {len(labels)} labels")
    return tuple(texts), tuple(labels)


def load_tweeteval(root: Path) -> LabeledSet | None:
    """TweetEval sentiment validation split (English, macro-recall), or None if absent."""
    folder = root / "tweeteval"
    if not (folder / "val_text.txt").is_file():
        return None
    texts, labels = _read_pair(folder / "val_text.txt", folder / "val_labels.txt")
    return LabeledSet("tweeteval", "val", "en", texts, labels, 3, "macro_recall")


def load_xlmt(root: Path, language: str, split: str) -> LabeledSet | None:
    """One XLM-T language split (``train`` or ``val``), or None if absent."""
    folder = root / "xlm-t" / language
    if not (folder / f"{split}_text.txt").is_file():
        return None
    texts, labels = _read_pair(folder / f"{split}_text.txt", folder / f"{split}_labels.txt")
    return LabeledSet(f"xlm-t/{language}", split, XLMT_LANGUAGES[language], texts, labels)


def load_bulgarian(root: Path, split: str) -> LabeledSet | None:
    """Bulgarian movie reviews (``train`` or ``val`` = dev.csv); labels mapped 0→0, 1→2."""
    path = root / "bulgarian" / ("dev.csv" if split == "val" else f"{split}.csv")
    if not path.is_file():
        return None
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            if len(row) < 2 or row[0] not in ("0", "1"):
                continue  # header or malformed row
            labels.append(POS if row[0] == "1" else NEG)
            texts.append(row[1])
    return LabeledSet("bulgarian", split, "bg", tuple(texts), tuple(labels), 2, "macro_f1")


def rating_to_label(rating: float, *, neutral_band: float = 0.5) -> int:
    """Map a VADER ground-truth mean rating (-4..+4) to 0/1/2; |rating| < band is neutral."""
    if rating <= -neutral_band:
        return NEG
    if rating >= neutral_band:
        return POS
    return NEU


def load_vader(root: Path, name: str, *, neutral_band: float = 0.5) -> LabeledSet | None:
    """One VADER ground-truth set (English, all rows; used only as extra training data)."""
    path = root / "vader-icwsm2014" / f"{name}_GroundTruth.txt"
    if not path.is_file():
        return None
    texts: list[str] = []
    labels: list[int] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        try:
            rating = float(parts[1])
        except ValueError:
            continue
        texts.append("\t".join(parts[2:]))
        labels.append(rating_to_label(rating, neutral_band=neutral_band))
    return LabeledSet(f"vader/{name}", "train", "en", tuple(texts), tuple(labels))


_LABEL_NAMES = {"negative": NEG, "neutral": NEU, "positive": POS}


def load_jsonl_labels(path: Path) -> LabeledSet:
    """Human-labeled JSON Lines (``{"text", "label", ...}``, label a name or 0/1/2), e.g. the
    corrections exported by ``brandpulse training-data``.

    Raises:
        ValueError: a line that is not JSON or has an unknown label (names the line).
    """
    import json

    texts: list[str] = []
    labels: list[int] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if row.get("task", "sentiment") != "sentiment":
                continue  # e.g. brand-matching examples from `brandpulse training-data`
            raw = row["label"]
            label = _LABEL_NAMES[raw] if isinstance(raw, str) else int(raw)
            if label not in (NEG, NEU, POS):
                raise ValueError(raw)
            texts.append(str(row["text"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: bad training line ({exc})") from exc
        labels.append(label)
    return LabeledSet(f"extra/{Path(path).name}", "train", "und", tuple(texts), tuple(labels))


def text_key(text: str) -> str:
    """A text's identity for overlap checks: lower-cased, whitespace squeezed."""
    return " ".join(text.lower().split())


def text_fingerprint(text: str) -> str:
    """16 hex characters of SHA-1 over :func:`text_key`: how a model's metadata names the
    validation texts it was trained on, without storing the texts."""
    return hashlib.sha1(text_key(text).encode("utf-8")).hexdigest()[:16]


def without_texts(dataset: LabeledSet, fingerprints: frozenset[str]) -> LabeledSet:
    """``dataset`` minus the texts whose :func:`text_fingerprint` is in ``fingerprints``."""
    return dataset.subset(
        i for i, t in enumerate(dataset.texts) if text_fingerprint(t) not in fingerprints
    )


def validation_sets(data_dir: Path) -> list[LabeledSet]:
    """Every validation split present under ``data_dir``: XLM-T languages, Bulgarian, TweetEval."""
    root = sentiment_root(data_dir)
    found: list[LabeledSet | None] = [load_xlmt(root, lang, "val") for lang in XLMT_LANGUAGES]
    found.append(load_bulgarian(root, "val"))
    found.append(load_tweeteval(root))
    sets = [s for s in found if s is not None]
    if not sets:
        logger.warning("no validation sets found under %s", data_dir)
    return sets


def training_sets(data_dir: Path, *, include_vader: bool = True) -> Iterator[LabeledSet]:
    """Every training split under ``data_dir`` (never a validation split)."""
    root = sentiment_root(data_dir)
    for lang in XLMT_LANGUAGES:
        s = load_xlmt(root, lang, "train")
        if s is not None:
            yield s
    bg = load_bulgarian(root, "train")
    if bg is not None:
        yield bg
    if include_vader:
        for name in VADER_SETS:
            v = load_vader(root, name)
            if v is not None:
                yield v
