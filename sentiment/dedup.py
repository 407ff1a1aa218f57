"""Near-duplicate grouping: the same story cross-posted, retweeted or syndicated alerts once.

Pure functions over lists of strings (no database, no network, no model).

Method
------
1. **Normalise** each text, language-neutrally: Unicode NFKD, combining marks dropped
   (accents, Arabic harakat), Arabic tatweel dropped, case folded; URLs, ``RT @user:`` /
   ``MT @user`` markers, ``@mentions``, ``via @user`` and the bare placeholder ``http``
   removed; runs of hashtags at the end of a text (or of two or more at its start) removed
   (tags added when cross-posting); the ``#`` of hashtags inside a sentence dropped (the word
   is kept); every run of non-letter, non-digit characters becomes one space; letters
   repeated more than twice are capped at two. No word tokenizer is used, so Arabic,
   Bulgarian (Cyrillic) and any other script work the same way.
   Only the first ``max_chars`` (default 2,000) normalised characters are compared: syndicated
   copies differ in where they are cut, not in how they start.
2. **Shingle**: the set of character ``k``-grams (default ``k = 5``) of the normalised text.
3. **Similarity** of two shingle sets ``A`` and ``B`` (``|A| <= |B|``):
   containment ``|A ∩ B| / |A|`` when the smaller text has at least ``min_containment``
   shingles (default 40, about 45 normalised characters), otherwise Jaccard
   ``|A ∩ B| / |A ∪ B|``. Containment is what makes a truncated snippet ("... Selon d... http")
   or a retweet with a comment match its source; Jaccard for short texts keeps "thank you" from
   matching every long text that happens to contain it.
4. **Candidates without all pairs**: prefix filtering (the exact all-pairs similarity join of
   Bayardo et al., WWW 2007), on numpy arrays (:func:`candidate_pairs`). Shingles are ordered
   by document frequency, rarest first; if ``sim(A, B) >= t`` for the smaller set ``A`` then
   ``|A ∩ B| >= a = ceil(t·|A|)``, so ``B`` holds at least ``s = min(8, a)`` of the first
   ``|A| - a + s`` shingles of ``A``: probing an inverted index with that prefix and keeping
   the sets met at least ``s`` times finds every qualifying pair (asking for ``s`` shared
   shingles instead of one verifies a fourth to a tenth of the pairs). Postings are sorted
   by set size, so a probe reads only the sets it may pair with. Candidates are then
   verified exactly (except pairs already in one group), so the result equals all-pairs
   comparison (no MinHash false negatives) at a cost close to linear for social-media text.
5. **Numbers must agree**: a pair above the threshold is still two stories when the shorter
   text (fewer shingles) has a number the other lacks. Templated news ("Insider Cal
   Henderson sold 1,500 shares ... on Friday, July 5th" / "... sold 99,342 shares ... June
   21st") shares most of its characters but reports different events; a truncated or
   retweeted copy keeps the numbers of the text it copies.
6. **Group** with union-find (transitive: if A~B and B~C, all three share a group); the group id
   is the index of the group's first member.

The default threshold (0.7) was measured on real near-duplicate and merely-similar pairs from
TweetEval, XLM-T and the VADER tweet set (see ``tests/fixtures/sentiment_topics/README.md``).
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import MutableMapping, Sequence

from sentiment import prefix_filter

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_THRESHOLD",
    "candidate_pairs",
    "is_near_duplicate",
    "near_duplicate_groups",
    "new_duplicate_pairs",
    "normalise_for_dedup",
    "similarity",
]

DEFAULT_THRESHOLD = 0.7
"""Default similarity threshold in [0, 1] (containment or Jaccard of 5-gram shingles)."""

_SHINGLE = 5
_MIN_CONTAINMENT = 40
_MAX_CHARS = 2000

_URL = re.compile(r"https?://\S+|www\.\S+|\bhttps?\b", re.IGNORECASE)
_RT = re.compile(r"\b(?:rt|mt)\b\s*@\w+\s*:?", re.IGNORECASE)
_VIA = re.compile(r"\bvia\s+@\w+", re.IGNORECASE)
_MENTION = re.compile(r"@\w+")
# Runs of hashtags at the end of a text, or of two or more at its start: tags, not prose.
_LEAD_TAGS = re.compile(r"^\W*#\w+(?:\W*#\w+)+")
_TRAIL_TAGS = re.compile(r"(?:#\w+\W*)+$")
_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")
_REPEAT = re.compile(r"(\w)\1{2,}")
_TATWEEL = "\u0640"


class _DroppedChars(dict[int, int | None]):
    """``str.translate`` table deleting combining marks (category Mn) and the Arabic
    tatweel; each code point's category is looked up once, on first sight."""

    def __missing__(self, code: int) -> int | None:
        ch = chr(code)
        value = None if ch == _TATWEEL or unicodedata.category(ch) == "Mn" else code
        self[code] = value
        return value


_DROPPED = _DroppedChars()


def normalise_for_dedup(text: str, *, max_chars: int = _MAX_CHARS) -> str:
    """Normalise ``text`` for near-duplicate comparison (see the module docstring).

    Args:
        text: any text, any script.
        max_chars: normalised characters kept (default 2,000).
    """
    text = _URL.sub(" ", text)
    text = _VIA.sub(" ", text)
    text = _RT.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _TRAIL_TAGS.sub(" ", _LEAD_TAGS.sub(" ", text.strip()))
    if not text.isascii():  # ASCII has nothing to decompose and no marks
        text = unicodedata.normalize("NFKD", text).translate(_DROPPED)
    text = text.casefold()
    text = _NON_WORD.sub(" ", text)
    text = _REPEAT.sub(r"\1\1", text)
    return text.strip()[:max_chars]


def _shingles_of(norm: str, *, k: int = _SHINGLE) -> frozenset[str]:
    """Character ``k``-grams of an already normalised text."""
    if not norm:
        return frozenset()
    if len(norm) <= k:
        return frozenset((norm,))
    return frozenset([norm[i : i + k] for i in range(len(norm) - k + 1)])


def _shingles(text: str, *, k: int = _SHINGLE, max_chars: int = _MAX_CHARS) -> frozenset[str]:
    return _shingles_of(normalise_for_dedup(text, max_chars=max_chars), k=k)


class _Doc:
    """A text's shingles and numbers (its digit runs, "1,500" → {"1", "500"}, written in
    ASCII so Arabic-Indic digits compare equal to Western ones), from one normalisation."""

    __slots__ = ("numbers", "shingles")

    def __init__(self, text: str) -> None:
        norm = normalise_for_dedup(text)
        self.shingles = _shingles_of(norm)
        self.numbers = frozenset(
            "".join(str(unicodedata.digit(ch)) for ch in run) for run in _DIGITS.findall(norm)
        )


def _same_story(a: _Doc, b: _Doc, threshold: float, min_containment: int) -> bool:
    if _sim(a.shingles, b.shingles, min_containment) < threshold:
        return False
    shorter, longer = (a, b) if len(a.shingles) <= len(b.shingles) else (b, a)
    return shorter.numbers <= longer.numbers


def _sim(a: frozenset[str], b: frozenset[str], min_containment: int) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    overlap = len(a & b)
    if len(a) >= min_containment:
        return overlap / len(a)
    return overlap / (len(a) + len(b) - overlap)


def similarity(a: str, b: str, *, min_containment: int = _MIN_CONTAINMENT) -> float:
    """Similarity in [0, 1] of two texts: shingle containment, or Jaccard for short texts.

    Args:
        a, b: the texts.
        min_containment: shingles the shorter text needs before containment is used instead
            of Jaccard (default 40, about 45 normalised characters).
    """
    return _sim(_shingles(a), _shingles(b), min_containment)


def is_near_duplicate(a: str, b: str, *, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """True when ``similarity(a, b) >= threshold`` (default :data:`DEFAULT_THRESHOLD`) and
    every number of the shorter text also occurs in the other (see the module docstring).

    Two empty (after normalisation) texts are not duplicates of anything.
    """
    return _same_story(_Doc(a), _Doc(b), threshold, _MIN_CONTAINMENT)


def _cached_doc(text: str, cache: MutableMapping[str, object] | None) -> _Doc:
    if cache is None:
        return _Doc(text)
    doc = cache.get(text)
    if not isinstance(doc, _Doc):
        doc = cache[text] = _Doc(text)
    return doc


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            # The smaller index stays the root, so the root is the group's first member.
            if rx < ry:
                self.parent[ry] = rx
            else:
                self.parent[rx] = ry


def near_duplicate_groups(
    texts: Sequence[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_containment: int = _MIN_CONTAINMENT,
    cache: MutableMapping[str, object] | None = None,
) -> list[int]:
    """Group near-duplicate texts; return one group id per text, in input order.

    The group id is the index of the group's first member, so a text that duplicates nothing
    gets its own index and ``ids[i] == i`` marks the first (representative) text of a group.
    Texts that are empty after normalisation (only URLs or mentions) are never grouped.

    Args:
        texts: the texts, any language.
        threshold: similarity in (0, 1] at or above which two texts are the same story
            (default :data:`DEFAULT_THRESHOLD` = 0.7).
        min_containment: see :func:`similarity` (default 40 shingles).
        cache: text → its normalised shingles, filled and reused across calls (a caller
            grouping a sliding window of texts normalises each text once); None: no cache.

    Cost: exact (equal to comparing all pairs) but close to linear on social-media text;
    10,000 mentions of the throughput benchmark in about 1-2 s on one core, most of it
    normalising the texts (see ``benchmarks/bench_pipeline.py``).
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    n = len(texts)
    docs = [_cached_doc(t, cache) for t in texts]
    uf = _UnionFind(n)
    pairs = candidate_pairs([d.shingles for d in docs], threshold, min_containment)
    verified = 0
    for i, j in pairs:
        # A pair already in one group (through others) needs no verification.
        if uf.find(i) != uf.find(j):
            verified += 1
            if _same_story(docs[i], docs[j], threshold, min_containment):
                uf.union(i, j)
    logger.debug(
        "near_duplicate_groups: %d texts, %d candidate pairs, %d verified", n, len(pairs), verified
    )
    return [uf.find(i) for i in range(n)]


#: Shingles a candidate must share with the (lengthened) prefix of the smaller set.
_PREFIX_SHARED = 8


def candidate_pairs(
    sets: Sequence[frozenset[str]],
    threshold: float = DEFAULT_THRESHOLD,
    min_containment: int = _MIN_CONTAINMENT,
) -> list[tuple[int, int]]:
    """Every pair ``(i, j)`` of ``sets`` that can reach ``threshold`` (a superset of the
    pairs whose similarity is at or above it), each pair once, probed from its smaller set
    (ties: the lower index first).

    Prefix filtering (see the module docstring) on numpy arrays: shingles are ranked by
    document frequency (rarest first, ties by their hash); a pair with ``|A ∩ B| >= a``
    (``a = ceil(threshold · |A|)``, which both similarities require of the smaller set
    ``A``) shares at least ``s = min(8, a)`` shingles with the first ``|A| - a + s``
    shingles of ``A``, so only pairs sharing that many there are returned. Shingles are
    compared by their 64-bit hash here (a collision only adds a candidate); callers verify
    every candidate on the shingle sets themselves.
    """
    return prefix_filter.candidate_pairs(sets, threshold, min_containment, shared=_PREFIX_SHARED)


def new_duplicate_pairs(
    texts: Sequence[str],
    first_new: int,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_containment: int = _MIN_CONTAINMENT,
    cache: MutableMapping[str, object] | None = None,
) -> list[tuple[int, int]]:
    """The near-duplicate pairs ``(i, j)``, ``i < j``, of ``texts`` that involve a text at
    or after index ``first_new``: what grouping must add when ``texts[first_new:]`` arrive
    after ``texts[:first_new]`` were grouped (pairs among the earlier ones are not looked
    for). Union these pairs with the earlier groups to get :func:`near_duplicate_groups`
    of all ``texts``.

    Exact, and cheap when few texts are new: an inverted index over the new texts'
    shingles only, probed with each text's shingle set intersected with it (a set
    operation), then every candidate verified as in :func:`near_duplicate_groups`.
    """
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    docs = [_cached_doc(t, cache) for t in texts]
    postings: dict[str, list[int]] = defaultdict(list)
    for j in range(first_new, len(docs)):
        for g in docs[j].shingles:
            postings[g].append(j)
    new_keys = postings.keys()
    pairs: list[tuple[int, int]] = []
    for i, doc in enumerate(docs):
        shared: dict[int, int] = defaultdict(int)
        for g in doc.shingles & new_keys:
            for j in postings[g]:
                if j > i:
                    shared[j] += 1
        size = len(doc.shingles)
        for j, count in shared.items():
            # Both similarities need at least threshold x the smaller set in common.
            if count >= threshold * min(size, len(docs[j].shingles)) - 1e-9 and _same_story(
                doc, docs[j], threshold, min_containment
            ):
                pairs.append((i, j))
    return pairs


def all_pairs_groups(texts: Sequence[str], *, threshold: float = DEFAULT_THRESHOLD) -> list[int]:
    """Reference implementation of :func:`near_duplicate_groups` comparing every pair
    (quadratic): the baseline its tests and benchmark check it against."""
    docs = [_Doc(t) for t in texts]
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for i, j in itertools.combinations(range(len(texts)), 2):
        if _same_story(docs[i], docs[j], threshold, _MIN_CONTAINMENT):
            ri, rj = find(i), find(j)
            parent[max(ri, rj)] = min(ri, rj)
    return [find(i) for i in range(len(texts))]
