"""``brandpulse config ...``: commands about the configuration itself.

``brandpulse config reference`` prints the Markdown configuration reference generated
from the settings models; ``--readme FILE`` rewrites the generated part of FILE in place
(``make docs`` does it for README.md). More sub-commands (e.g. ``check``) go here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brandpulse.cli_common import EXIT_USAGE, echo_err

config_app = typer.Typer(
    help="The configuration: its reference (generated from the settings models).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@config_app.command()
def reference(
    readme: Annotated[
        Path | None,
        typer.Option(
            "--readme",
            help="Rewrite the generated part of this Markdown file (between the "
            "config-reference markers) instead of printing.",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Print the configuration reference (Markdown): every section and key with its
    type, default and description."""
    from brandpulse.config_reference import config_reference, replace_marked

    generated = config_reference()
    if readme is None:
        typer.echo(generated, nl=False)
        return
    text = readme.read_text(encoding="utf-8")
    try:
        updated = replace_marked(text, generated)
    except ValueError as exc:
        echo_err(f"error: {readme}: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    if updated != text:
        readme.write_text(updated, encoding="utf-8")
        typer.echo(f"{readme}: configuration reference updated")
    else:
        typer.echo(f"{readme}: configuration reference already up to date")
