"""``brandpulse`` sentiment commands: classify (JSON Lines in, JSON Lines out) and evaluate.

Registered on the app by :mod:`brandpulse.cli`. Neither touches the database.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from brandpulse.cli_common import EXIT_FAILED, EXIT_USAGE, ConfigOption, echo_err
from brandpulse.config import load_config
from domain import defaults
from domain.errors import ConfigError
from domain.languages import language_code

DEFAULT_EVAL_DATA = Path("../shared/data")


def classify(
    lang: Annotated[
        str | None, typer.Option("--lang", help="ISO 639-1 code of every input (skip detection).")
    ] = None,
    backend: Annotated[
        str | None,
        typer.Option(
            help="cascade, auto, vader, multilingual, accurate or transformers "
            "(default from config)."
        ),
    ] = None,
    config: ConfigOption = None,
    batch_size: Annotated[
        int, typer.Option(help="Lines classified per batch.")
    ] = defaults.ANALYSIS_BATCH_SIZE,
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
    if lang is not None:
        try:
            lang = language_code(lang)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--lang") from exc
    bad = classify_stream(
        sys.stdin, sys.stdout, sys.stderr, analysis=analysis, language=lang, batch_size=batch_size
    )
    if bad:
        raise typer.Exit(EXIT_FAILED)


def evaluate(
    data: Annotated[
        Path,
        typer.Option(help="Folder with the labeled sets (sentiment/ of ../shared/data)."),
    ] = DEFAULT_EVAL_DATA,
    backend: Annotated[
        list[str] | None,
        typer.Option(
            help="Backend(s) to score: cascade, accurate, multilingual, auto, vader, "
            "transformers (repeatable; default cascade, accurate, multilingual). "
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
        echo_err(f"error: {data} is not a folder; pass --data ../shared/data")
        raise typer.Exit(EXIT_USAGE)
    names = backend or ["cascade", "accurate", "multilingual"]
    analyzers = []
    for name in names:
        options = {"model_dir": str(model_dir)} if name == "transformers" and model_dir else {}
        try:
            analyzers.append(build_analyzer(name, **options))
        except (ValueError, OSError, ConfigError) as exc:
            echo_err(f"error: backend {name!r}: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
    report = run_evaluation(data, analyzers, limit=limit)
    typer.echo(format_report(report))
    if json_output:
        json_output.write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
