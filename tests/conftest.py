"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable) and data paths.

Recorded replies and saved pages are served by ``tests/replay_server.py``."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from domain.redact import clear_secrets
from storage import Repository, init_db, make_engine


@pytest.fixture(autouse=True)
def forget_registered_secrets() -> Iterator[None]:
    """Each test starts with no registered secret: a test that loads a config with a
    secret such as "secret" would otherwise mask "client_secret" in later tests' messages
    (the registry is process-wide, as it must be for the log filter)."""
    clear_secrets()
    yield
    clear_secrets()

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
DEMO_FEEDS = REPO_ROOT / "brandpulse" / "demo_data" / "feeds"
SHARED_DATA = Path(os.environ.get("BRANDPULSE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
POSTGRES_ADMIN_URL = os.environ.get(
    "BRANDPULSE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def _postgres_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(
            POSTGRES_ADMIN_URL.replace("postgresql+psycopg", "postgresql"), connect_timeout=3
        ):
            return None
    except Exception as exc:  # any failure means "not reachable here"
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    reason = _postgres_reason()
    if reason:
        pytest.skip(reason)
    import psycopg

    name = f"brandpulse_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database URL: SQLite in a temp folder, and PostgreSQL when reachable."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url: str = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def repo(database_url: str) -> Repository:
    engine = make_engine(database_url)
    init_db(engine)
    yield Repository(engine)
    engine.dispose()


@pytest.fixture
def sqlite_repo(tmp_path: Path) -> Repository:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    init_db(engine)
    return Repository(engine)


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a clean skip when this checkout has none beside it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA} (set BRANDPULSE_SHARED_DATA)")
    return SHARED_DATA
