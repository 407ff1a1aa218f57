"""``brandpulse demo``: serve bundled real recordings on 127.0.0.1 and run one cycle."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from brandpulse.config import Config, load_config
from brandpulse.pipeline import CycleReport, Pipeline
from storage import Repository

logger = logging.getLogger(__name__)

DEMO_DATA = Path(__file__).parent / "demo_data"
DEMO_CONFIG = DEMO_DATA / "demo.toml"


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("demo server: " + format, *args)


@contextlib.contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` over HTTP on 127.0.0.1 (a free port) while the block runs.

    Supports conditional GET (If-Modified-Since → 304) like a real feed server.
    Yields the base URL, e.g. ``http://127.0.0.1:38211``.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name="demo-server", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def write_followup_config(output: Path, base_url: str) -> Path:
    """Write ``<output>/brandpulse.toml``: the demo config with its paths filled in, so
    ``export``, ``sources``, ``label`` and ``training-data`` work on the demo database
    afterwards (its source URLs point at the demo server, which runs only during
    ``brandpulse demo``)."""
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    text = text.replace("${BRANDPULSE_DEMO_DIR}", output.as_posix()).replace(
        "${BRANDPULSE_DEMO_URL}", base_url
    )
    path = output / "brandpulse.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_demo(output: Path) -> tuple[CycleReport, Repository, Config]:
    """Run one cycle of the demo config against the local replay server."""
    output = output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    with serve_directory(DEMO_DATA) as base_url:
        write_followup_config(output, base_url)
        env = {**os.environ, "BRANDPULSE_DEMO_URL": base_url, "BRANDPULSE_DEMO_DIR": str(output)}
        config = load_config(DEMO_CONFIG, env=env)
        pipeline = Pipeline(config)
        report = pipeline.run_once()
    report.files = list(dict.fromkeys([*report.files, *write_demo_report(config, pipeline.repo)]))
    return report, pipeline.repo, config


def write_demo_report(config: Config, repo: Repository) -> list[Path]:
    """The competitor report (HTML, PDF, text, JSON) over the period that covers the
    demo's recordings (they are years old: the last 7 days would be empty)."""
    from brandpulse.report import period_covering, produce_report

    period = period_covering(repo)
    if period is None:
        return []
    since, until = period
    run = produce_report(
        config, repo, since=since, until=until, formats=("html", "pdf", "txt", "json")
    )
    return list(run.files)
