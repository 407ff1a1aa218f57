"""Language codes in config and on the command line are the codes mentions carry.

A brand or route with ``languages = ["English"]`` used to load fine and then keep nothing
(stored mentions say ``en``); ``classify --lang EN`` wrote ``"language": "EN"``, outside
the classify contract's ISO 639-1 codes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import ConfigError, load_config
from domain.languages import language_code

runner = CliRunner()


@pytest.mark.parametrize(("given", "stored"), [("en", "en"), (" EN", "en"), ("ceb", "ceb")])
def test_codes_are_normalised_to_what_detection_stores(given: str, stored: str) -> None:
    assert language_code(given) == stored


@pytest.mark.parametrize("bad", ["English", "en-US", "e", "", "bg_BG", "１２"])
def test_names_and_tags_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a language code"):
        language_code(bad)


def test_a_brand_with_a_language_name_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "brandpulse.toml"
    path.write_text('[[brands]]\nname = "Acme"\nlanguages = ["English"]\n', "utf-8")
    with pytest.raises(ConfigError, match=r"brands\[0\].*languages\[0\]: not a language code"):
        load_config(path, env={})
    path.write_text('[[brands]]\nname = "Acme"\nlanguages = ["EN", "ar"]\n', "utf-8")
    assert load_config(path, env={}).brands[0].languages == ["en", "ar"]


def test_a_route_with_a_language_name_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "brandpulse.toml"
    path.write_text(
        '[[brands]]\nname = "Acme"\n[[alerts.routes]]\nname = "ar-team"\n'
        'urls = ["json://127.0.0.1:9/hook"]\nlanguages = ["Arabic"]\n',
        "utf-8",
    )
    with pytest.raises(ConfigError, match=r"languages\[0\]: not a language code"):
        load_config(path, env={})


def test_classify_lang_is_checked_and_lower_cased() -> None:
    line = json.dumps({"id": 1, "text": "I love it"}) + "\n"
    bad = runner.invoke(app, ["classify", "--backend", "vader", "--lang", "english"], input=line)
    assert bad.exit_code == 2
    assert "not a language code" in bad.output
    ok = runner.invoke(app, ["classify", "--backend", "vader", "--lang", "EN"], input=line)
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["language"] == "en"
