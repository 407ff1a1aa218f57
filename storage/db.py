"""Engine creation (SQLite in WAL mode by default, PostgreSQL by URL) and migrations."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError as DriverDatabaseError
from sqlalchemy.exc import DBAPIError

from domain.errors import StorageError

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseError(StorageError):
    """The database cannot be opened, migrated or written; the message says how to fix it."""


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """Create an engine for ``url``.

    SQLite: creates the parent folder, turns on WAL, foreign keys and a busy timeout of
    10 s so a second process waits instead of failing with "database is locked".
    PostgreSQL: ``postgresql://`` URLs use psycopg 3.

    ``read_only=True`` (default False) opens the database for reading only: SQLite through
    a ``file:...?mode=ro`` URI, which never creates the file (nor its folder) and refuses
    every write; PostgreSQL with ``default_transaction_read_only=on``, so the server
    refuses writes. Use :func:`open_read_only` to also check that the database exists and
    carries the current schema.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        timeout_s = SQLITE_BUSY_TIMEOUT_MS / 1000
        file = _sqlite_file(parsed.database)
        if read_only and file is not None:
            uri = f"file:{quote(str(file))}?mode=ro"
            kwargs["creator"] = lambda: sqlite3.connect(
                uri, uri=True, timeout=timeout_s, check_same_thread=False
            )
        else:
            if file is not None:
                _create_private(file)
            kwargs["connect_args"] = {"timeout": timeout_s}
    else:
        kwargs["pool_pre_ping"] = True
        if read_only:
            kwargs["connect_args"] = {"options": "-c default_transaction_read_only=on"}
            kwargs["execution_options"] = {"postgresql_readonly": True}
    engine = create_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_read_only if read_only else _sqlite_pragmas)
    return engine


def _sqlite_file(database: str | None) -> Path | None:
    """The file of a SQLite URL's database, None for an in-memory database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _sqlite_read_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


def open_read_only(url: str) -> Engine:
    """A read-only engine on an existing, migrated database; never creates or migrates it.

    Raises:
        StorageError: the SQLite file does not exist, the server cannot be reached, the
            database holds no BrandPulse schema, or its schema is not this version's
            (the message names the database and the fix, in one line, without password).
    """
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        file = _sqlite_file(parsed.database)
        if file is not None and not file.is_file():
            raise StorageError(
                f"no database at {file.resolve()}: run `brandpulse run --once` first "
                "or check database.url / --config"
            )
        shown = str(file.resolve()) if file is not None else shown
    engine = make_engine(url, read_only=True)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StorageError(
            f"cannot read the database at {shown}: {reason} (check database.url or "
            "BRANDPULSE_DATABASE_URL and that the server is running)"
        ) from exc
    head, known = _script_revisions()
    problem = None
    if current is None:
        problem = (
            f"no BrandPulse data in the database at {shown}: run `brandpulse run --once` "
            "first or check database.url / --config"
        )
    elif current not in known:
        problem = (
            f"the database at {shown} has schema revision {current}, unknown to this "
            "version (written by a newer BrandPulse?): upgrade BrandPulse"
        )
    elif current != head:
        problem = (
            f"the database at {shown} has schema revision {current}, this version reads "
            f"{head}: run `brandpulse run --once` to migrate it"
        )
    if problem is not None:
        engine.dispose()
        raise StorageError(problem)
    return engine


def _script_revisions() -> tuple[str, set[str]]:
    """The newest revision of the migrations folder and every revision it knows."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    script = ScriptDirectory.from_config(cfg)
    known = {rev.revision for rev in script.walk_revisions()}
    return str(script.get_current_head()), known


def _create_private(path: Path) -> None:
    """Create the SQLite file (0600) and missing folders (0700) before SQLite does, so
    the database is never world-readable; SQLite gives its -wal and -shm files the same
    mode. An existing file keeps its mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as exc:  # unwritable folder: SQLite reports it with context later
        logger.debug("cannot pre-create %s: %s", path, exc)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def init_db(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (creates it on an empty database)."""
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "sqlite":
                # pysqlite runs DDL outside any transaction (each CREATE TABLE commits on
                # its own): open one, so a process killed half-way through the upgrade
                # leaves the database as it was and the next run migrates it.
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
    except DriverDatabaseError as exc:  # OperationalError, or a file that is not a database
        raise DatabaseError(
            f"cannot open or migrate the database at {engine.url.render_as_string()}: "
            f"{exc.orig}. Check the database URL (config key database.url or "
            "BRANDPULSE_DATABASE_URL), that the server is running, and that no other "
            "process holds a lock on it."
        ) from exc
    except CommandError as exc:  # e.g. a revision this version does not know
        raise DatabaseError(
            f"cannot migrate the database at {engine.url.render_as_string()}: {exc}. "
            "It was probably written by a newer BrandPulse: upgrade, or point "
            "database.url at another database."
        ) from exc
