"""``brandpulse deliveries``: the delivery outbox, with each failure's reason.

Registered on the Typer ``app`` of :mod:`brandpulse.cli` (imported there for its side
effect). Targets are shown as their secret-free key (``scheme://#hash``), never the URL.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from brandpulse.cli import app
from brandpulse.cli_common import ConfigOption, load
from brandpulse.delivery import status_line
from brandpulse.report_delivery import REPORT, describe
from storage.outbox import CLAIMED, FAILED, PENDING, SENT, UNKNOWN, Outbox, OutboxItem


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def deliveries_table(items: list[OutboxItem]) -> str:
    """One row per delivery: id, state, tries, next try, target, route, what, reason."""
    header = (
        f"{'id':>5} {'state':<9} {'tries':>5} {'next try':<16} {'target':<20} "
        f"{'route/mode':<18} {'what':<20} reason"
    )
    lines = [header, "-" * len(header)]
    for i in items:
        route = "report" if i.mode == REPORT else f"{i.route or 'digest'}/{i.mode}"
        reason = i.last_error if i.state in (FAILED, UNKNOWN) else (i.note or i.last_error or "")
        when = "-" if i.state == SENT else _when(i.next_attempt_at)
        first_line = reason.splitlines()[0][:160] if reason else ""
        lines.append(
            f"{i.id:>5} {i.state:<9} {i.attempts:>5} {when:<16} {i.target[:20]:<20} "
            f"{route[:18]:<18} {describe(i.subject)[:20]:<20} {first_line}"
        )
    if len(lines) == 2:
        lines.append("(no deliveries)")
    return "\n".join(lines)


@app.command()
def deliveries(
    config: ConfigOption = None,
    failed: Annotated[
        bool, typer.Option("--failed", help="Only failed and unconfirmed deliveries.")
    ] = False,
    pending: Annotated[
        bool, typer.Option("--pending", help="Only deliveries waiting to be sent.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows shown, newest first.")] = 100,
) -> None:
    """List deliveries (alert, digest, heartbeat or competitor report → recipient) with
    state, tries, next try and the reason of the last failure; failed ones are retried on
    every daemon tick and every run."""
    cfg = load(config)
    from brandpulse.readonly import open_read_only_repository

    repo = open_read_only_repository(cfg)  # a StorageError is one line and exit 1 (cli_common)
    outbox = Outbox(repo.engine)
    states: list[str] = []
    if failed:
        states += [FAILED, UNKNOWN]
    if pending:
        states += [PENDING, CLAIMED]
    typer.echo(deliveries_table(outbox.items(states=states or None, limit=limit)))
    typer.echo(status_line(outbox))
