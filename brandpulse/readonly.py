"""Opening the database for commands that only read it (export, sources, report,
training-data), and for commands that change an existing one without creating it (label).

A mistyped ``database.url`` or ``--config`` used to create an empty database silently and
report nothing; these helpers never create, migrate or write it, and raise a
:class:`~domain.errors.StorageError` naming the database and the fix instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from sqlalchemy.engine import make_url

from brandpulse.config import Config
from brandpulse.pipeline import open_repository
from storage import Repository, SourceHealth, open_read_only

DISABLED_IN_CONFIG = "enabled = false in the config"


def open_read_only_repository(config: Config) -> Repository:
    """A repository on the configured database, opened read-only (SQLite ``mode=ro``,
    PostgreSQL ``default_transaction_read_only``); brands and sources are not synced.

    Raises:
        StorageError: no database there, unreachable, or not at this version's schema.
    """
    return Repository(open_read_only(config.database.url))


def open_existing_repository(config: Config) -> Repository:
    """A writable repository (migrated, brands and sources synced) on a database that
    must already exist: a missing SQLite file is an error, never created.

    Raises:
        StorageError: the SQLite file does not exist, or the database cannot be opened.
    """
    parsed = make_url(config.database.url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:":
        # open_read_only raises the one-line "no database at ..." error when it is missing.
        open_read_only(config.database.url).dispose()
    return open_repository(config)


def configured_health(
    config: Config, stored: Sequence[SourceHealth]
) -> tuple[list[SourceHealth], list[str]]:
    """The stored health with the config applied: sources disabled in the config show as
    disabled. Also returns the configured sources and crawls that never ran (no row yet)."""
    disabled = {s.name for s in config.sources if not s.enabled}
    disabled |= {c.name for c in config.crawls if not c.enabled}
    rows = [
        dataclasses.replace(h, enabled=False, disabled_reason=DISABLED_IN_CONFIG)
        if h.name in disabled and h.enabled
        else h
        for h in stored
    ]
    known = {h.name for h in stored}
    configured = [s.name for s in config.sources] + [c.name for c in config.crawls]
    return rows, [name for name in configured if name not in known]
