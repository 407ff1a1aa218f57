"""The delivery outbox: one row per (subject, recipient), claimed, sent and recorded.

A *subject* is what a message is about: ``alert:<id>`` (a new alert), ``escalation:<id>``
(an overdue alert re-notified) or ``heartbeat:<stamp>`` (the scheduled "nothing new"
line). A *target* is the secret-free key of an apprise URL (never the URL itself).

States::

    pending ──claim──► claimed ──► sent
       ▲                 │
       │                 ├──► failed   (the receiver refused or could not be reached;
       │                 │              due again at next_attempt_at, never dropped)
       │                 └──► unknown  (the request was sent but no answer came:
       │                                timeout; due again at next_attempt_at)
       └──── claimed rows whose lease ran out, or whose owner process died on this host,
             are due again (their send may or may not have happened: ``unknown``)

Claims are atomic: PostgreSQL selects due rows ``FOR UPDATE SKIP LOCKED`` inside the
claiming UPDATE; SQLite runs the same UPDATE ... WHERE state is due inside ``BEGIN
IMMEDIATE`` (one writer at a time), so two processes never claim the same row. Every
later update is conditional on ``claimed_by`` still being the caller, so a process whose
lease was taken over cannot overwrite the new owner's result.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.outbox_reads import OutboxReads
from storage.outbox_schema import (
    CLAIMED,
    DIGEST,
    DUE_STATES,
    FAILED,
    IMMEDIATE,
    MAX_REASON_CHARS,
    PENDING,
    SENT,
    STATES,
    UNKNOWN,
    NewDelivery,
    OutboxItem,
    RecentAlert,
    idempotency_key,
    outbox_table,
    row_item,
    worker_id,
)

__all__ = [
    "CLAIMED",
    "DIGEST",
    "DUE_STATES",
    "FAILED",
    "IMMEDIATE",
    "PENDING",
    "SENT",
    "STATES",
    "UNKNOWN",
    "NewDelivery",
    "Outbox",
    "OutboxItem",
    "RecentAlert",
    "idempotency_key",
    "outbox_table",
    "worker_id",
]

_t = outbox_table.c


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class Outbox(OutboxReads):
    """Queries on the ``outbox`` table. ``engine`` is the repository's engine."""

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction; on SQLite ``BEGIN IMMEDIATE`` takes the write lock first,
        so a read-then-write never races another process."""
        with self.engine.connect() as conn:
            if self._sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.rollback()
                raise
            conn.commit()

    def _insert(self) -> Any:
        return (sqlite_insert if self._sqlite else pg_insert)(outbox_table)

    def enqueue(self, rows: Sequence[NewDelivery], *, now: datetime) -> int:
        """Insert rows; a (subject, target) already present is kept as it is. Returns how
        many were new."""
        if not rows:
            return 0
        values = [
            {
                "idempotency_key": idempotency_key(r.subject, r.target),
                "subject": r.subject,
                "alert_id": r.alert_id,
                "target": r.target,
                "route": r.route,
                "mode": r.mode,
                "state": r.state,
                "attempts": 0,
                "next_attempt_at": now,
                "note": r.note,
                "created_at": now,
                "sent_at": now if r.state == SENT else None,
            }
            for r in rows
        ]
        inserted = 0
        with self._write() as conn:
            for start in range(0, len(values), 500):
                stmt = self._insert().values(values[start : start + 500])
                # No conflict target: the idempotency key is unique too, and on PostgreSQL
                # a concurrent insert of the same row trips that index, not only the
                # arbiter, unless every unique index is covered.
                stmt = stmt.on_conflict_do_nothing()
                inserted += len(conn.execute(stmt.returning(_t.id)).all())
        return inserted

    def release_dead_claims(self, *, now: datetime) -> int:
        """Claims held by a process of this host that no longer runs (killed mid-send)
        become ``unknown`` and due now. Returns how many."""
        host = socket.gethostname()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(_t.id, _t.claimed_by).where(
                    _t.state == CLAIMED, _t.claimed_by.like(f"{host}:%")
                )
            ).all()
        dead: dict[str, list[int]] = {}
        for row_id, owner in rows:
            parts = str(owner).split(":")
            if len(parts) >= 3 and parts[1].isdigit() and not _pid_alive(int(parts[1])):
                dead.setdefault(str(owner), []).append(int(row_id))
        released = 0
        with self._write() as conn:
            for owner, ids in dead.items():
                result = conn.execute(
                    update(outbox_table)
                    .where(_t.id.in_(ids), _t.state == CLAIMED, _t.claimed_by == owner)
                    .values(
                        state=UNKNOWN,
                        next_attempt_at=now,
                        claimed_by=None,
                        lease_until=None,
                        last_error="the sending process stopped mid-send; outcome unknown",
                    )
                )
                released += result.rowcount or 0
        return released

    def claim(
        self,
        *,
        worker: str,
        now: datetime,
        lease: timedelta,
        mode: str | None = None,
        retries_only: bool = False,
        limit: int = 200,
    ) -> list[OutboxItem]:
        """Atomically claim up to ``limit`` due rows (oldest first) for ``worker``.

        Due: state pending, failed or unknown with ``next_attempt_at <= now``, or claimed
        with an expired lease. ``mode`` restricts to ``immediate`` or ``digest`` rows;
        ``retries_only`` to rows tried before (attempts > 0).
        """
        due = or_(
            and_(_t.state.in_(DUE_STATES), _t.next_attempt_at <= now),
            and_(_t.state == CLAIMED, _t.lease_until < now),
        )
        conditions = [due]
        if mode is not None:
            conditions.append(_t.mode == mode)
        if retries_only:
            conditions.append(_t.attempts > 0)
        pick = (
            select(_t.id)
            .where(*conditions)
            .order_by(_t.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        stmt = (
            update(outbox_table)
            .where(_t.id.in_(pick.scalar_subquery()), *conditions)
            .values(
                state=CLAIMED,
                claimed_by=worker,
                claimed_at=now,
                lease_until=now + lease,
                attempts=_t.attempts + 1,
            )
            .returning(*outbox_table.c)
        )
        with self._write() as conn:
            rows = conn.execute(stmt).all()
        return sorted((row_item(r) for r in rows), key=lambda i: i.id)

    def _finish(self, ids: Sequence[int], worker: str, **values: Any) -> int:
        if not ids:
            return 0
        with self._write() as conn:
            result = conn.execute(
                update(outbox_table)
                .where(_t.id.in_(list(ids)), _t.state == CLAIMED, _t.claimed_by == worker)
                .values(claimed_by=None, lease_until=None, **values)
            )
        return result.rowcount or 0

    def set_message_key(self, ids: Sequence[int], *, worker: str, key: str) -> int:
        """Record, before sending, the idempotency key of the message carrying these rows:
        if the outcome is unknown (timeout, crash), the same rows are sent again under the
        same key, so a receiver that deduplicates keeps one copy."""
        if not ids:
            return 0
        with self._write() as conn:
            result = conn.execute(
                update(outbox_table)
                .where(_t.id.in_(list(ids)), _t.state == CLAIMED, _t.claimed_by == worker)
                .values(message_key=key)
            )
        return result.rowcount or 0

    def mark_sent(self, ids: Sequence[int], *, worker: str, now: datetime) -> int:
        return self._finish(ids, worker, state=SENT, sent_at=now, last_error=None)

    def mark_failed(
        self, ids: Sequence[int], *, worker: str, reason: str, retry_at: datetime
    ) -> int:
        """The receiver refused or was not reached: due again at ``retry_at`` (in a new
        message: the old one was certainly not accepted)."""
        return self._finish(
            ids,
            worker,
            message_key=None,
            state=FAILED,
            next_attempt_at=retry_at,
            last_error=reason[:MAX_REASON_CHARS],
        )

    def mark_unknown(
        self, ids: Sequence[int], *, worker: str, reason: str, retry_at: datetime
    ) -> int:
        """Sent but not confirmed (a timeout after the request went out)."""
        return self._finish(
            ids,
            worker,
            state=UNKNOWN,
            next_attempt_at=retry_at,
            last_error=reason[:MAX_REASON_CHARS],
        )

    def release(
        self,
        ids: Sequence[int],
        *,
        worker: str,
        next_attempt_at: datetime,
        note: str | None = None,
        mode: str | None = None,
    ) -> int:
        """Give a claim back unsent (deferred or moved to the digest): attempts are not
        counted against it."""
        values: dict[str, Any] = {
            "state": PENDING,
            "next_attempt_at": next_attempt_at,
            "note": note,
            "attempts": _t.attempts - 1,
        }
        if mode is not None:
            values["mode"] = mode
        return self._finish(ids, worker, **values)
