"""Candidate pairs for near-duplicate grouping by prefix filtering on numpy arrays.

The algorithm of :func:`sentiment.dedup.candidate_pairs` (see :mod:`sentiment.dedup`, step 4),
kept apart so each module stays small: pure numpy over shingle sets, no text handling.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

__all__ = ["candidate_pairs"]

#: Posting entries expanded at once while generating candidates (bounds memory: about
#: 40 bytes each).
_EXPAND_CHUNK = 4_000_000


def candidate_pairs(
    sets: Sequence[frozenset[str]], threshold: float, min_containment: int, *, shared: int
) -> list[tuple[int, int]]:
    """Pairs ``(i, j)`` of ``sets`` that can reach ``threshold``: those sharing at least
    ``min(shared, a)`` shingles with the first ``|A| - a + min(shared, a)`` (rarest first)
    shingles of the smaller set ``A`` (``a = ceil(threshold · |A|)``); each pair once, from
    its smaller set (ties: the lower index first). ``min_containment``: shingles under
    which the similarity is Jaccard, which also bounds the larger set's size.
    """
    n = len(sets)
    sizes = np.fromiter((len(s) for s in sets), dtype=np.int64, count=n)
    total = int(sizes.sum())
    if n < 2 or total == 0:
        return []
    hashes = np.fromiter(
        map(hash, itertools.chain.from_iterable(sets)), dtype=np.int64, count=total
    )
    doc_of = np.repeat(np.arange(n, dtype=np.int32), sizes)
    # One stable sort by hash gives the shingle ids and the postings (the sets holding
    # each shingle, in set order, grouped by shingle). int32 and early ``del``s keep the
    # peak memory near 40 bytes per shingle (100,000 tweets: about 15 million shingles).
    by_hash = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[by_hash]
    del hashes
    first = np.empty(total, dtype=bool)
    first[0] = True
    np.not_equal(sorted_hashes[1:], sorted_hashes[:-1], out=first[1:])
    del sorted_hashes
    gram = np.empty(total, dtype=np.int32)
    gram[by_hash] = np.cumsum(first, dtype=np.int32) - 1
    del first
    del by_hash
    df = np.bincount(gram)
    n_grams = len(df)
    # Each set's shingles in the global order (rarest first, ties by id): sort by one key.
    rank = np.empty(n_grams, dtype=np.int64)
    rank[np.argsort(df * n_grams + np.arange(n_grams, dtype=np.int64))] = np.arange(n_grams)
    order = np.argsort(doc_of.astype(np.int64) * n_grams + rank[gram])
    del rank
    entry_doc, entry_gram = doc_of[order], gram[order]
    # Postings sorted by (shingle, set size, set): the sets a probe may pair with (larger,
    # or as large with a higher index; for Jaccard at most size / threshold) are then one
    # contiguous run of its shingle's postings, starting right after the probe's own entry.
    size_span = int(sizes.max()) + 2
    posting_key = (gram.astype(np.int64) * size_span + sizes[doc_of]) * n + doc_of
    del gram, doc_of
    by_posting = np.argsort(posting_key)
    own_place = np.empty(total, dtype=np.int64)
    own_place[by_posting] = np.arange(total, dtype=np.int64)
    own_place = own_place[order]  # in the entries' order
    del order
    posting_key = posting_key[by_posting]
    del by_posting
    postings = posting_key % n
    starts = np.cumsum(sizes) - sizes
    position = np.arange(total, dtype=np.int64) - starts[entry_doc]
    overlap = np.ceil(threshold * sizes - 1e-9).astype(np.int64)
    need = np.minimum(shared, overlap)
    prefix_len = sizes - overlap + need
    probe = (position < prefix_len[entry_doc]) & (df[entry_gram] > 1)
    probe_doc, probe_gram = entry_doc[probe], entry_gram[probe]
    run_lo = own_place[probe] + 1
    del position, entry_doc, entry_gram, probe, own_place
    run_hi = np.cumsum(df)[probe_gram]  # where the shingle's postings end
    # Jaccard (the smaller set under min_containment shingles) also bounds |B|.
    short = np.flatnonzero(sizes[probe_doc] < min_containment)
    if len(short):
        largest = np.floor(sizes[probe_doc[short]] / threshold + 1e-6).astype(np.int64)
        bound = (probe_gram[short].astype(np.int64) * size_span + largest) * n + (n - 1)
        run_hi[short] = np.searchsorted(posting_key, bound, side="right")
    del posting_key
    expand = np.maximum(run_hi - run_lo, 0)
    found: list[np.ndarray] = []
    cut = np.searchsorted(
        np.cumsum(expand), np.arange(1, 1 + expand.sum() // _EXPAND_CHUNK) * _EXPAND_CHUNK
    )
    # Chunks end where a set's probes end, so each chunk counts its pairs completely and
    # keeps only the candidates (memory stays bounded by the chunk, not by all probes).
    snapped = np.searchsorted(probe_doc, probe_doc[np.minimum(cut, len(probe_doc) - 1)])
    bounds = sorted({0, *(int(c) for c in snapped), len(probe_doc)})
    for lo, hi in itertools.pairwise(bounds):
        counts = expand[lo:hi]
        i = np.repeat(probe_doc[lo:hi].astype(np.int64), counts)
        offsets = np.repeat(run_lo[lo:hi] - (np.cumsum(counts) - counts), counts)
        keys, hits = np.unique(
            i * n + postings[offsets + np.arange(len(i), dtype=np.int64)], return_counts=True
        )
        found.append(keys[hits >= need[keys // n]])
    if not found:
        return []
    first_of, second_of = np.divmod(np.concatenate(found), n)
    return list(zip(first_of.tolist(), second_of.tolist(), strict=True))
