"""Inbox commands on the ``brandpulse`` app: inbox, handle, assign, snooze, dismiss,
reopen, history and spikes. Each is a thin shell over :mod:`brandpulse.inbox`.

Exit codes: 0 done, 1 the alert does not exist or its state does not allow the action
(or the database is missing or failed), 2 a bad value (state, brand, reason, time) or
config. The database must exist: these commands never create one.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from brandpulse.cli import app
from brandpulse.cli_common import EXIT_FAILED, EXIT_USAGE, ConfigOption, echo_err, load
from brandpulse.config import Config

if TYPE_CHECKING:
    from brandpulse.inbox import Inbox

NOTE_HELP = "Free text kept with the action."
BY_HELP = "Who is acting (default: $USER)."

T = TypeVar("T")


class InboxFormat(StrEnum):
    table = "table"
    json = "json"


class StateChoice(StrEnum):
    open = "open"
    assigned = "assigned"
    snoozed = "snoozed"
    handled = "handled"
    dismissed = "dismissed"
    watch = "watch"
    all = "all"


class DismissReason(StrEnum):
    not_our_brand = "not-our-brand"
    not_negative = "not-negative"
    spam = "spam"
    duplicate = "duplicate"
    other = "other"


def _inbox(config: Config) -> Inbox:
    """The inbox on the configured database, which must exist (never created here)."""
    from brandpulse.inbox import Inbox
    from brandpulse.readonly import open_existing_repository

    return Inbox(config, open_existing_repository(config))


def _fail(exc: Exception, *, usage: bool = False) -> typer.Exit:
    echo_err(f"error: {exc}")
    return typer.Exit(EXIT_USAGE if usage else EXIT_FAILED)


def _act(call: Callable[[], T], *, usage: bool = False) -> T:
    """``call()``; an :class:`~brandpulse.inbox.InboxError` becomes a one-line error and
    exit code 1 (2 with ``usage``: a bad value rather than a missing or closed alert)."""
    from brandpulse.inbox import InboxError

    try:
        return call()
    except InboxError as exc:
        raise _fail(exc, usage=usage) from None


def _width() -> int:
    """The terminal's width when printing to one, else 80 (files, pipes, tests)."""
    if sys.stdout.isatty():
        return max(60, min(140, shutil.get_terminal_size((80, 24)).columns))
    return 80


@app.command()
def inbox(
    config: ConfigOption = None,
    brand: Annotated[str | None, typer.Option(help="Only this brand's alerts.")] = None,
    state: Annotated[
        StateChoice,
        typer.Option(
            help="open (open and assigned: still to do), assigned, snoozed, handled, "
            "dismissed, watch (worth a look) or all."
        ),
    ] = StateChoice.open,
    fmt: Annotated[
        InboxFormat, typer.Option("--format", help="table (80 columns) or json (JSON Lines).")
    ] = InboxFormat.table,
) -> None:
    """List alerts to work through: overdue first, then most urgent, with why they rank
    there and when they are due."""
    from digest.inbox import render_table

    box = _inbox(load(config))
    items = _act(lambda: box.items(state=state.value, brand=brand), usage=True)
    if fmt is InboxFormat.json:
        for item in items:
            typer.echo(json.dumps(item.record(), ensure_ascii=False))
        return
    overdue = sum(1 for i in items if i.overdue)
    scope = f" for {brand}" if brand else ""
    noun = "alert" if len(items) == 1 else "alerts"
    title = f"Inbox{scope}: {len(items)} {noun} ({state.value})" + (
        f", {overdue} OVERDUE" if overdue else ""
    )
    if not items:
        typer.echo(f"{title}. Nothing to do here.")
    else:
        typer.echo(render_table(items, width=_width(), title=title), nl=False)
        typer.echo(
            "Work it: brandpulse handle ID --note TEXT | assign ID --to NAME | "
            "snooze ID --until 2h | dismiss ID --reason not-our-brand|not-negative|spam|"
            "duplicate|other"
        )
    for s in box.exclude_suggestions(brand):
        typer.echo(
            f'Suggestion: add "{s.phrase}" to the exclude list of {s.brand} '
            f"({s.dismissed} dismissed as not our brand, {s.kept} kept mention(s) contain it)"
        )


def _by(value: str | None) -> str:
    from brandpulse.inbox import default_actor

    return value.strip() if value and value.strip() else default_actor()


@app.command()
def handle(
    alert_id: Annotated[int, typer.Argument(help="Alert id (see brandpulse inbox).")],
    note: Annotated[str | None, typer.Option(help=NOTE_HELP)] = None,
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    config: ConfigOption = None,
) -> None:
    """Mark an alert handled (answered or solved)."""
    box = _inbox(load(config))
    item = _act(lambda: box.handle(alert_id, by=_by(by), note=note))
    typer.echo(f"alert {item.alert_id} handled by {item.closed_by}")


@app.command()
def assign(
    alert_id: Annotated[int, typer.Argument(help="Alert id (see brandpulse inbox).")],
    to: Annotated[str, typer.Option("--to", help="Who takes it.")],
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    config: ConfigOption = None,
) -> None:
    """Give an alert to someone (its SLA clock keeps running)."""
    box = _inbox(load(config))
    item = _act(lambda: box.assign(alert_id, to=to, by=_by(by)))
    typer.echo(f"alert {item.alert_id} assigned to {item.assignee}")


@app.command()
def snooze(
    alert_id: Annotated[int, typer.Argument(help="Alert id (see brandpulse inbox).")],
    until: Annotated[
        str,
        typer.Option(
            "--until", help="A duration (30m, 2h, 1d, 1w) or an ISO date/time (UTC if no offset)."
        ),
    ],
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    config: ConfigOption = None,
) -> None:
    """Hide an alert until a time; it comes back to the open queue after that."""
    from brandpulse.inbox import parse_when

    box = _inbox(load(config))
    when = _act(lambda: parse_when(until, now=datetime.now(UTC)), usage=True)
    item = _act(lambda: box.snooze(alert_id, until=when, by=_by(by)))
    assert item.snoozed_until is not None
    typer.echo(f"alert {item.alert_id} snoozed until {item.snoozed_until:%Y-%m-%d %H:%M} UTC")


@app.command()
def dismiss(
    alert_id: Annotated[int, typer.Argument(help="Alert id (see brandpulse inbox).")],
    reason: Annotated[
        DismissReason,
        typer.Option(
            help="not-our-brand (teaches brand matching), not-negative (corrects the label), "
            "spam, duplicate or other."
        ),
    ],
    note: Annotated[str | None, typer.Option(help=NOTE_HELP)] = None,
    label: Annotated[
        str, typer.Option(help="With not-negative: the right label, neutral or positive.")
    ] = "neutral",
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    config: ConfigOption = None,
) -> None:
    """Dismiss an alert with a reason; not-negative and not-our-brand teach BrandPulse."""
    if label not in ("neutral", "positive"):
        raise _fail(ValueError(f"--label {label!r}: neutral or positive"), usage=True)
    box = _inbox(load(config))
    item = _act(
        lambda: box.dismiss(alert_id, reason=reason.value, by=_by(by), note=note, label=label)
    )
    extra = ""
    if reason is DismissReason.not_negative:
        extra = f"; mention {item.mention.id} labelled {label} (see brandpulse training-data)"
    elif reason is DismissReason.not_our_brand:
        extra = f"; mention {item.mention.id} kept as a negative example for {item.brand}"
    typer.echo(f"alert {item.alert_id} dismissed ({reason.value}) by {item.closed_by}{extra}")


@app.command()
def reopen(
    alert_id: Annotated[int, typer.Argument(help="Alert id (see brandpulse inbox).")],
    by: Annotated[str | None, typer.Option(help=BY_HELP)] = None,
    config: ConfigOption = None,
) -> None:
    """Put a handled, dismissed, snoozed or worth-a-look alert back in the open queue."""
    box = _inbox(load(config))
    item = _act(lambda: box.reopen(alert_id, by=_by(by)))
    typer.echo(f"alert {item.alert_id} is {item.state} again")


@app.command()
def history(
    alert_id: Annotated[int, typer.Argument(help="Alert id (see brandpulse inbox).")],
    config: ConfigOption = None,
) -> None:
    """Every action on one alert: when, who, what."""
    box = _inbox(load(config))
    _act(lambda: box.item(alert_id))
    for event in box.history(alert_id):
        details = ", ".join(f"{k}={v}" for k, v in event.details.items())
        typer.echo(
            f"{event.at:%Y-%m-%d %H:%M} UTC  {event.actor:<16} {event.action:<9} {details}".rstrip()
        )


@app.command()
def spikes(
    config: ConfigOption = None,
    at: Annotated[
        str | None, typer.Option(help="Look at this ISO time instead of now (UTC if no offset).")
    ] = None,
    fmt: Annotated[
        InboxFormat, typer.Option("--format", help="table (one line each) or json.")
    ] = InboxFormat.table,
) -> None:
    """Spikes of volume and negative share per brand and source now, against the same
    hours of the week before (cooldown ignored, nothing recorded)."""
    from brandpulse.inbox_alerts import find_spikes, spike_figures
    from brandpulse.readonly import open_read_only_repository

    cfg = load(config)
    now = datetime.now(UTC)
    if at is not None:
        try:
            parsed = datetime.fromisoformat(at)
        except ValueError:
            raise _fail(
                ValueError(f"--at {at!r}: expected an ISO date/time such as 2026-12-01T10:00"),
                usage=True,
            ) from None
        now = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    repo = open_read_only_repository(cfg)
    findings = find_spikes(cfg, repo, now=now, ignore_cooldown=True)
    if fmt is InboxFormat.json:
        for f in findings:
            record = {
                "brand": f.brand,
                "source": f.source,
                "kind": f.kind,
                **spike_figures(f, window_end=True),
                "summary": f.summary,
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    if not findings:
        typer.echo(
            f"No spikes at {now:%Y-%m-%d %H:%M} UTC (last {cfg.spikes.window_hours:g} h "
            f"against the same hours of the previous {cfg.spikes.weeks} weeks)."
        )
        return
    for f in findings:
        typer.echo(("! " if f.category == "risk" else "+ ") + f.summary)
