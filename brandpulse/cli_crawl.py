"""``brandpulse crawl``: crawl start URLs with a spider now. Registered by :mod:`brandpulse.cli`."""

from __future__ import annotations

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
from domain.kinds import kinds_of


def crawl(
    spider: Annotated[str, typer.Argument(help=f"One of: {', '.join(kinds_of('spider'))}.")],
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
    setup_logging(verbose)
    cfg = load(config)
    from brandpulse.config_checks import check_start_url
    from brandpulse.crawls import crawl as run_crawl_now
    from brandpulse.crawls import crawl_for_url, default_source_name
    from brandpulse.intake import Intake
    from brandpulse.pipeline import open_repository
    from domain.records import SkipReason
    from spiders import SPIDERS

    if spider not in SPIDERS:
        echo_err(f"error: unknown spider {spider!r}; choose from {', '.join(sorted(SPIDERS))}")
        raise typer.Exit(EXIT_USAGE)
    try:
        for start in url:
            check_start_url(start)
    except ValueError as exc:
        echo_err(f"error: --url {start!r}: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    configured = crawl_for_url(cfg, url[0])
    if brand is not None and brand not in {b.name for b in cfg.brands}:
        echo_err(f"error: --brand {brand!r} is not one of the config's [[brands]]")
        raise typer.Exit(EXIT_USAGE)
    repo = open_repository(cfg)
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
        echo_err(f"problem: {problem}")
    if not run.ok:
        raise typer.Exit(EXIT_FAILED)
