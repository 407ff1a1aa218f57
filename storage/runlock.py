"""The run lock, held in the database itself so two BrandPulse processes on one
database (a daemon and a cron run, two hosts, two output folders) never run at once.

* PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection
  kept open while the lock is held; the server frees it when the process dies.
* SQLite: a row in ``brandpulse_run_lock`` with a lease (``expires_at``, renewed by a
  heartbeat thread every ``lease_s / 3`` seconds). A row whose lease ran out, or whose
  holder was a process on this host that no longer exists, is taken over.

The lock is taken **before** migrations (the lock table is created with
``CREATE TABLE IF NOT EXISTS``, outside Alembic), so a second ``run --once`` reports
"another run holds the lock" instead of failing on "database is locked".
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from domain.errors import StorageError
from storage.db import DatabaseError

logger = logging.getLogger(__name__)

#: Advisory lock key on PostgreSQL (any constant bigint; "BRNDPULS" in ASCII).
PG_LOCK_KEY = 0x42524E4450554C53 & 0x7FFFFFFFFFFFFFFF
#: Seconds a SQLite lease lasts without a heartbeat (default 60).
DEFAULT_LEASE_S = 60.0
LOCK_TABLE = "brandpulse_run_lock"


class LockHeld(StorageError):
    """Another process holds the run lock; the message names it in one line."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def run_lock(engine: Engine, *, lease_s: float = DEFAULT_LEASE_S) -> Iterator[None]:
    """Hold the run lock for the block. Raises :class:`LockHeld` at once (never waits)
    when another process holds it, :class:`DatabaseError` when the database is unusable."""
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine):
            yield
    else:
        with _sqlite_lock(engine, lease_s=lease_s):
            yield


@contextlib.contextmanager
def _pg_lock(engine: Engine) -> Iterator[None]:
    try:
        connection = engine.connect()
    except OperationalError as exc:
        raise DatabaseError(
            f"cannot connect to the database: {exc.orig}. Check database.url "
            "(or BRANDPULSE_DATABASE_URL) and that the server is running."
        ) from None
    try:
        got = connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY})
        connection.commit()
        if not got.scalar():
            holder = connection.execute(
                text(
                    "SELECT a.pid, a.application_name, a.client_addr FROM pg_locks l "
                    "JOIN pg_stat_activity a ON a.pid = l.pid "
                    "WHERE l.locktype = 'advisory' AND l.granted "
                    "AND ((l.classid::bigint << 32) | l.objid::bigint) = :k LIMIT 1"
                ),
                {"k": PG_LOCK_KEY},
            ).first()
            who = f" (server backend pid {holder[0]})" if holder else ""
            raise LockHeld(f"another run holds the lock on this database{who}")
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                connection.commit()
    finally:
        connection.close()


def _sqlite_exec(engine: Engine, fn: Any) -> Any:
    """Run ``fn(cursor)`` in one ``BEGIN IMMEDIATE`` transaction on a raw connection."""
    raw = engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        previous = driver.isolation_level
        driver.isolation_level = None
        cursor = driver.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                result = fn(cursor)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")
            return result
        finally:
            cursor.close()
            driver.isolation_level = previous
    finally:
        raw.close()


@contextlib.contextmanager
def _sqlite_lock(engine: Engine, *, lease_s: float) -> Iterator[None]:
    me = uuid.uuid4().hex
    host = socket.gethostname()
    pid = os.getpid()

    def acquire(cursor: Any) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {LOCK_TABLE} (name TEXT PRIMARY KEY, holder TEXT "
            "NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, expires_at REAL NOT NULL)"
        )
        row = cursor.execute(
            f"SELECT holder, host, pid, expires_at FROM {LOCK_TABLE} WHERE name = 'run'"
        ).fetchone()
        now = time.time()
        if row is not None:
            _holder, row_host, row_pid, expires_at = row
            stale = expires_at < now or (row_host == host and not _pid_alive(int(row_pid)))
            if not stale:
                until = time.strftime("%H:%M:%S", time.localtime(expires_at))
                raise LockHeld(
                    f"another run holds the lock on this database (process {row_pid} on "
                    f"{row_host}, lease until {until})"
                )
            logger.warning("taking over a stale run lock of process %s on %s", row_pid, row_host)
        cursor.execute(
            f"INSERT INTO {LOCK_TABLE} (name, holder, host, pid, expires_at) "
            "VALUES ('run', ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, "
            "host = excluded.host, pid = excluded.pid, expires_at = excluded.expires_at",
            (me, host, pid, now + lease_s),
        )

    try:
        _sqlite_exec(engine, acquire)
    except DBAPIError as exc:  # locked, unwritable, or a file that is not a database
        raise DatabaseError(
            f"cannot take the run lock in the database: {exc.orig}. Check database.url "
            "and that the file's folder is writable."
        ) from None
    except Exception as exc:
        import sqlite3

        # The connection's PRAGMAs run in a pool event: the driver's error arrives unwrapped.
        if isinstance(exc, sqlite3.DatabaseError):
            raise DatabaseError(
                f"cannot take the run lock in the database: {exc}. Check database.url "
                "and that the file's folder is writable."
            ) from None
        raise

    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(lease_s / 3):
            try:
                _sqlite_exec(
                    engine,
                    lambda c: c.execute(
                        f"UPDATE {LOCK_TABLE} SET expires_at = ? WHERE name = 'run' AND holder = ?",
                        (time.time() + lease_s, me),
                    ),
                )
            except Exception:  # a busy database: try again at the next beat
                logger.warning("could not renew the run lock lease", exc_info=True)

    beat = threading.Thread(target=heartbeat, name="run-lock-heartbeat", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join(timeout=5)
        with contextlib.suppress(Exception):
            _sqlite_exec(
                engine,
                lambda c: c.execute(
                    f"DELETE FROM {LOCK_TABLE} WHERE name = 'run' AND holder = ?", (me,)
                ),
            )
