"""The deployment recipes in deploy/ are what the README says they are.

The systemd unit is checked by systemd's own parser (``systemd-analyze verify``, with the
unit's /opt/brandpulse path pointed at this checkout's virtual environment): an unknown or
misspelt directive (a hardening option silently ignored) or a command that does not run is
a failure. The commands the unit runs are run here too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "deploy" / "brandpulse.service"
BIN = Path(sys.executable).parent

needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)


def _unit_here(tmp_path: Path, text: str | None = None) -> Path:
    unit = tmp_path / "brandpulse.service"
    body = text if text is not None else UNIT.read_text("utf-8")
    unit.write_text(body.replace("/opt/brandpulse/bin/", f"{BIN}/"), "utf-8")
    return unit


def _verify(unit: Path) -> str:
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    return (done.stdout + done.stderr).strip()


@needs_systemd
def test_the_systemd_unit_parses_without_a_warning(tmp_path: Path) -> None:
    assert (BIN / "brandpulse").exists(), "brandpulse is installed beside this Python"
    assert _verify(_unit_here(tmp_path)) == ""


@needs_systemd
def test_a_misspelt_hardening_option_would_be_caught(tmp_path: Path) -> None:
    broken = UNIT.read_text("utf-8").replace("ProtectSystem=strict", "ProtectSytem=strict")
    assert "Unknown key 'ProtectSytem'" in _verify(_unit_here(tmp_path, broken))


def test_the_units_commands_are_brandpulse_commands() -> None:
    """ExecStartPre and ExecStart name commands the CLI has (``config check``, ``run``)."""
    lines = UNIT.read_text("utf-8").splitlines()
    commands = [line.split("=", 1)[1].split()[1:] for line in lines if line.startswith("ExecStart")]
    assert commands == [["config", "check"], ["run"]]
    for args in commands:
        done = subprocess.run(
            [str(BIN / "brandpulse"), *args, "--help"], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr


def test_the_container_image_gets_every_package_and_the_pdf_libraries() -> None:
    """The Containerfile copies every package pyproject installs (a package left out
    builds fine and fails at the first import) and the system libraries the PDF report
    needs, as `make venv` installs them on Debian."""
    import tomllib

    recipe = (ROOT / "deploy" / "Containerfile").read_text("utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    packages = project["tool"]["importlinter"]["root_packages"]
    found = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(f"{p}*" for p in packages) == sorted(found)
    for package in packages:
        assert f"COPY {package} ./{package}\n" in recipe, package
    makefile = (ROOT / "Makefile").read_text("utf-8")
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0"):
        assert library in makefile and library in recipe, library
