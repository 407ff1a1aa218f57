"""``brandpulse report``: the competitor report on demand (a command group).

``brandpulse report [--days N]`` (no sub-command) keeps its old meaning: write and print
the competitor report of the last N days. ``brandpulse report competitors`` takes the
whole set of options. Exit codes: 0 done, 1 database or delivery failure, 2 bad usage.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from brandpulse.cli_common import (
    EXIT_FAILED,
    EXIT_USAGE,
    ConfigOption,
    VerboseOption,
    echo_err,
    load,
    setup_logging,
)

logger = logging.getLogger(__name__)

report_app = typer.Typer(
    help="Write (and send) the competitor report from stored mentions; collects nothing. "
    "Without a sub-command: the last --days N days as HTML, PDF, text and JSON in the digest "
    "folder, the text printed. `brandpulse report competitors --help` lists every option.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ALL_FORMATS = ("html", "pdf", "png", "txt", "json")
DEFAULT_FORMATS = "html,pdf,txt,json"


def _formats(value: str) -> list[str]:
    formats = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = [f for f in formats if f not in ALL_FORMATS]
    if unknown or not formats:
        echo_err(
            f"error: --format {value!r}: choose from {', '.join(ALL_FORMATS)} "
            "(comma-separated, e.g. html,pdf)"
        )
        raise typer.Exit(EXIT_USAGE)
    return formats


def _run(
    config: Path | None,
    *,
    since: str | None,
    until: str | None,
    brand: list[str] | None,
    out: Path | None,
    fmt: str,
    send: bool,
    dpi: int,
) -> None:
    cfg = load(config)
    formats = _formats(fmt)
    from brandpulse.readonly import open_read_only_repository
    from brandpulse.report import produce_report
    from digest.competitors import parse_period
    from storage.models import utcnow

    known = {b.name for b in cfg.brands}
    for name in brand or []:
        if name not in known:
            echo_err(
                f"error: --brand {name!r} is not one of the config's [[brands]]: "
                f"{', '.join(sorted(known))}"
            )
            raise typer.Exit(EXIT_USAGE)
    now = utcnow()
    try:
        start, end = parse_period(since, until, now=now, default_days=cfg.report.period_days)
    except ValueError as exc:
        echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    recipients = cfg.report.recipients if send else []
    if send and not recipients:
        echo_err("error: --send: [report] recipients is empty; add apprise URLs to the config")
        raise typer.Exit(EXIT_USAGE)
    # Read-only unless --send: sending queues the deliveries in the outbox (so a failed
    # one is retried by later runs); a missing database is exit 1 either way.
    if send:
        from brandpulse.readonly import open_existing_repository

        repo = open_existing_repository(cfg)
    else:
        repo = open_read_only_repository(cfg)
    run = produce_report(
        cfg,
        repo,
        since=start,
        until=end,
        formats=formats,
        output_dir=out,
        brands=brand,
        now=now,
        dpi=dpi,
        recipients=recipients,
    )
    typer.echo(run.docs.text)
    typer.echo("Written:\n" + "\n".join(f"  {p}" for p in run.files))
    for outcome in run.deliveries:
        state = "sent" if outcome.ok else f"{outcome.status.upper()} ({outcome.error})"
        typer.echo(f"  {outcome.what} to {outcome.target}: {state}")
    if run.failed:
        typer.echo(
            "  (kept in the outbox and retried by the next run; see `brandpulse deliveries`)"
        )
    if run.failed:
        raise typer.Exit(EXIT_FAILED)


@report_app.callback(invoke_without_command=True)
def report(
    ctx: typer.Context,
    config: ConfigOption = None,
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, help="The last N days (default: report.period_days)."),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Write the competitor report now from stored mentions (no collection), print it.

    Without a sub-command: the report of the last --days N days, every format but PNG, in
    the digest folder. See `brandpulse report competitors --help` for every option.
    """
    if ctx.invoked_subcommand is not None:
        return
    setup_logging(verbose)
    _run(
        config,
        since=f"{days}d" if days is not None else None,
        until=None,
        brand=None,
        out=None,
        fmt=DEFAULT_FORMATS,
        send=False,
        dpi=110,
    )


@report_app.command("competitors")
def competitors(
    config: ConfigOption = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="Start: an ISO date/time (2026-11-01) or a duration back from --until "
            "(36h, 7d, 4w, 3m). Default: report.period_days (7) days."
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="End (exclusive): an ISO date/time. Default: now.")
    ] = None,
    brand: Annotated[
        list[str] | None,
        typer.Option(help="Only this brand (repeatable); share of voice stays over all."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for the files (default: digest.output_dir).", file_okay=False),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help="Comma-separated: html, pdf, png (charts), txt, json."),
    ] = DEFAULT_FORMATS,
    send: Annotated[
        bool,
        typer.Option(
            "--send",
            help="Also send it to [report] recipients (apprise) through the delivery outbox: "
            "a failed send is retried by later runs.",
        ),
    ] = False,
    dpi: Annotated[int, typer.Option(min=30, max=600, help="Chart resolution.")] = 110,
    verbose: VerboseOption = False,
) -> None:
    """The competitor benchmark as HTML, PDF, PNG charts, text and JSON.

    Per brand: share of voice, sentiment, star ratings, trends, themes with example posts,
    source health.
    """
    setup_logging(verbose)
    _run(config, since=since, until=until, brand=brand, out=out, fmt=fmt, send=send, dpi=dpi)
