"""Documentation cannot fall behind the code.

The configuration reference in README is generated from the settings models
(``brandpulse config reference``): it must equal the generated text, every key must have a
description, every command (and sub-command) and every source type must be in README.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel, Field
from typer.testing import CliRunner

from brandpulse import config_reference as ref
from brandpulse.cli import app
from brandpulse.config import Config, SourceConfig
from domain.kinds import kinds_of
from listeners import LISTENER_TYPES, listener_class

README_PATH = Path(__file__).resolve().parents[1] / "README.md"
README = README_PATH.read_text(encoding="utf-8")
runner = CliRunner()


def test_readme_configuration_reference_is_the_generated_one() -> None:
    assert ref.START_MARKER in README and ref.END_MARKER in README
    assert ref.marked_part(README) == ref.config_reference(), (
        "README's configuration reference drifted from the settings models: run `make docs` "
        "(brandpulse config reference --readme README.md)"
    )


def _settings_models() -> list[tuple[str, type[BaseModel]]]:
    models: list[tuple[str, type[BaseModel]]] = []
    for name, field in Config.model_fields.items():
        found = ref._section_model(field.annotation)
        if found is not None:
            models.append((name, found[0]))
    for kind in LISTENER_TYPES:
        models.append((f"sources.{kind}", listener_class(kind).Settings))  # type: ignore[attr-defined]
    return models


@pytest.mark.parametrize(("where", "model"), _settings_models(), ids=lambda v: str(v))
def test_every_key_has_a_description_and_a_row(where: str, model: type[BaseModel]) -> None:
    undocumented = [n for n, f in model.model_fields.items() if not (f.description or "").strip()]
    assert undocumented == [], f"{where}: keys without description: {undocumented}"
    generated = ref.config_reference()
    for name, field in model.model_fields.items():
        if not field.exclude:
            assert f"| `{name}` |" in generated, f"{where}.{name} missing from the reference"


def test_every_section_and_source_type_is_in_the_reference() -> None:
    generated = ref.config_reference()
    for name in ("database", "analysis", "alerts", "digest", "http"):
        assert f"### `[{name}]`" in generated
    for name in ("brands", "sources", "crawls"):
        assert f"### `[[{name}]]`" in generated
    for kind in LISTENER_TYPES:
        assert f'### `[[sources]] type = "{kind}"`' in generated
    # Defaults come from the models: the crawl's page bound is the declared default.
    assert "| `max_pages` | integer, ≥ 1 and ≤ 100000 | `20` |" in generated
    assert '| `backend` | `"cascade"` \\| `"auto"` \\| `"vader"`' in generated


def test_a_field_without_description_is_refused() -> None:
    class Bare(BaseModel):
        documented: int = Field(default=1, description="Has one.")
        bare: int = 2

    with pytest.raises(ref.UndocumentedField, match=r"x\.bare \(Bare\) has no description"):
        list(ref._table(Bare, where="x"))


@pytest.mark.parametrize("kind", sorted(LISTENER_TYPES))
def test_every_source_type_is_in_the_sources_table(kind: str) -> None:
    rows = [line for line in README.splitlines() if line.startswith(f"| `{kind}` |")]
    assert rows, f"source type {kind!r} missing from the README sources table"
    glance = README.split("## Sources at a glance", 1)[1].split("\n## ", 1)[0]
    assert f"(`{kind}`) |" in glance, f"source type {kind!r} missing from Sources at a glance"


@pytest.mark.parametrize("spider", sorted(kinds_of("spider")))
def test_every_spider_is_in_the_sources_table_and_the_crawls_section(spider: str) -> None:
    (row,) = [line for line in README.splitlines() if line.startswith("| Scrapy crawls: ")]
    assert f"`{spider}`" in row, f"spider {spider!r} missing from the README sources table"
    crawls = README.split("### Crawls", 1)[1].split("\n#", 1)[0]
    assert f"`{spider}` " in crawls, f"README's Crawls section does not say what {spider} reads"


def _command_names(group: typer.Typer, prefix: str = "") -> list[str]:
    names = [
        prefix + (c.name or (c.callback.__name__ if c.callback else ""))
        for c in group.registered_commands
    ]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None and sub.name
        names += _command_names(sub.typer_instance, prefix=f"{prefix}{sub.name} ")
    return names


def test_every_command_is_documented() -> None:
    names = _command_names(app)
    assert "config reference" in names and "export" in names
    missing = [name for name in names if f"`brandpulse {name}" not in README]
    assert missing == [], f"commands missing from README: {missing}"


def test_config_reference_command_prints_and_rewrites(tmp_path: Path) -> None:
    printed = runner.invoke(app, ["config", "reference"])
    assert printed.exit_code == 0, printed.output
    assert printed.stdout == ref.config_reference()
    # A README whose generated part is stale gets it replaced; the rest is kept.
    readme = tmp_path / "README.md"
    stale = README.replace(
        "| `max_pages` | integer, ≥ 1 and ≤ 100000 | `20` |", "| `max_pages` | old |"
    )
    assert stale != README
    readme.write_text(stale, encoding="utf-8")
    result = runner.invoke(app, ["config", "reference", "--readme", str(readme)])
    assert result.exit_code == 0 and "updated" in result.stdout
    assert readme.read_text(encoding="utf-8") == README
    again = runner.invoke(app, ["config", "reference", "--readme", str(readme)])
    assert again.exit_code == 0 and "already up to date" in again.stdout
    # No markers: exit 2 and one line naming the file; the file is not touched.
    plain = tmp_path / "plain.md"
    plain.write_text("# no markers\n", encoding="utf-8")
    bad = runner.invoke(app, ["config", "reference", "--readme", str(plain)])
    assert bad.exit_code == 2 and f"error: {plain}" in bad.stderr
    assert plain.read_text(encoding="utf-8") == "# no markers\n"


def test_source_config_keys_come_before_each_types_own_keys() -> None:
    generated = ref.config_reference()
    common = generated.index("### `[[sources]]`")
    assert all(
        generated.index(f'### `[[sources]] type = "{kind}"`') > common for kind in LISTENER_TYPES
    )
    assert set(SourceConfig.model_fields) <= {
        line.split("`")[1]
        for line in generated[common:].split("### `[[sources]] type")[0].splitlines()
        if line.startswith("| `")
    }


CONTRIBUTING = (README_PATH.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
_PACKAGES = ("brandpulse", "listeners", "spiders", "sentiment", "digest", "storage", "domain")
_DOTTED = re.compile(rf"(?:{'|'.join(_PACKAGES)})(?:\.\w+)+")
_PATH = re.compile(r"[\w./-]+\.(?:py|md)|[\w-]+/[\w/.-]*/")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            if not hasattr(target, name):
                return False
            target = getattr(target, name)
        return True
    return False


def test_contributing_names_only_what_exists() -> None:
    """CONTRIBUTING walks a newcomer through real modules, names and files: a rename that
    leaves it behind fails here."""
    spans = re.findall(r"`([^`\n]+)`", CONTRIBUTING)
    dotted = [t for t in spans if _DOTTED.fullmatch(t)]
    paths = [t for t in spans if _PATH.fullmatch(t)]
    assert len(dotted) > 8 and len(paths) > 8
    assert [t for t in dotted if not _resolves(t)] == []
    assert [t for t in paths if not (README_PATH.parent / t).exists()] == []
