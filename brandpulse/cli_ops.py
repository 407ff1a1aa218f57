"""Operations options and commands: ``--version``, ``--log-format`` and
``brandpulse config check``. Registered on :data:`brandpulse.cli.app` (and its ``config``
sub-app) by importing this module."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from brandpulse.cli import app
from brandpulse.cli_common import EXIT_USAGE, ConfigOption, echo_err, load
from brandpulse.cli_config import config_app
from brandpulse.logsetup import set_log_format


def package_version() -> str:
    """The installed BrandPulse version ("unknown" when run from a bare checkout)."""
    try:
        return version("brandpulse")
    except PackageNotFoundError:
        return "unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"brandpulse {package_version()}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print the version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format",
            help="Log lines as text (default) or json; default from $BRANDPULSE_LOG_FORMAT.",
        ),
    ] = None,
) -> None:
    """BrandPulse: self-hosted social listening and review monitoring."""
    try:
        set_log_format(log_format)
    except ValueError as exc:
        echo_err(f"error: --log-format: {exc}")
        raise typer.Exit(EXIT_USAGE) from None


@config_app.command("check")
def check(config: ConfigOption = None) -> None:
    """Validate the config without running anything: every key and its range, the cron
    schedule, the database URL, paths (relative to the config file). Exit 0 when valid,
    2 with one line naming the key when not."""
    cfg = load(config)
    where = cfg.path or Path("brandpulse.toml")
    typer.echo(
        f"{where}: ok ({len(cfg.brands)} brand(s), {len(cfg.sources)} source(s), "
        f"{len(cfg.crawls)} crawl(s), {len(cfg.digest.recipients)} recipient(s))"
    )


@app.command("check-config")
def check_config(config: ConfigOption = None) -> None:
    """Validate the config without running anything (the same as ``brandpulse config
    check``): exit 0 when valid, 2 with one line naming the key when not."""
    check(config)
