"""Issue 14: the faster paths return what the slower ones did, and skip work when nothing
is new (no timings here: speed is in benchmarks/bench_pipeline.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

import brandpulse.pipeline as pipeline_module
from brandpulse.analysis import analyze_pending
from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline
from sentiment import VaderAnalyzer
from storage import Mention, Repository, models
from storage.alerts import duplicate_counts
from storage.export import iter_mentions

NOW = datetime.now(UTC)
STORY = "Acme outage: the login page fails for everyone in Europe since this morning, 503"


def _mention(i: int, text: str | None = None, brands: tuple[str, ...] = ("Acme",)) -> Mention:
    return Mention(
        source="news",
        external_id=f"id-{i}",
        url=f"https://example.com/{i}",
        text=text or f"Acme post number {i} about something else entirely, item {i}",
        published_at=NOW - timedelta(hours=i),
        brands=brands,
    )


def _self_join_counts(
    session: Session, ids: list[int], since: datetime | None = None
) -> dict[int, int]:
    """The query duplicate_counts replaced (a self-join with OR), as the reference."""
    other = aliased(models.Mention, name="other")
    own_id, other_id = col(models.Mention.id), col(other.id)
    other_when = func.coalesce(col(other.published_at), col(other.collected_at))
    stmt = (
        select(own_id, func.count(other_id))
        .join(
            other,
            and_(
                other_id != own_id,
                or_(
                    col(other.content_hash) == col(models.Mention.content_hash),
                    func.coalesce(col(other.story_id), other_id)
                    == func.coalesce(col(models.Mention.story_id), own_id),
                ),
                other_when >= since if since is not None else true(),
            ),
        )
        .where(own_id.in_(ids))
        .group_by(own_id)
    )
    return {int(mid or 0): int(n) for mid, n in session.execute(stmt).all()}


def test_duplicate_counts_equal_the_self_join(repo: Repository) -> None:
    repo.sync_brands([("Acme", True)])
    same = "Acme is down again, exactly the same text"
    repo.save_mentions("news", [_mention(i, same if i % 3 == 0 else None) for i in range(12)])
    ids = sorted(m.id for m in repo.mentions())
    # Stories: 2 and 5 join 1's story; 7 joins 4's (4 has no story id of its own).
    repo.set_story_ids({ids[2]: ids[1], ids[5]: ids[1], ids[1]: ids[1], ids[7]: ids[4]})
    with Session(repo.engine) as session:
        expected = _self_join_counts(session, ids)
        assert expected  # the fixture has duplicates of both kinds
        assert duplicate_counts(session, ids) == expected
        assert duplicate_counts(session, ids[:4]) == {
            i: expected[i] for i in ids[:4] if i in expected
        }
        # The inbox's velocity window: only copies from the last 4 hours count.
        since = NOW - timedelta(hours=4, minutes=30)
        recent = _self_join_counts(session, ids, since)
        assert recent != expected  # the window drops some copies
        assert duplicate_counts(session, ids, since=since) == recent


def test_save_counts_a_repeated_external_id_in_one_batch_once(repo: Repository) -> None:
    repo.sync_brands([("Acme", True), ("Globex", False)])
    result = repo.save_mentions("news", [_mention(1), _mention(2), _mention(1)])
    assert (result.inserted, result.duplicates) == (2, 1)
    again = repo.save_mentions("news", [_mention(2, brands=("Acme", "Globex")), _mention(3)])
    assert (again.inserted, again.duplicates) == (1, 1)
    assert {m.external_id: m.brands for m in repo.mentions()}["id-2"] == ("Acme", "Globex")


def test_streamed_export_reads_what_mentions_returns(repo: Repository) -> None:
    repo.sync_brands([("Acme", True), ("Globex", False)])
    repo.save_mentions(
        "news", [_mention(i, brands=("Acme",) if i % 2 else ("Globex",)) for i in range(11)]
    )
    since = NOW - timedelta(hours=6, minutes=30)
    for kwargs in ({}, {"since": since}, {"brand": "Globex"}, {"since": since, "brand": "Acme"}):
        assert list(iter_mentions(repo, page=3, **kwargs)) == repo.mentions(**kwargs)


CONFIG = """
[database]
url = "sqlite:///{db}"

[[brands]]
name = "Acme"
own = true

[digest]
output_dir = "{out}"
"""


@pytest.fixture
def pipeline(tmp_path: Path) -> Pipeline:
    path = tmp_path / "bp.toml"
    path.write_text(CONFIG.format(db=tmp_path / "bp.db", out=tmp_path / "out"))
    return Pipeline(load_config(path, env={}), analyzer=VaderAnalyzer())


def test_grouping_skips_an_idle_cycle_and_groups_a_whole_burst(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A burst larger than the window: the first and last mentions are the same story.
    monkeypatch.setattr(pipeline_module, "STORY_WINDOW_MAX", 4)
    mentions = [_mention(i) for i in range(1, 11)]
    mentions[0] = _mention(1, STORY)
    mentions[-1] = _mention(10, "RT @someone: " + STORY)
    pipeline.repo.save_mentions("news", mentions)
    assert pipeline.group_stories() == 1
    stories = {m.external_id: m.story_id for m in pipeline.repo.mentions()}
    first = next(m.id for m in pipeline.repo.mentions() if m.external_id == "id-1")
    assert stories["id-10"] == first

    reads: list[int] = []
    real = pipeline.repo.recent_for_grouping

    def counting(**kwargs: object) -> object:
        reads.append(1)
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline.repo, "recent_for_grouping", counting)
    assert pipeline.group_stories() == 0
    assert reads == []  # nothing new: the stored mentions are not read again
    pipeline.repo.save_mentions("news", [_mention(11, "Acme: " + STORY)])
    pipeline.group_stories()
    assert reads == [1]
    assert {m.external_id: m.story_id for m in pipeline.repo.mentions()}["id-11"] == first


def test_topics_are_reclustered_only_when_the_negatives_change(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sentiment.topics

    calls: list[int] = []

    def fake_cluster(texts: list[str], **_: object) -> list[object]:
        calls.append(len(texts))
        return []

    monkeypatch.setattr(sentiment.topics, "cluster_topics", fake_cluster)
    bad = "Acme is terrible, awful, the worst service I have ever used, I hate it"
    pipeline.repo.save_mentions("news", [_mention(i, f"{bad} #{i}") for i in range(1, 6)])
    pipeline.analyze()
    pipeline.update_topics()
    pipeline.update_topics()
    assert calls == [5]
    pipeline.repo.save_mentions("news", [_mention(6, f"{bad} again")])
    pipeline.analyze()
    pipeline.update_topics()
    assert calls == [5, 6]


def test_analysis_selects_the_pending_ids_once(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline.repo.save_mentions("news", [_mention(i) for i in range(1, 11)])
    calls: list[int] = []
    real = pipeline.repo.pending_analysis_ids

    def counting(**kwargs: object) -> list[int]:
        ids = real(**kwargs)  # type: ignore[arg-type]
        calls.append(len(ids))
        return ids

    monkeypatch.setattr(pipeline.repo, "pending_analysis_ids", counting)
    assert analyze_pending(pipeline.repo, pipeline.analyzer, batch_size=3) == 10
    assert calls == [10]
    assert pipeline.repo.pending_analysis() == []


def test_new_pairs_added_to_earlier_groups_equal_grouping_everything() -> None:
    import json

    from sentiment.dedup import near_duplicate_groups, new_duplicate_pairs

    fixture = Path(__file__).parent / "fixtures" / "sentiment_topics" / "near_duplicate_pairs.json"
    pairs = json.loads(fixture.read_text(encoding="utf-8"))["labeled_pairs"]
    texts = [p[k] for p in pairs for k in ("a", "b")]
    texts = texts[::2] + texts[1::2]  # the copies arrive later than their originals
    assert len(set(near_duplicate_groups(texts))) < len(texts) - 5  # there are stories
    for first_new in (1, len(texts) // 3, len(texts) // 2, len(texts) - 1):
        earlier = near_duplicate_groups(texts[:first_new])
        parent = earlier + list(range(first_new, len(texts)))

        def find(x: int, parent: list[int] = parent) -> int:
            while parent[x] != x:
                x = parent[x]
            return x

        for i, j in new_duplicate_pairs(texts, first_new):
            ri, rj = find(i), find(j)
            parent[max(ri, rj)] = min(ri, rj)
        assert [find(i) for i in range(len(texts))] == near_duplicate_groups(texts)


def test_a_restarted_process_skips_grouping_and_topics_when_nothing_is_new(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sentiment.topics

    bad = "Acme is terrible, awful, the worst service I have ever used, I hate it"
    pipeline.repo.save_mentions("news", [_mention(i, f"{bad} #{i}") for i in range(1, 6)])
    pipeline.analyze()
    pipeline.group_stories()
    calls: list[int] = []

    def fake_cluster(texts: list[str], **_: object) -> list[object]:
        calls.append(len(texts))
        return []

    monkeypatch.setattr(sentiment.topics, "cluster_topics", fake_cluster)
    pipeline.update_topics()
    assert calls == [5]

    restarted = Pipeline(pipeline.config, repo=pipeline.repo, analyzer=pipeline.analyzer)
    reads: list[int] = []
    real = restarted.repo.recent_for_grouping

    def counting(**kwargs: object) -> object:
        reads.append(1)
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(restarted.repo, "recent_for_grouping", counting)
    assert restarted.group_stories() == 0
    assert restarted.update_topics() == {"Acme": []}
    assert (reads, calls) == ([], [5])  # the stored state said nothing is new
    # A new copy of a stored story: the restarted process compares it with the window.
    restarted.repo.save_mentions("news", [_mention(6, "RT @x: " + f"{bad} #1")])
    assert restarted.group_stories() == 1
    assert reads == [1]


def test_stored_embeddings_are_reused_across_processes(repo: Repository) -> None:
    import numpy as np

    from brandpulse.topic_cache import StoredEmbedder

    embedded: list[str] = []

    def embed(texts: object) -> np.ndarray:
        batch = list(texts)  # type: ignore[call-overload]
        embedded.extend(batch)
        return np.array([[len(t), t.count("a"), 1.0] for t in batch], dtype=np.float32)

    first = StoredEmbedder(repo.engine, embed=embed)
    vectors = first(["a cat", "a banana", "a cat"])
    assert embedded == ["a cat", "a banana"]  # each distinct text once
    again = StoredEmbedder(repo.engine, embed=embed)  # another process, same database
    expected = [[8, 4, 1], [5, 2, 1], [5, 2, 1]]  # stored, stored, new
    assert again(["a banana", "a cat", "a bat"]).tolist() == expected
    assert vectors.tolist() == [[5, 2, 1], [8, 4, 1], [5, 2, 1]]
    assert embedded == ["a cat", "a banana", "a bat"]
    assert again.embedded == 1
    # A read-only caller reads stored vectors and writes nothing.
    reader = StoredEmbedder(repo.engine, embed=embed, store=False)
    reader(["a dog"])
    reader(["a dog"])
    assert embedded[-2:] == ["a dog", "a dog"]


def test_spikes_are_looked_for_when_mentions_arrived_or_an_hour_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import brandpulse.inbox

    clock = [NOW]
    path = tmp_path / "bp.toml"
    path.write_text(CONFIG.format(db=tmp_path / "bp.db", out=tmp_path / "out"))
    pipeline = Pipeline(load_config(path, env={}), analyzer=VaderAnalyzer(), now=lambda: clock[0])
    looked: list[datetime] = []

    def record(_config: object, _repo: object, *, now: datetime) -> list[object]:
        looked.append(now)
        return []

    monkeypatch.setattr(brandpulse.inbox, "record_spikes", record)
    pipeline.repo.save_mentions("news", [_mention(1)])
    pipeline.raise_alerts()
    pipeline.raise_alerts()  # nothing new, no time passed
    clock[0] = NOW + timedelta(minutes=30)
    pipeline.raise_alerts()
    assert looked == [NOW]
    pipeline.repo.save_mentions("news", [_mention(2)])
    pipeline.raise_alerts()
    clock[0] = NOW + timedelta(minutes=91)
    pipeline.raise_alerts()
    assert looked == [NOW, NOW + timedelta(minutes=30), NOW + timedelta(minutes=91)]


def test_postgres_copy_writes_every_column_of_a_mention_row() -> None:
    from storage.mentions import _mention_row
    from storage.pg_bulk import COLUMNS

    assert set(COLUMNS) == set(_mention_row(_mention(1), NOW))
