"""``brandpulse classify``: JSON Lines in, one JSON line per input out, same order."""

from __future__ import annotations

import json
import logging
from typing import Any, TextIO

from brandpulse.analysis import make_analyzer
from brandpulse.config import AnalysisConfig
from domain import defaults
from sentiment import Analyzer

logger = logging.getLogger(__name__)


def _parse_line(line: str, number: int) -> tuple[Any, str]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})"
        ) from None
    if not isinstance(obj, dict):
        raise ValueError(f'line {number}: expected a JSON object with "id" and "text"')
    if "id" not in obj:
        raise ValueError(f'line {number}: missing "id"')
    text = obj.get("text")
    if not isinstance(text, str):
        raise ValueError(f'line {number}: "text" must be a string')
    return obj["id"], text


def classify_stream(
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    *,
    analysis: AnalysisConfig,
    language: str | None = None,
    batch_size: int = defaults.ANALYSIS_BATCH_SIZE,
    analyzer: Analyzer | None = None,
) -> int:
    """Classify every line of ``stdin``; bad lines are reported on ``stderr`` (naming the
    line number) and skipped. Output is flushed after each batch. Returns the number of
    bad lines."""
    analyzer = analyzer or make_analyzer(analysis)
    bad = 0
    batch: list[tuple[Any, str]] = []

    def flush() -> None:
        if not batch:
            return
        texts = [text for _, text in batch]
        # Without --lang the backend identifies languages itself (once, with the
        # confidence the router needs to trust "English").
        langs = [language] * len(texts) if language else None
        for (item_id, _), result in zip(
            batch, analyzer.analyze(texts, languages=langs), strict=True
        ):
            stdout.write(
                json.dumps(
                    {
                        "id": item_id,
                        "label": result.label,
                        "score": round(result.score, 4),
                        "confidence": round(result.confidence, 4),
                        "language": result.language,
                        "model": result.model,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        stdout.flush()
        batch.clear()

    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            batch.append(_parse_line(line, number))
        except ValueError as exc:
            bad += 1
            stderr.write(f"error: {exc}\n")
            continue
        if len(batch) >= batch_size:
            flush()
    flush()
    return bad
