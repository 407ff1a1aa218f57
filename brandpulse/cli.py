"""The ``brandpulse`` command line. Exit codes: 0 done, 1 failed, 2 bad usage or config.

This module holds the app and the cycle commands (run, demo); the other commands live in
``cli_data`` (export, sources, label, training-data), ``cli_report`` (report),
``cli_sentiment`` (classify,
evaluate), ``cli_crawl`` (crawl) and ``cli_config`` (the ``config`` sub-commands), and are
registered below in the order ``--help`` lists them. Expected failures are mapped to exit
codes and one-line messages once, in :class:`brandpulse.cli_common.BrandPulseGroup`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from brandpulse import cli_crawl, cli_data, cli_report, cli_sentiment
from brandpulse.cli_common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    BrandPulseGroup,
    ConfigOption,
    VerboseOption,
    load,
    setup_logging,
)
from brandpulse.cli_config import config_app
from brandpulse.cli_data import EXPORT_FIELDS, mention_record

logger = logging.getLogger(__name__)

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXPORT_FIELDS",
    "app",
    "main",
    "mention_record",
]

app = typer.Typer(
    cls=BrandPulseGroup,
    help="BrandPulse: self-hosted social listening and review monitoring.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_cycle(report: Any, *, repo: Any) -> None:
    from brandpulse.summary import cycle_summary
    from domain.redact import redact

    typer.echo(redact(cycle_summary(report, repo=repo)))


@app.command()
def run(
    config: ConfigOption = None,
    once: Annotated[bool, typer.Option("--once", help="Run one cycle and exit.")] = False,
    verbose: VerboseOption = False,
) -> None:
    """Collect, store, analyze, alert and write the digest: once, or as a daemon.

    ``--once`` exits 0 when all went well, 3 when some sources or deliveries failed, 4
    when all sources or all deliveries failed (the digest is written in both cases); 1
    when another run holds the database's run lock."""
    setup_logging(verbose)
    cfg = load(config)
    from brandpulse.pipeline import Pipeline
    from brandpulse.runguard import cycle_exit_code, exclusive_run

    code = EXIT_OK
    with exclusive_run(cfg):  # the run lock is taken before any migration
        pipeline = Pipeline(cfg)
        if once:
            report = pipeline.run_once()
            _print_cycle(report, repo=pipeline.repo)
            code = cycle_exit_code(report)
        else:
            _run_daemon(cfg, pipeline, config)
    if code:
        raise typer.Exit(code)


def _run_daemon(cfg: Any, pipeline: Any, config_path: Path | None) -> None:
    """The daemon, with SIGHUP reloading the same config file, and metrics when asked."""
    from brandpulse.scheduler import run_daemon

    metrics = None
    if cfg.metrics.listen:
        from brandpulse.metrics import Metrics

        metrics = Metrics(pipeline.repo)
        metrics.serve(cfg.metrics.listen)
    try:
        run_daemon(cfg, pipeline=pipeline, reload=lambda: load(config_path), metrics=metrics)
    finally:
        if metrics is not None:
            metrics.close()


@app.command()
def demo(
    output: Annotated[Path, typer.Option(help="Folder for the demo database and digests.")] = Path(
        "demo-output"
    ),
    notify: Annotated[
        list[str] | None,
        typer.Option(
            "--notify",
            help="Also send this run's alerts to an apprise URL (json://127.0.0.1:8000/, "
            "mailto://...); repeatable. Used for this run only, never written to a file.",
        ),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Replay bundled real recordings of every source kind through a local server, run one
    full cycle, and end with the top of the queue and the commands to work it."""
    setup_logging(verbose)
    from brandpulse.demo import run_demo
    from brandpulse.demo_report import demo_epilogue

    report, repo, cfg = run_demo(output, notify=notify or ())
    _print_cycle(report, repo=repo)
    typer.echo("")
    typer.echo(demo_epilogue(output, cfg, repo))


# The other commands, in the order --help lists them.
app.command()(cli_data.export)
app.command()(cli_sentiment.classify)
app.command()(cli_data.sources)
app.add_typer(cli_report.report_app, name="report")
app.command()(cli_data.label)
app.command()(cli_sentiment.evaluate)
app.command("training-data")(cli_data.training_data)
app.command()(cli_crawl.crawl)
app.add_typer(config_app, name="config")
import brandpulse.cli_ops  # noqa: E402,F401  (registers --version, --log-format, config check)
from brandpulse import cli_deliveries  # noqa: E402, F401  (registers `deliveries`)
from brandpulse import cli_engine as _cli_engine  # noqa: E402, F401  (worker, scheduler, status)


def main() -> None:
    """Console-script entry point. Files and folders it creates are private (umask 077:
    0600 files, 0700 folders): databases, digests and exports hold what customers wrote
    and where alerts go."""
    import os

    os.umask(0o077)
    app()


# The inbox commands (inbox, handle, assign, snooze, dismiss, ...) register on ``app``.
from brandpulse import cli_inbox  # noqa: E402, F401
from brandpulse import cli_web as _cli_web  # noqa: E402, F401  (brandpulse web, users)

if __name__ == "__main__":
    main()
