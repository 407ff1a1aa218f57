"""The storage split by concern keeps the Repository's surface and the behaviour most
likely to drift in a move: chunk boundaries, truncation, upsert keep-state, stores alone."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, select
from sqlmodel import col

from storage import Mention, Repository, models
from storage.alerts import AlertStore
from storage.analyses import AnalysisStore
from storage.base import CHUNK, MAX_ERROR_CHARS
from storage.mentions import MentionStore
from storage.repo import AnalysisInput, PendingText
from storage.reports import ReportStore
from storage.sources import SourceStore

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

#: The public methods of Repository before the split, with their signatures (callers
#: rely on them). New methods may be added; none of these may change.
SIGNATURES = """
alert_candidates(self, *, brands: 'Sequence[str]', labels: 'Sequence[str]', since: 'datetime') -> 'list[StoredMention]'
alert_count(self) -> 'int'
brand_counts(self, *, since: 'datetime | None' = None, until: 'datetime | None' = None) -> 'list[BrandCounts]'
clear_override(self, mention_id: 'int') -> 'bool'
delivery_counts(self) -> 'dict[str, int]'
get_cursor(self, source: 'str') -> 'dict[str, Any] | None'
insert_alerts(self, alerts: 'Sequence[tuple[int, str, float]]') -> 'int'
known_external_ids(self, source: 'str', external_ids: 'Sequence[str]') -> 'set[str]'
mentions(self, *, ids: 'Sequence[int] | None' = None, since: 'datetime | None' = None, brand: 'str | None' = None, label: 'str | None' = None, overridden: 'bool | None' = None, limit: 'int | None' = None, order: 'str' = 'id') -> 'list[StoredMention]'
pending_alerts(self, target: 'str', *, since: 'datetime') -> 'list[AlertItem]'
pending_analysis(self, *, limit: 'int' = 1000) -> 'list[PendingText]'
recent_external_ids(self, source: 'str', *, limit: 'int' = 2000) -> 'list[str]'
recent_for_grouping(self, *, since: 'datetime', limit: 'int' = 5000) -> 'list[PendingText]'
record_deliveries(self, alert_ids: 'Sequence[int]', target: 'str', *, ok: 'bool', error: 'str | None' = None) -> 'None'
record_failure(self, source: 'str', error: 'str') -> 'int'
save_analyses(self, analyses: 'Sequence[AnalysisInput]') -> 'None'
save_mentions(self, source: 'str', mentions: 'Sequence[Mention]', *, cursor: 'dict[str, Any] | None' = None, item_count: 'int | None' = None) -> 'SaveResult'
set_override(self, mention_id: 'int', label: 'str', *, note: 'str | None' = None) -> 'None'
set_story_ids(self, stories: 'dict[int, int]') -> 'int'
set_topics(self, topics: 'dict[int, str]') -> 'None'
source_health(self) -> 'list[SourceHealth]'
sync_brands(self, brands: 'Iterable[tuple[str, bool]]') -> 'None'
sync_source(self, name: 'str', kind: 'str', *, expected_interval_s: 'int | None' = None, enabled: 'bool | None' = True, disabled_reason: 'str | None' = None) -> 'None'
"""  # noqa: E501


def _mention(i: int, brands: tuple[str, ...] = ("Acme",)) -> Mention:
    return Mention(
        source="news",
        external_id=f"id-{i}",
        url=f"https://example.com/{i}",
        text=f"Acme post number {i}",
        published_at=NOW - timedelta(minutes=i),
        brands=brands,
    )


def test_repository_keeps_every_public_method_and_signature(repo: Repository) -> None:
    for line in SIGNATURES.strip().splitlines():
        name = line.split("(", 1)[0]
        assert f"{name}{inspect.signature(getattr(Repository, name))}" == line
    assert isinstance(repo.engine, Engine)
    for store in (MentionStore, AnalysisStore, AlertStore, SourceStore, ReportStore):
        assert issubclass(Repository, store)


def test_each_store_works_alone_on_an_engine(repo: Repository) -> None:
    repo.sync_brands([("Acme", True)])
    SourceStore(repo.engine).sync_source("news", "feed")
    saved = MentionStore(repo.engine).save_mentions("news", [_mention(1)])
    assert saved.inserted == 1
    (pending,) = AnalysisStore(repo.engine).pending_analysis()
    assert pending == PendingText(pending.mention_id, "", "Acme post number 1", None, ("Acme",))
    AnalysisStore(repo.engine).save_analyses(
        [AnalysisInput(pending.mention_id, "negative", -0.5, 0.9, "en", "m@1")]
    )
    (counts,) = ReportStore(repo.engine).brand_counts()
    assert (counts.brand, counts.negative, counts.mentions) == ("Acme", 1, 1)
    alerts = AlertStore(repo.engine)
    (candidate,) = alerts.alert_candidates(
        brands=["Acme"], labels=["negative"], since=NOW - timedelta(days=1)
    )
    assert alerts.insert_alerts([(candidate.id, "Acme", 0.5)]) == 1
    assert alerts.alert_count() == 1


def test_reads_and_writes_cross_the_chunk_boundary(repo: Repository) -> None:
    repo.sync_brands([("Acme", True), ("Globex", False)])
    repo.sync_source("news", "feed")
    many = [_mention(i, ("Acme", "Globex")) for i in range(CHUNK + 3)]
    assert repo.save_mentions("news", many).inserted == CHUNK + 3
    asked = [m.external_id for m in many] + ["not-stored"]
    assert repo.known_external_ids("news", asked) == set(asked[:-1])
    stored = repo.mentions()
    assert len(stored) == CHUNK + 3
    assert all(s.brands == ("Acme", "Globex") for s in stored)  # links past row 500 too
    pending = repo.pending_analysis(limit=CHUNK + 10)
    assert [p.mention_id for p in pending] == [s.id for s in stored]
    repo.save_analyses(
        [AnalysisInput(p.mention_id, "neutral", 0.0, 0.9, "en", "m@1") for p in pending]
    )
    repo.set_topics({stored[-1].id: "billing"})
    assert repo.mentions(ids=[stored[-1].id])[0].topic == "billing"
    assert {c.brand: c.neutral for c in repo.brand_counts()} == {
        "Acme": CHUNK + 3,
        "Globex": CHUNK + 3,
    }


def test_errors_are_cut_to_the_stored_maximum(repo: Repository) -> None:
    repo.sync_brands([("Acme", True)])
    repo.sync_source("news", "feed")
    long_error = "x" * (MAX_ERROR_CHARS + 50)
    assert repo.record_failure("news", long_error) == 1
    (health,) = repo.source_health()
    assert health.last_error == "x" * MAX_ERROR_CHARS
    repo.save_mentions("news", [_mention(1)])
    (pending,) = repo.pending_analysis()
    repo.save_analyses([AnalysisInput(pending.mention_id, "negative", -0.5, 0.9, "en", "m@1")])
    repo.insert_alerts([(pending.mention_id, "Acme", 0.5)])
    (alert,) = repo.pending_alerts("mailto://ops", since=NOW - timedelta(days=1))
    repo.record_deliveries([alert.alert_id], "mailto://ops", ok=False, error=long_error)
    with repo.engine.connect() as conn:
        stored_error = conn.execute(select(col(models.Delivery.last_error))).scalar_one()
    assert stored_error == "x" * MAX_ERROR_CHARS
    repo.record_deliveries([alert.alert_id], "mailto://ops", ok=False, error="timeout")
    with repo.engine.connect() as conn:
        row = conn.execute(
            select(col(models.Delivery.attempts), col(models.Delivery.last_error))
        ).one()
    assert tuple(row) == (2, "timeout")
    assert repo.delivery_counts() == {"failed": 1}
    assert len(repo.pending_alerts("mailto://ops", since=NOW - timedelta(days=1))) == 1


def test_sync_source_keeps_or_sets_the_enabled_state(repo: Repository) -> None:
    repo.sync_source("reddit", "reddit", enabled=False, disabled_reason="no credentials")
    repo.sync_source("reddit", "reddit", enabled=None, expected_interval_s=600)
    (health,) = repo.source_health()
    assert (health.enabled, health.disabled_reason) == (False, "no credentials")
    assert health.expected_interval_s == 600
    repo.sync_source("reddit", "reddit")
    (health,) = repo.source_health()
    assert (health.enabled, health.disabled_reason) == (True, None)
    repo.sync_source("new", "feed", enabled=None)
    assert {h.name: h.enabled for h in repo.source_health()} == {"new": True, "reddit": True}
    assert repo.get_cursor("new") is None
