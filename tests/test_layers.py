"""The import-linter contracts cover every package, with the domain package at the bottom
(issue 10): a package left out of the contracts could import anything."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LINTER = PYPROJECT["tool"]["importlinter"]


def _contract(kind: str) -> dict[str, list[str]]:
    (found,) = [c for c in LINTER["contracts"] if c["type"] == kind]
    return found


def test_every_installed_package_is_a_root_of_the_contracts() -> None:
    installed = {
        pattern.rstrip("*")
        for pattern in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    on_disk = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert installed == set(LINTER["root_packages"]) == on_disk


def test_layers_put_domain_at_the_bottom_and_name_every_package() -> None:
    layers = [set(layer.split(" | ")) for layer in _contract("layers")["layers"]]
    assert layers[0] == {"brandpulse"}
    assert layers[-2:] == [{"storage"}, {"domain"}]
    assert set().union(*layers) == set(LINTER["root_packages"])


def test_the_middle_packages_stay_independent() -> None:
    assert set(_contract("independence")["modules"]) == {"spiders", "sentiment", "digest"}
