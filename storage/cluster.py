"""Shared state of a BrandPulse cluster (issue 18), PostgreSQL only: analysis claims,
scheduler slots, dead letters and the advisory locks that pick one migrator and one
scheduler.

* ``analysis_claims``: one row per mention being (or once) analysed by a worker. A worker
  claims pending mentions with a lease (``FOR UPDATE SKIP LOCKED`` on the mentions inside
  the claiming ``INSERT ... ON CONFLICT``), so two workers never hold the same mention; a
  claim whose lease ran out (its worker died) is taken over. Before saving, the worker
  renews its claims, and only saves the mentions it still owns; ``commits`` counts the
  saves per mention (more than 1 means work was duplicated).
* ``schedule_slots``: one row per (job, slot) the scheduler dispatched; the primary key
  makes a slot dispatch at most once, whichever scheduler process tries; the task adds 1
  to ``runs`` when it finishes.
* ``task_dead_letters``: tasks that failed for good (after their retries).

The tables are created by migration 0009; the advisory locks are in
:mod:`storage.cluster_locks`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import (
    Column,
    Engine,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)
from sqlmodel import SQLModel

from storage.models import UTCDateTime, utcnow

logger = logging.getLogger(__name__)

#: Claiming statements one claim runs at most (see :func:`claim_pending`).
CLAIM_ROUNDS = 5

analysis_claims = Table(
    "analysis_claims",
    SQLModel.metadata,
    Column(
        "mention_id",
        Integer,
        ForeignKey("mentions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("owner", String(200), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("lease_until", UTCDateTime(), nullable=False),
    Column("done_at", UTCDateTime(), nullable=True),
    Column("commits", Integer, nullable=False, default=0),
    Index("ix_analysis_claims_owner", "owner"),
)

schedule_slots = Table(
    "schedule_slots",
    SQLModel.metadata,
    Column("job", String(300), nullable=False),
    Column("slot", String(40), nullable=False),
    Column("node", String(200), nullable=False),
    Column("dispatched_at", UTCDateTime(), nullable=False),
    Column("finished_at", UTCDateTime(), nullable=True),
    Column("runs", Integer, nullable=False, default=0),
    PrimaryKeyConstraint("job", "slot", name="pk_schedule_slots"),
)

task_dead_letters = Table(
    "task_dead_letters",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("task", String(200), nullable=False),
    Column("subject", String(300), nullable=True),
    Column("task_id", String(64), nullable=False),
    Column("error", Text, nullable=False),
    Column("tries", Integer, nullable=False),
    Column("failed_at", UTCDateTime(), nullable=False),
)


def _naive(ts: datetime) -> datetime:
    """What the UTC column type stores (naive UTC), for raw SQL parameters."""
    from datetime import UTC

    return ts.astimezone(UTC).replace(tzinfo=None)


# -- analysis claims ----------------------------------------------------------------------------
_CLAIM_SQL = text(
    """
WITH candidates AS (
    SELECT m.id FROM mentions m
    LEFT JOIN analyses a ON a.mention_id = m.id
    LEFT JOIN analysis_claims c ON c.mention_id = m.id
    WHERE a.mention_id IS NULL AND m.id >= :floor
      AND (c.mention_id IS NULL
           OR (c.done_at IS NULL AND c.lease_until < :now)
           OR (c.done_at IS NOT NULL AND c.done_at < :settled))
    ORDER BY m.id
    LIMIT :n
    FOR UPDATE OF m SKIP LOCKED
), claimed AS (
    INSERT INTO analysis_claims (mention_id, owner, pid, lease_until, done_at, commits)
    SELECT id, :owner, :pid, :until, NULL, 0 FROM candidates
    ON CONFLICT (mention_id) DO UPDATE
        SET owner = excluded.owner, pid = excluded.pid, lease_until = excluded.lease_until,
            done_at = NULL
        WHERE (analysis_claims.done_at IS NULL AND analysis_claims.lease_until < :now)
           OR (analysis_claims.done_at IS NOT NULL AND analysis_claims.done_at < :settled)
    RETURNING mention_id
)
SELECT (SELECT count(*) FROM candidates), ARRAY(SELECT mention_id FROM claimed)
"""
)


def claim_pending(
    engine: Engine, *, owner: str, pid: int, limit: int, lease_s: float, floor: int = 0
) -> list[int]:
    """Claim up to ``limit`` mentions without an analysis for ``owner`` (a task id) for
    ``lease_s`` seconds; mentions already claimed by ``owner`` (a redelivered task) are
    taken back first. Returns the claimed ids, ascending.

    ``floor`` (default 0) skips mention ids below it: the search for pending mentions
    walks the mentions by id, so without a floor each claim costs time proportional to
    the mentions analysed already. Callers keep the lowest id they last claimed and
    search from 0 again when nothing is found above it (see :class:`ClaimFloor`)."""
    now = utcnow()
    until = now + timedelta(seconds=lease_s)
    with engine.begin() as conn:
        mine = [
            int(r[0])
            for r in conn.execute(
                text(
                    "UPDATE analysis_claims SET lease_until = :until, pid = :pid "
                    "WHERE owner = :owner AND done_at IS NULL RETURNING mention_id"
                ),
                {"until": _naive(until), "pid": pid, "owner": owner},
            )
        ]
        # Walk the mentions' primary key from the floor, probing analyses and claims by
        # key: the planner, misled by fast-growing tables, would otherwise hash-join the
        # whole claims table on every claim (cost growing with every mention analysed).
        conn.execute(
            text(
                "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; "
                "SET LOCAL enable_seqscan = off"
            )
        )
        fresh: list[int] = []
        # Under contention a statement may find rows another claimer took after its
        # snapshot (the ON CONFLICT condition skips them): while it found candidates,
        # look again with a new snapshot, a few times.
        for _ in range(CLAIM_ROUNDS):
            room = limit - len(mine) - len(fresh)
            if room <= 0:
                break
            found, got = conn.execute(
                _CLAIM_SQL,
                {
                    "now": _naive(now),
                    "settled": _naive(now - timedelta(seconds=lease_s)),
                    "until": _naive(until),
                    "owner": owner,
                    "pid": pid,
                    "n": room,
                    "floor": floor,
                },
            ).one()
            fresh += [int(mid) for mid in got or ()]
            if not found:  # nothing claimable is left
                break
    return sorted(set(mine) | set(fresh))


class ClaimFloor:
    """The id below which one process does not look for pending mentions (see
    :func:`claim_pending`): raised to the lowest id it claimed, back to 0 whenever a
    search above it finds nothing (so older leftovers, a dead worker's expired claims or
    mentions committed out of id order, are claimed once the newer backlog is done)."""

    def __init__(self) -> None:
        self.value = 0

    def claim(
        self, engine: Engine, *, owner: str, pid: int, limit: int, lease_s: float
    ) -> list[int]:
        ids = claim_pending(
            engine, owner=owner, pid=pid, limit=limit, lease_s=lease_s, floor=self.value
        )
        if not ids and self.value:
            self.value = 0
            ids = claim_pending(engine, owner=owner, pid=pid, limit=limit, lease_s=lease_s)
        if ids:
            self.value = max(self.value, ids[0])
        return ids


def renew_claims(engine: Engine, *, owner: str, ids: Sequence[int], lease_s: float) -> list[int]:
    """Extend ``owner``'s leases on ``ids``; returns those it still owns and that still
    have no analysis (only these may be saved)."""
    if not ids:
        return []
    until = utcnow() + timedelta(seconds=lease_s)
    with engine.begin() as conn:
        rows = conn.execute(
            text(
                "UPDATE analysis_claims c SET lease_until = :until "
                "WHERE c.owner = :owner AND c.done_at IS NULL AND c.mention_id = ANY(:ids) "
                "AND NOT EXISTS (SELECT 1 FROM analyses a WHERE a.mention_id = c.mention_id) "
                "RETURNING c.mention_id"
            ),
            {"until": _naive(until), "owner": owner, "ids": list(ids)},
        )
        return sorted(int(r[0]) for r in rows)


def finish_claims(engine: Engine, *, owner: str, ids: Sequence[int]) -> int:
    """Mark ``owner``'s claims on ``ids`` done (their analyses are saved) and count the
    save. Returns how many."""
    if not ids:
        return 0
    with engine.begin() as conn:
        return int(
            conn.execute(
                text(
                    "UPDATE analysis_claims SET done_at = :now, commits = commits + 1 "
                    "WHERE owner = :owner AND mention_id = ANY(:ids)"
                ),
                {"now": _naive(utcnow()), "owner": owner, "ids": list(ids)},
            ).rowcount
            or 0
        )


def count_pending(engine: Engine) -> int:
    """Mentions without an analysis (what the cluster still has to analyse)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM mentions m WHERE NOT EXISTS "
                    "(SELECT 1 FROM analyses a WHERE a.mention_id = m.id)"
                )
            ).scalar()
            or 0
        )


@dataclass(frozen=True, slots=True)
class ClaimCounts:
    """Analysis claims in a cluster: ``open`` (held, not done), ``done``, ``duplicated``
    (mentions saved by more than one claim)."""

    open: int
    done: int
    duplicated: int


def claim_counts(engine: Engine) -> ClaimCounts:
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE done_at IS NULL), "
                "count(*) FILTER (WHERE done_at IS NOT NULL), "
                "count(*) FILTER (WHERE commits > 1) FROM analysis_claims"
            )
        ).one()
    return ClaimCounts(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0))


# -- scheduler slots ----------------------------------------------------------------------------
def claim_slot(engine: Engine, *, job: str, slot: str, node: str) -> bool:
    """Record that ``job``'s ``slot`` is dispatched by ``node``; False when some
    scheduler dispatched it already (the slot must not run again)."""
    with engine.begin() as conn:
        row = conn.execute(
            text(
                "INSERT INTO schedule_slots (job, slot, node, dispatched_at, runs) "
                "VALUES (:job, :slot, :node, :now, 0) ON CONFLICT DO NOTHING RETURNING job"
            ),
            {"job": job, "slot": slot, "node": node, "now": _naive(utcnow())},
        ).first()
    return row is not None


def finish_slot(engine: Engine, *, job: str, slot: str) -> None:
    """Count one finished run of ``job``'s ``slot``."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE schedule_slots SET finished_at = :now, runs = runs + 1 "
                "WHERE job = :job AND slot = :slot"
            ),
            {"job": job, "slot": slot, "now": _naive(utcnow())},
        )


def slot_runs(engine: Engine) -> list[tuple[str, str, str, int]]:
    """Every (job, slot, node, runs), oldest first."""
    with engine.connect() as conn:
        return [
            (str(j), str(s), str(n), int(r))
            for j, s, n, r in conn.execute(
                text("SELECT job, slot, node, runs FROM schedule_slots ORDER BY dispatched_at")
            )
        ]


# -- dead letters -------------------------------------------------------------------------------
def record_dead_letter(
    engine: Engine, *, task: str, task_id: str, subject: str | None, error: str, tries: int
) -> None:
    """Keep a task that failed for good, with the reason (never a secret: the caller
    redacts it)."""
    with engine.begin() as conn:
        conn.execute(
            task_dead_letters.insert().values(
                task=task,
                task_id=task_id,
                subject=subject,
                error=error[:2000],
                tries=tries,
                failed_at=utcnow(),
            )
        )


def dead_letters(engine: Engine, *, limit: int = 20) -> list[tuple[str, str | None, str, int]]:
    """The newest dead letters: (task, subject, error, tries)."""
    t = task_dead_letters.c
    with engine.connect() as conn:
        rows = conn.execute(
            task_dead_letters.select().order_by(t.id.desc()).limit(limit)
        ).mappings()
        return [(r["task"], r["subject"], r["error"], int(r["tries"])) for r in rows]
