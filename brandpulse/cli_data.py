"""``brandpulse`` commands on stored data: export, sources, label, training-data (``report``
is :mod:`brandpulse.cli_report`).

export, sources and training-data only read: they open the database read-only
and never create it (a mistyped path is one line and exit code 1). label writes a
correction into an existing database. Registered on the app by :mod:`brandpulse.cli`.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from brandpulse.cli_common import (
    EXIT_FAILED,
    EXIT_USAGE,
    ConfigOption,
    echo_err,
    load,
)
from domain.text import model_text


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    csv = "csv"


EXPORT_FIELDS = (
    "id",
    "brand",
    "brands",
    "source",
    "external_id",
    "url",
    "author",
    "title",
    "text",
    "published_at",
    "collected_at",
    "rating",
    "engagement",
    "comment_count",
    "author_followers",
    "language",
    "label",
    "score",
    "confidence",
    "model",
    "topic",
    "overridden",
    "content_hash",
    "verified",
    "helpful_votes",
    "owner_reply",
)


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        echo_err(f"error: --since {value!r}: expected an ISO date such as 2026-11-01")
        raise typer.Exit(EXIT_USAGE) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def mention_record(m: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One stored mention as the export contract's flat dict (with the review columns
    of :mod:`brandpulse.export_fields` read from its ``extra``). ``url`` is None (empty in
    CSV) unless it is an http(s) link (:func:`domain.sanitize.safe_link`): a row stored by an
    older version may hold a ``javascript:`` or ``data:`` URL."""
    from brandpulse.export_fields import review_fields
    from domain.sanitize import safe_link

    return {
        "id": m.id,
        "brand": m.brands[0] if m.brands else None,
        "brands": list(m.brands),
        "source": m.source,
        "external_id": m.external_id,
        "url": safe_link(m.url),
        "author": m.author,
        "title": m.title,
        "text": m.text,
        "published_at": m.published_at.isoformat() if m.published_at else None,
        "collected_at": m.collected_at.isoformat(),
        "rating": m.rating,
        "engagement": m.engagement,
        "comment_count": m.comment_count,
        "author_followers": m.author_followers,
        "language": m.language,
        "label": m.label,
        "score": m.score,
        "confidence": m.confidence,
        "model": m.model,
        "topic": m.topic,
        "overridden": m.overridden,
        "content_hash": m.content_hash,
        **review_fields(extra, engagement=m.engagement),
    }


def export(
    config: ConfigOption = None,
    fmt: Annotated[ExportFormat, typer.Option("--format", help="jsonl or csv.")] = (
        ExportFormat.jsonl
    ),
    since: Annotated[
        str | None, typer.Option(help="Only mentions published on/after this ISO date.")
    ] = None,
    brand: Annotated[str | None, typer.Option(help="Only this brand's mentions.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File; default stdout.")
    ] = None,
) -> None:
    """Export every stored mention with its analysis (JSON Lines or CSV)."""
    cfg = load(config)
    from brandpulse.readonly import open_read_only_repository

    since_at = _parse_since(since)
    repo = open_read_only_repository(cfg)
    from storage.export import iter_mention_pages
    from storage.extras import extras_by_id

    # Streamed: rows are written as they are read, a page at a time (constant memory).
    rows = (
        mention_record(m, extras.get(m.id))
        for page in iter_mention_pages(repo, since=since_at, brand=brand)
        for extras in (extras_by_id(repo.engine, [m.id for m in page]),)
        for m in page
    )
    handle = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        if fmt is ExportFormat.jsonl:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS)
            writer.writeheader()
            for row in rows:
                writer.writerow({**row, "brands": "|".join(row["brands"])})
    finally:
        if output:
            handle.close()


def sources(config: ConfigOption = None) -> None:
    """Show each source's health: last success, items, last error, failures, silence."""
    cfg = load(config)
    from brandpulse.readonly import configured_health, open_read_only_repository
    from brandpulse.summary import health_table

    repo = open_read_only_repository(cfg)
    rows, never_ran = configured_health(cfg, repo.source_health())
    typer.echo(health_table(rows))
    from brandpulse.delivery import status_line
    from storage.outbox import Outbox

    outbox = Outbox(repo.engine)
    if outbox.has_rows():
        typer.echo(status_line(outbox))
    if never_ran:
        typer.echo(f"not run yet (no health stored): {', '.join(never_ran)}")
    from brandpulse.cli_sources import run_counts_table
    from storage.run_counts import run_counts

    typer.echo("\n" + run_counts_table([r.name for r in rows], run_counts(repo.engine)))


def label(
    mention_id: Annotated[int, typer.Argument(help="Mention id (see export or the digest).")],
    value: Annotated[
        str | None, typer.Argument(help="negative, neutral or positive.", show_default=False)
    ] = None,
    note: Annotated[str | None, typer.Option(help="Why (kept with the correction).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove the correction.")] = False,
    config: ConfigOption = None,
) -> None:
    """Correct a mention's sentiment label; corrections win over every model."""
    cfg = load(config)
    from brandpulse.readonly import open_existing_repository

    if not clear and value not in ("negative", "neutral", "positive"):
        echo_err("error: LABEL must be negative, neutral or positive")
        raise typer.Exit(EXIT_USAGE)
    repo = open_existing_repository(cfg)
    if clear:
        removed = repo.clear_override(mention_id)
        typer.echo("correction removed" if removed else "no correction to remove")
        return
    assert value is not None  # checked above
    try:
        repo.set_override(mention_id, value, note=note)
    except KeyError as exc:
        echo_err(f"error: {exc.args[0]}")
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(f"mention {mention_id} labelled {value}")


def training_data(
    config: ConfigOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File; default stdout.")
    ] = None,
) -> None:
    """Export human label corrections as JSON Lines training data for the next model.

    One line per corrected mention: {"text", "label", "language", "mention_id", "source"};
    then one per mention dismissed as not about a brand: {"task": "brand", "text",
    "brand", "match": false, ...}. ``python -m sentiment.train --extra FILE`` adds the
    label corrections to the training set (it skips the brand lines).
    """
    cfg = load(config)
    from brandpulse.readonly import open_read_only_repository

    repo = open_read_only_repository(cfg)
    handle = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        for m in repo.mentions(overridden=True):
            row = {
                "text": model_text(m.title, m.text),
                "label": m.label,
                "language": m.language,
                "mention_id": m.id,
                "source": m.source,
            }
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        from brandpulse.inbox import brand_training_rows

        for brand_row in brand_training_rows(repo):
            handle.write(json.dumps(brand_row, ensure_ascii=False) + "\n")
    finally:
        if output:
            handle.close()
