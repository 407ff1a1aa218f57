"""What every ``brandpulse`` command shares: options, logging, and the one error mapping.

Expected failures are mapped to exit codes here, once, for every command and sub-command
(:class:`BrandPulseGroup`)::

    ConfigError (bad config file, value or usage; UnknownSpider,
                 TransformersUnavailableError)                      exit 2
    StorageError (DatabaseError, AlreadyRunning, a missing database)  exit 1
    any other BrandPulseError (SourceError, DeliveryError)           exit 1
    sqlalchemy OperationalError (locked, server gone, read-only)     exit 1
    OSError (an output file that cannot be written, ...)             exit 1

The user sees ``error: <message>`` on stderr, with secrets masked (:func:`redact`), and
no traceback (``--verbose`` logs it at debug level). Anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.exc import OperationalError
from typer.core import TyperGroup

from brandpulse.config import Config, load_config
from domain.errors import BrandPulseError, ConfigError
from domain.redact import mask_passwords, register_secrets
from domain.redact import redact as redact_all

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Config file (TOML). Default: $BRANDPULSE_CONFIG, then ./brandpulse.toml.",
        dir_okay=False,
    ),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log debug details.")]

#: Environment variables whose values are secrets by their name (masked in messages).
_SECRET_NAME = re.compile(r"SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|CREDENTIAL|WEBHOOK")
#: Secret values learned from the loaded config (recipients, tokens), masked in messages.
_known_secrets: set[str] = set()

_EXPECTED: tuple[type[BaseException], ...] = (BrandPulseError, OperationalError, OSError)


def setup_logging(verbose: bool) -> None:
    """Log to stderr: INFO by default, DEBUG with ``--verbose``; chatty libraries at WARNING;
    text or JSON (``--log-format``); every record redacted (:mod:`brandpulse.logsetup`)."""
    from brandpulse.logsetup import configure_logging

    configure_logging(verbose)


def echo_err(message: str) -> None:
    """One message on stderr, secrets masked."""
    typer.echo(redact(message), err=True)


def load(config_path: Path | None) -> Config:
    """The validated config; its secret values are remembered so messages can mask them.

    Raises:
        ConfigError: mapped to exit code 2 by :class:`BrandPulseGroup`.
    """
    config = load_config(config_path)
    remember_secrets(config)
    return config


def remember_secrets(config: Config) -> None:
    """Note the config's secret values (recipient URLs, keys named like secrets)."""
    _known_secrets.update(config.digest.recipients)
    _known_secrets.update(config.report.recipients)
    for source in config.sources:
        for key, value in source.options().items():
            if _SECRET_NAME.search(key.upper()) or key.upper().endswith("_KEY"):
                _known_secrets.update(_strings(value))
    register_secrets(_known_secrets)  # log records are redacted with them too


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def redact(text: str, *, env: dict[str, str] | None = None) -> str:
    """``text`` with URL passwords, secret environment values and the config's secrets
    replaced by ``***``, then through the one redaction layer (:func:`domain.redact.redact`:
    apprise URLs, token fields, values read from ``${VAR}``)."""
    env = dict(os.environ) if env is None else env
    secrets = {v for k, v in env.items() if _SECRET_NAME.search(k.upper())} | _known_secrets
    for secret in sorted((s for s in secrets if len(s) >= 6), key=len, reverse=True):
        text = text.replace(secret, "***")
    return redact_all(mask_passwords(text))


def exit_code_for(exc: BaseException) -> int:
    """The exit code of an expected failure: 2 for configuration and usage, 1 otherwise."""
    return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED


def error_message(exc: BaseException) -> str:
    """``error: ...`` for an expected failure: one line (a config error may list one
    problem per following line), secrets masked, never a traceback."""
    if isinstance(exc, OperationalError):
        detail = str(exc.orig) if exc.orig is not None else str(exc)
        text = f"database error: {detail}"
    else:
        text = str(exc) or type(exc).__name__
    if not isinstance(exc, ConfigError):
        text = "; ".join(line.strip() for line in text.splitlines() if line.strip())
    return redact(f"error: {text}")


class BrandPulseGroup(TyperGroup):
    """The Typer group of ``brandpulse``: maps expected failures of any command (and of
    its sub-commands) to one message on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click)
        try:
            return super().invoke(ctx)
        except _EXPECTED as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            logger.debug("expected failure", exc_info=exc)
            typer.echo(error_message(exc), err=True)
            raise typer.Exit(exit_code_for(exc)) from None
