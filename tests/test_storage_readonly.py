"""Read-only engines (SQLite ``mode=ro``, PostgreSQL ``default_transaction_read_only``):
they never create, migrate or write a database, and say in one line what is wrong."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from domain.errors import StorageError
from storage import Repository, init_db, make_engine, open_read_only


def _migrated(url: str) -> None:
    engine = make_engine(url)
    init_db(engine)
    Repository(engine).sync_brands([("Acme", True)])
    engine.dispose()


def _brands(url: str) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as connection:
        names = [row[0] for row in connection.execute(text("SELECT name FROM brands"))]
    engine.dispose()
    return sorted(names)


def test_read_only_engine_reads_and_refuses_writes(database_url: str) -> None:
    _migrated(database_url)
    engine = open_read_only(database_url)
    repo = Repository(engine)
    assert repo.source_health() == [] and repo.mentions() == []
    with pytest.raises(DBAPIError, match=r"read-only|readonly"):
        repo.sync_brands([("Globex", False)])
    with pytest.raises(DBAPIError, match=r"read-only|readonly"), engine.begin() as connection:
        connection.execute(text("DELETE FROM brands"))
    engine.dispose()
    assert _brands(database_url) == ["Acme"]


def test_make_engine_read_only_refuses_writes_on_any_connection(database_url: str) -> None:
    _migrated(database_url)
    engine = make_engine(database_url, read_only=True)
    with pytest.raises(DBAPIError, match=r"read-only|readonly"), engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
    engine.dispose()


def test_missing_sqlite_file_is_one_line_and_never_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/typo/brandpuls.db"
    with pytest.raises(StorageError) as info:
        open_read_only(url)
    message = str(info.value)
    assert message == (
        f"no database at {(tmp_path / 'typo' / 'brandpuls.db').resolve()}: run "
        "`brandpulse run --once` first or check database.url / --config"
    )
    assert "\n" not in message
    # Not even the bare engine creates it (nor its folder): SQLite refuses to open it.
    engine = make_engine(url, read_only=True)
    with pytest.raises(DBAPIError), engine.connect():
        pass
    engine.dispose()
    assert list(tmp_path.iterdir()) == []


def test_sqlite_file_without_schema_or_not_a_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(StorageError, match=r"no BrandPulse data in the database at .*empty\.db"):
        open_read_only(f"sqlite:///{empty}")
    garbage = tmp_path / "notes.txt"
    garbage.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(StorageError, match=r"cannot read the database at .*notes\.txt: file is"):
        open_read_only(f"sqlite:///{garbage}")
    assert garbage.read_text().startswith("these are my notes")


def test_old_and_unknown_schema_revisions(database_url: str) -> None:
    _migrated(database_url)
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0002'"))
    with pytest.raises(StorageError, match=r"revision 0002, this version reads 0\d+: run `br"):
        open_read_only(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    engine.dispose()
    with pytest.raises(StorageError, match=r"revision f00dfeed, unknown to this version"):
        open_read_only(database_url)


@pytest.mark.postgres
def test_unreachable_postgres_names_it_without_the_password(postgres_url: str) -> None:
    url = make_url(postgres_url).set(
        username="nobody", password="hunter2pw", database="no_such_database"
    )
    with pytest.raises(StorageError) as info:
        open_read_only(url.render_as_string(hide_password=False))
    message = str(info.value)
    assert "hunter2pw" not in message and "nobody:***@" in message
    assert message.startswith("cannot read the database at postgresql://") and "\n" not in message
