"""What ``brandpulse demo`` prints at the end: the top of the queue and the next commands."""

from __future__ import annotations

from pathlib import Path

from brandpulse.config import Config
from storage import Repository


def demo_epilogue(output: Path, config: Config, repo: Repository) -> str:
    """The closing text of ``brandpulse demo`` (placeholder)."""
    return f"Database: {config.database.url}"
