"""Checks of config values that need more than a range: cron schedules, database URLs,
listen addresses, paths (resolved against the config file's folder and tested for
use), and registering the config's secrets with the redaction layer.

Every error names the key and never echoes a value that may hold a secret.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from domain.kinds import kinds_of
from domain.redact import (
    USERINFO_HINT,
    register_secret,
    register_url_password,
    userinfo_needs_encoding,
)

if TYPE_CHECKING:
    from brandpulse.config import Config

#: Database backends and drivers BrandPulse runs on (SQLAlchemy URL drivername).
SUPPORTED_DRIVERS = {
    "sqlite": {"sqlite", "sqlite+pysqlite"},
    "postgresql": {"postgresql", "postgres", "postgresql+psycopg"},
}
#: Keys whose values are secrets wherever they appear in the config.
SECRET_KEYS = frozenset(
    {
        "password",
        "client_secret",
        "secret",
        "token",
        "access_token",
        "refresh_token",
        "api_key",
        "apikey",
        "webhook",
        "webhook_url",
        "recipients",
        "url",
        "broker_url",
        "redis_url",
    }
)
#: One apprise check at a time (its logger is silenced while it runs).
_APPRISE_CHECK = threading.Lock()


def check_cron(schedule: str) -> str:
    """``schedule`` if APScheduler accepts it as a 5-field crontab, else ValueError."""
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(schedule, timezone="UTC")
    except (ValueError, TypeError) as exc:
        raise ValueError(
            f"not a valid cron expression ({exc}); expected 5 fields, minute hour "
            'day-of-month month day-of-week, e.g. "0 8 * * mon-fri"'
        ) from None
    return schedule


def check_database_url(url: str) -> str:
    """``url`` if it is an SQLite or PostgreSQL (psycopg 3) URL, else ValueError.

    The message never contains the URL (it may hold a password).
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if userinfo_needs_encoding(url):
        raise ValueError(USERINFO_HINT)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError(
            "not a database URL; expected sqlite:///path/to/brandpulse.db or "
            "postgresql://user@host:5432/dbname"
        ) from None
    name = parsed.drivername
    if not any(name in drivers for drivers in SUPPORTED_DRIVERS.values()):
        raise ValueError(
            f"database {name!r} is not supported: use sqlite:///path.db or "
            "postgresql://user@host/db (driver psycopg 3)"
        )
    if name.startswith("postgres") and not parsed.database:
        raise ValueError("the PostgreSQL URL names no database (postgresql://user@host/DBNAME)")
    if name.startswith("sqlite") and not parsed.database:
        raise ValueError("the SQLite URL names no file (sqlite:///path/to/brandpulse.db)")
    return url


def check_spider(name: str) -> str:
    """``name`` if a spider of that name is in :data:`domain.kinds.SOURCE_KINDS` (read at
    call time, so one registry line makes a new spider configurable), else ValueError."""
    spiders = kinds_of("spider")
    if name not in spiders:
        raise ValueError(f"unknown spider {name!r}; choose from {', '.join(sorted(spiders))}")
    return name


def check_start_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host (a crawl's start URL), else
    ValueError; the message does not repeat the URL (it may carry a token)."""
    try:
        parts = urlsplit(url.strip())
        usable = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a malformed IPv6 address
        usable = False
    if not usable:
        raise ValueError("not an http(s) URL with a host, e.g. https://example.com/reviews")
    return url


def check_listen(value: str) -> str:
    """``value`` if it is ``host:port`` with a port in 1..65535, else ValueError."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65_535:
        raise ValueError('expected "host:port", e.g. "127.0.0.1:9464"')
    return value.strip()


def _looks_like_path(value: str) -> bool:
    return value.startswith(("/", "./", "../", "~")) and "://" not in value


def register_config_secrets(data: Mapping[str, Any], env_values: Iterable[str]) -> None:
    """Register with :mod:`domain.redact` every value taken from the environment or a
    secret file (except paths), and every value under a secret-looking key."""
    for value in env_values:
        if not _looks_like_path(value):
            register_secret(value)

    def walk(node: Any, key: str | None) -> None:
        if isinstance(node, Mapping):
            for k, v in node.items():
                walk(v, str(k).lower())
        elif isinstance(node, list):
            for item in node:
                walk(item, key)
        elif isinstance(node, str) and key in SECRET_KEYS:
            if key in ("url", "broker_url", "redis_url"):
                register_url_password(node)
            else:
                register_secret(node)

    walk(data, None)


def _config_dir(file: Path) -> Path:
    return file.resolve().parent


def _resolve(path: Path, base: Path) -> Path:
    path = path.expanduser()
    return path if path.is_absolute() else base / path


def _unusable(path: Path, *, want_dir: bool) -> str | None:
    """Why ``path`` cannot be used (created, written), or None."""
    if path.exists():
        if want_dir and not path.is_dir():
            return f"{path} exists and is not a folder"
        if not want_dir and path.is_dir():
            return f"{path} is a folder, not a file"
        target = path if want_dir else path.parent
        if not os.access(target, os.W_OK | os.X_OK):
            return f"{target} is not writable by this user"
        return None
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return f"{ancestor} is not a folder, so {path} cannot be created"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return f"{ancestor} is not writable by this user, so {path} cannot be created"
    return None


def finish_config(config: Config, *, file: Path, from_env: bool = False) -> Config:
    """Resolve relative paths against the config file's folder and check they are usable.

    ``digest.output_dir``, ``analysis.model_dir`` and a relative SQLite path in
    ``database.url`` (unless it came from ``BRANDPULSE_DATABASE_URL``, which is relative
    to the working directory) become absolute.

    Raises:
        ConfigError: one line naming the file and the key.
    """
    from sqlalchemy.engine import make_url

    from domain.errors import ConfigError

    base = _config_dir(file)

    def fail(key: str, why: str) -> ConfigError:
        return ConfigError(f"{file}: invalid configuration: {key}: {why}")

    from brandpulse.config_engine import check_engine

    try:
        check_engine(config)  # needs the final database.url (after BRANDPULSE_DATABASE_URL)
    except ValueError as exc:
        raise fail("engine", str(exc)) from None
    output_dir = _resolve(Path(config.digest.output_dir), base)
    problem = _unusable(output_dir, want_dir=True)
    if problem:
        raise fail("digest.output_dir", problem)
    digest = config.digest.model_copy(update={"output_dir": output_dir})
    analysis = config.analysis
    if analysis.model_dir:
        model_dir = _resolve(Path(analysis.model_dir), base)
        analysis = analysis.model_copy(update={"model_dir": str(model_dir)})
    database = config.database
    url = make_url(database.url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        db_path = Path(url.database)
        if not from_env:
            db_path = _resolve(db_path, base)
        problem = _unusable(db_path, want_dir=False)
        if problem:
            raise fail("database.url", problem)
        database = database.model_copy(
            update={"url": url.set(database=str(db_path)).render_as_string(hide_password=False)}
        )
    return config.model_copy(update={"digest": digest, "analysis": analysis, "database": database})


def check_apprise_urls(urls: list[str]) -> list[str]:
    """``urls`` (blank entries dropped) if apprise understands every one, else ValueError
    naming the position only: the URL holds tokens, and apprise logs it while parsing, so
    its log is silenced for the check."""
    import logging

    import apprise

    urls = [u.strip() for u in urls if u.strip()]
    apprise_log = logging.getLogger("apprise")
    with _APPRISE_CHECK:
        disabled, apprise_log.disabled = apprise_log.disabled, True
        try:
            bad = [
                i
                for i, url in enumerate(urls)
                if apprise.Apprise.instantiate(url, suppress_exceptions=True) is None
            ]
        finally:
            apprise_log.disabled = disabled
    if bad:
        raise ValueError(
            f"entry {bad[0]} is not a notification URL apprise understands (check its scheme "
            "and syntax: https://github.com/caronc/apprise/wiki); the URL is not shown"
        )
    return urls
