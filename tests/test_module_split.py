"""The storage and target-sentiment splits: names stay importable where callers use them,
and no module of those packages grows past 400 lines again."""

from __future__ import annotations

from pathlib import Path

import pytest

import sentiment.clauses
import sentiment.cues
import sentiment.targets
import storage
import storage.repo

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400


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


@pytest.mark.parametrize(
    "path",
    sorted(
        [*(ROOT / "storage").glob("*.py"), *(ROOT / "sentiment").glob("*.py")],
        key=lambda p: p.name,
    ),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_module_stays_under_the_line_limit(path: Path) -> None:
    lines = len(path.read_text("utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by concern"
