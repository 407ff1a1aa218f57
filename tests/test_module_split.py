"""The module splits: names stay importable where callers use them, and no Python module
outside tests/ and tests_e2e/ (packages, benchmarks, tools, docs scripts) grows past 400
lines again."""

from __future__ import annotations

from pathlib import Path

import pytest

import digest.competitors
import digest.inbox
import listeners.reddit
import sentiment.clauses
import sentiment.cues
import sentiment.targets
import storage
import storage.repo

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
#: Top-level folders whose modules may be longer: the tests themselves.
NOT_LIMITED = frozenset({"tests", "tests_e2e"})
#: Generated or installed trees (hidden folders such as .venv and .git are skipped too).
NOT_SOURCE = frozenset({"build", "dist", "demo-output", "__pycache__"})


def _source_modules() -> list[Path]:
    """Every .py file of the repository outside the tests, hidden folders and build output."""
    out = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in NOT_LIMITED or any(
            part.startswith(".") or part in NOT_SOURCE or part.endswith(".egg-info")
            for part in parts[:-1]
        ):
            continue
        out.append(path)
    return sorted(out)


def test_targets_still_exports_its_public_names() -> None:
    for name in sentiment.targets.__all__:
        assert hasattr(sentiment.targets, name), name
    assert sentiment.targets.split_sentences is sentiment.clauses.split_sentences
    assert sentiment.targets.split_clauses is sentiment.clauses.split_clauses
    assert sentiment.targets.Span is sentiment.clauses.Span
    assert sentiment.targets.Role is sentiment.cues.Role


def test_storage_exports_are_kept() -> None:
    for name in storage.__all__:
        assert hasattr(storage, name), name
    for name in ("Repository", "AnalysisInput", "PendingText", "MAX_ERROR_CHARS"):
        assert hasattr(storage.repo, name), name


def test_split_digest_and_reddit_modules_keep_their_names() -> None:
    for package in (digest.competitors, digest.inbox):
        for name in package.__all__:
            assert hasattr(package, name), f"{package.__name__}.{name}"
    for name in listeners.reddit.__all__:
        assert hasattr(listeners.reddit, name), name


def test_the_line_limit_sees_every_package_and_the_scripts() -> None:
    folders = {p.relative_to(ROOT).parts[0] for p in _source_modules()}
    expected = {"brandpulse", "listeners", "spiders", "sentiment", "digest", "storage"}
    assert expected | {"domain", "benchmarks", "tools"} <= folders
    assert ROOT / "brandpulse" / "web" / "app.py" in _source_modules()
    assert not folders & NOT_LIMITED


@pytest.mark.parametrize("path", _source_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_module_stays_under_the_line_limit(path: Path) -> None:
    lines = len(path.read_text("utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by concern"
