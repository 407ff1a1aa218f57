"""One exception tree, mapped once in the CLI: exit codes, one-line messages, no traceback,
no secret; read-only commands never create a database."""

from __future__ import annotations

import ast
import builtins
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

import brandpulse.config
from brandpulse.cli import app
from brandpulse.cli_common import exit_code_for, redact
from brandpulse.config import load_config
from brandpulse.runguard import exclusive_run
from brandpulse.scheduler import AlreadyRunning
from domain.errors import (
    BrandPulseError,
    ConfigError,
    DeliveryError,
    SourceError,
    StorageError,
)
from listeners.errors import ListenerError, RateLimited, SourceDisabled
from sentiment.transformers_backend import TransformersUnavailableError
from spiders import UnknownSpider
from storage import DatabaseError, Repository, init_db, make_engine
from storage.runlock import LockHeld

runner = CliRunner()
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("error", "family", "code"),
    [
        (brandpulse.config.ConfigError("x"), ConfigError, 2),
        (UnknownSpider("x"), ConfigError, 2),
        (TransformersUnavailableError("x"), ConfigError, 2),
        (DatabaseError("x"), StorageError, 1),
        (AlreadyRunning("x"), StorageError, 1),
        (ListenerError("src", "x"), SourceError, 1),
        (RateLimited("src", "x", retry_after=3), SourceError, 1),
        (SourceDisabled("src", "x"), SourceError, 1),
        (DeliveryError("x"), DeliveryError, 1),
        (LockHeld("x"), StorageError, 1),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, Exception) else str(v),
)
def test_every_exception_has_one_root_and_an_exit_code(
    error: Exception, family: type[BrandPulseError], code: int
) -> None:
    assert isinstance(error, family) and isinstance(error, BrandPulseError)
    assert exit_code_for(error) == code


#: Exceptions that derive from a built-in one on purpose, with the reason; every other
#: exception class in the packages belongs to the BrandPulseError tree.
OUTSIDE_THE_TREE = {
    "domain/errors.py:BrandPulseError": "the root itself",
    "listeners/http.py:Cancelled": "a BaseException like KeyboardInterrupt: stop, no error",
    "listeners/feeds_fast.py:_NotPlain": "private control flow, caught in its module",
    "brandpulse/web/deps.py:Refused": "an HTTP answer (status and text) for the web handler",
    "brandpulse/config_reference.py:UndocumentedField": "a code defect test_docs catches",
}
PACKAGES = ("brandpulse", "listeners", "spiders", "sentiment", "digest", "storage", "domain")
_BUILTIN_ERRORS = {
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
}


def _builtin_rooted_exceptions() -> set[str]:
    """``path:Class`` of every class in the packages whose base is a built-in exception."""
    found = set()
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                    isinstance(base, ast.Name) and base.id in _BUILTIN_ERRORS for base in node.bases
                ):
                    found.add(f"{path.relative_to(REPO_ROOT).as_posix()}:{node.name}")
    return found


def test_no_new_exception_root_outside_the_tree() -> None:
    """Issue 10: one root. A class raised on purpose derives from BrandPulseError (the run
    lock's LockHeld and the cluster's SourceFailed were RuntimeErrors)."""
    assert _builtin_rooted_exceptions() == set(OUTSIDE_THE_TREE)


def _config(tmp_path: Path, db: str, extra: str = "") -> Path:
    path = tmp_path / "brandpulse.toml"
    path.write_text(
        f'[database]\nurl = "{db}"\n[[brands]]\nname = "Acme"\nown = true\n'
        f'[[brands]]\nname = "Globex"\n[digest]\noutput_dir = "{tmp_path / "out"}"\n{extra}'
    )
    return path


READ_ONLY_COMMANDS = [
    ["export"],
    ["sources"],
    ["report"],
    ["training-data"],
    ["deliveries"],
    ["spikes"],
]
#: Commands that change an existing database (labels, the inbox's states) but never
#: create one.
EXISTING_DATABASE_COMMANDS = [
    ["label", "1", "negative"],
    ["inbox"],
    ["history", "1"],
    ["handle", "1"],
    ["report", "competitors"],
]


@pytest.mark.parametrize(
    "args",
    [*READ_ONLY_COMMANDS, *EXISTING_DATABASE_COMMANDS],
    ids=lambda a: "-".join(a[:2]) if a[0] == "report" else a[0],
)
def test_mistyped_database_path_is_one_line_and_creates_no_file(
    tmp_path: Path, args: list[str]
) -> None:
    config = _config(tmp_path, f"sqlite:///{tmp_path}/var/brandpuls.db")
    before = sorted(tmp_path.rglob("*"))
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 1, result.output
    expected = (
        f"error: no database at {(tmp_path / 'var' / 'brandpuls.db').resolve()}: run "
        "`brandpulse run --once` first or check database.url / --config"
    )
    assert result.stderr.splitlines() == [expected]
    assert result.stdout == ""
    assert sorted(tmp_path.rglob("*")) == before, "nothing may be created"


def _migrated_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/bp.db"
    engine = make_engine(url)
    init_db(engine)
    repo = Repository(engine)
    repo.sync_brands([("Acme", True)])
    repo.sync_source("acme-feed", "feed", expected_interval_s=1800)
    repo.sync_source("old-feed", "feed", expected_interval_s=1800)
    engine.dispose()
    return url


def _table(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(text(sql))]
    engine.dispose()
    return rows


@pytest.mark.parametrize("args", READ_ONLY_COMMANDS, ids=lambda a: a[0])
def test_read_only_commands_change_nothing(tmp_path: Path, args: list[str]) -> None:
    url = _migrated_sqlite(tmp_path)
    # Globex and the configured sources are not in the database: a writing command would
    # add them (brands and sources are synced on open); a read-only one must not.
    sources = (
        '[[sources]]\nname = "acme-feed"\ntype = "feed"\nurl = "http://127.0.0.1:9/f"\n'
        '[[sources]]\nname = "new-feed"\ntype = "feed"\nurl = "http://127.0.0.1:9/g"\n'
        '[[sources]]\nname = "old-feed"\ntype = "feed"\nurl = "http://127.0.0.1:9/h"\n'
        "enabled = false\n"
    )
    config = _config(tmp_path, url, sources)
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert _table(url, "SELECT name FROM brands") == [("Acme",)]
    assert sorted(_table(url, "SELECT name, enabled FROM sources")) == [
        ("acme-feed", 1),
        ("old-feed", 1),
    ]


def test_sources_applies_the_config_without_writing(tmp_path: Path) -> None:
    url = _migrated_sqlite(tmp_path)
    sources = (
        '[[sources]]\nname = "acme-feed"\ntype = "feed"\nurl = "http://127.0.0.1:9/f"\n'
        '[[sources]]\nname = "new-feed"\ntype = "feed"\nurl = "http://127.0.0.1:9/g"\n'
        '[[sources]]\nname = "old-feed"\ntype = "feed"\nurl = "http://127.0.0.1:9/h"\n'
        "enabled = false\n"
    )
    result = runner.invoke(app, ["sources", "--config", str(_config(tmp_path, url, sources))])
    assert result.exit_code == 0, result.output
    health, _last_run = result.stdout.split("\n\n", 1)  # the health table, then run counts
    rows = {line.split()[0]: line for line in health.splitlines()[2:] if line.strip()}
    assert rows["acme-feed"].split()[2] == "ok"
    assert "disabled" in rows["old-feed"] and "enabled = false in the config" in rows["old-feed"]
    assert health.splitlines()[-1] == "not run yet (no health stored): new-feed"


@pytest.mark.postgres
def test_export_reads_postgresql_read_only(postgres_url: str, tmp_path: Path) -> None:
    from conftest import _reset_postgres

    _reset_postgres(postgres_url)
    engine = make_engine(postgres_url)
    init_db(engine)
    Repository(engine).sync_brands([("Acme", True)])
    engine.dispose()
    result = runner.invoke(app, ["export", "--config", str(_config(tmp_path, postgres_url))])
    assert result.exit_code == 0 and result.stdout == "", result.output
    assert _table(postgres_url, "SELECT name FROM brands") == [("Acme",)]


def test_label_on_a_database_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n" * 200)
    config = _config(tmp_path, f"sqlite:///{notes}")
    result = runner.invoke(app, ["label", "7", "negative", "--config", str(config)])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: cannot read the database at {notes.resolve()}: file is not")
    assert notes.read_text().startswith("not a database")


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--once"],
        ["crawl", "reviews", "--url", "http://127.0.0.1:9/"],
        ["label", "7", "negative"],
        *READ_ONLY_COMMANDS,
    ],
    ids=lambda a: a[0],
)
def test_a_file_that_is_not_a_database_is_one_line_for_every_command(
    tmp_path: Path, args: list[str]
) -> None:
    """database.url pointing at some other file: writing commands (the run lock, the
    migration) used to let sqlite3's "file is not a database" out as a traceback."""
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n" * 200)
    config = _config(tmp_path, f"sqlite:///{notes}")
    result = runner.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: cannot ") and "file is not a database" in line, line
    assert "Traceback" not in result.output
    assert notes.read_text() == "not a database\n" * 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brandpulse.toml", "notes.db"]


def test_database_error_from_a_newer_schema_is_one_line(tmp_path: Path) -> None:
    """DatabaseError (a StorageError) from a migration reaches the user as exit code 1."""
    url = _migrated_sqlite(tmp_path)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    engine.dispose()
    config = _config(tmp_path, url)
    for args in (["run", "--once"], ["crawl", "reviews", "--url", "http://127.0.0.1:9/"]):
        result = runner.invoke(app, [*args, "--config", str(config)])
        assert result.exit_code == 1, result.output
        (line,) = result.stderr.splitlines()
        assert line.startswith("error: cannot migrate the database at sqlite:///")
        assert "f00dfeed" in line and "newer BrandPulse" in line
        assert "Traceback" not in result.output


@pytest.mark.postgres
def test_label_database_error_in_a_real_process_names_no_password(
    postgres_url: str, tmp_path: Path
) -> None:
    """The bug: `brandpulse label` let a DatabaseError out as a traceback."""
    url = make_url(postgres_url).set(
        username="nobody", password="hunter2pw", database="no_such_database"
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "BRANDPULSE_DATABASE_URL": url.render_as_string(hide_password=False),
        "BRANDPULSE_CONFIG": str(_config(tmp_path, "sqlite:///unused.db")),
    }
    done = subprocess.run(
        [sys.executable, "-m", "brandpulse.cli", "label", "1", "negative"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: cannot open or migrate the database at postgresql")
    assert "hunter2pw" not in done.stderr + done.stdout and "nobody:***@" in line


def test_another_run_holding_the_lock_exits_1(tmp_path: Path) -> None:
    config = _config(tmp_path, f"sqlite:///{tmp_path}/bp.db")
    with exclusive_run(load_config(config)):  # the run lock lives in the database
        result = runner.invoke(app, ["run", "--once", "--config", str(config)])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: another run holds the lock on this database")


def test_config_errors_exit_2_and_mask_secrets(tmp_path: Path) -> None:
    config = _config(
        tmp_path,
        f"sqlite:///{tmp_path}/bp.db",
        '[[sources]]\nname = "f"\ntype = "feed"\nurl = "http://127.0.0.1:9/"\n'
        'max_entries = "${FEED_TOKEN}"\n',
    )
    result = runner.invoke(
        app, ["export", "--config", str(config)], env={"FEED_TOKEN": "tok-3141592653"}
    )
    assert result.exit_code == 2
    # the value is not echoed at all (it may be a secret); the key is named
    assert "max_entries" in result.stderr
    assert "tok-3141592653" not in result.stderr + result.stdout
    missing = runner.invoke(app, ["sources", "--config", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: ") and "config file not found" in missing.stderr


def test_unwritable_output_file_is_one_line(tmp_path: Path) -> None:
    url = _migrated_sqlite(tmp_path)
    out = tmp_path / "missing-folder" / "export.jsonl"
    result = runner.invoke(app, ["export", "-o", str(out), "--config", str(_config(tmp_path, url))])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: [Errno 2] No such file or directory") and str(out) in line


def test_redact_masks_url_passwords_secret_env_values_and_config_secrets(
    tmp_path: Path,
) -> None:
    env = {"SLACK_WEBHOOK_TOKEN": "xoxb-123456", "HOME": "/root"}
    masked = redact(
        "postgresql://bp:s3cr3t-pw@db/bp failed; token xoxb-123456; home /root",
        env=env,
    )
    assert masked == "postgresql://bp:***@db/bp failed; token ***; home /root"
    # Values learned from a loaded config (recipient URLs) are masked too.
    config = _config(
        tmp_path,
        f"sqlite:///{tmp_path}/bp.db",
        'recipients = ["json://hooks.example/T0K3N-abcdef"]\n',
    )
    from brandpulse.cli_common import load

    load(config)
    assert redact("could not reach json://hooks.example/T0K3N-abcdef", env={}) == (
        "could not reach ***"
    )


def test_command_line_modules_stay_under_400_lines() -> None:
    """The CLI is split by command group (cli, cli_data, cli_sentiment, cli_crawl, ...)."""
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (REPO_ROOT / "brandpulse").glob("*.py")
    }
    assert {"cli.py", "cli_common.py", "cli_data.py", "cli_sentiment.py"} <= set(sizes)
    assert {name: n for name, n in sizes.items() if n > 400} == {}
