"""Documentation cannot fall behind: every config key, command and source type is in README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from brandpulse.cli import app
from brandpulse.config import (
    AlertConfig,
    AnalysisConfig,
    BrandConfig,
    CrawlConfig,
    DatabaseConfig,
    DigestConfig,
    HttpConfig,
    SourceConfig,
)
from listeners import LISTENER_TYPES, listener_class

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")

SECTIONS: list[tuple[str, type[BaseModel]]] = [
    ("[database]", DatabaseConfig),
    ("[[brands]]", BrandConfig),
    ("[[sources]]", SourceConfig),
    ("[[crawls]]", CrawlConfig),
    ("[analysis]", AnalysisConfig),
    ("[alerts]", AlertConfig),
    ("[digest]", DigestConfig),
    ("[http]", HttpConfig),
]


@pytest.mark.parametrize(("section", "model"), SECTIONS, ids=[s for s, _ in SECTIONS])
def test_every_config_key_is_documented(section: str, model: type[BaseModel]) -> None:
    assert f"### `{section}`" in README, f"README lacks a section for {section}"
    part = README.split(f"### `{section}`", 1)[1].split("\n### ", 1)[0]
    missing = [name for name in model.model_fields if f"| `{name}` |" not in part]
    assert missing == [], f"undocumented keys in {section}: {missing}"


@pytest.mark.parametrize("kind", sorted(LISTENER_TYPES))
def test_every_source_type_and_its_keys_are_documented(kind: str) -> None:
    rows = [line for line in README.splitlines() if line.startswith(f"| `{kind}` |")]
    assert rows, f"source type {kind!r} missing from the README sources table"
    settings = listener_class(kind).Settings  # type: ignore[attr-defined]
    missing = [name for name in settings.model_fields if f"`{name}`" not in rows[0]]
    assert missing == [], f"{kind}: undocumented keys {missing}"


def test_every_command_is_documented() -> None:
    names = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert names, "no commands registered"
    missing = [name for name in names if f"`brandpulse {name}" not in README]
    assert missing == [], f"commands missing from README: {missing}"
