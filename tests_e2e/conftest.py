"""Browser tests: the web inbox served by uvicorn on a free local port, driven through
Debian's headless Chromium (/usr/bin/chromium) by Playwright with ``executable_path``
(never a downloaded browser). Run with ``make e2e``."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cli_process import BRANDPULSE, CLI_ENV, brandpulse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The web inbox on the tests' real reviews (tests/web_data.py)."""
    import uvicorn
    from inbox_data import NOW
    from web_data import make_web_data

    from brandpulse.web import create_app

    data = make_web_data(tmp_path_factory.mktemp("web"))
    later = NOW + timedelta(hours=30)  # a day and a bit later: the SLA clocks ran out
    app = create_app(data.config, data.repo, secret="e2e-secret", now=lambda: later)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):  # wait for the socket (not a timed assertion: a readiness poll)
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield {"url": f"http://127.0.0.1:{port}", "data": data}
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The real demo, run once into a temporary folder, with the responder ``kim`` and
    the viewer ``vic`` added by ``brandpulse users add --password-stdin`` and
    ``brandpulse web`` serving it on a free port (a separate process, as a person runs it)."""
    from web_data import PASSWORDS

    out = tmp_path_factory.mktemp("demo")
    printed = brandpulse("demo", "--output", str(out))
    config = out / "brandpulse.toml"
    assert config.exists(), "the demo writes a follow-up config"
    # The demo says how to open its inbox: the commands run below, as a person copies them.
    tail = printed[printed.index("Or in a browser") :]
    add = f"brandpulse users add me --role responder --password-stdin --config {config}"
    assert add in tail and f"brandpulse web --config {config}" in tail
    assert "http://127.0.0.1:8080/ and log in as me" in tail
    for name, role in (("kim", "responder"), ("vic", "viewer")):
        brandpulse(
            "users",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
            "--config",
            str(config),
            stdin=PASSWORDS[name] + "\n",
        )
    port = _free_port()
    log = (out / "web.log").open("w")
    proc = subprocess.Popen(
        [*BRANDPULSE, "web", "--port", str(port), "--config", str(config)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**CLI_ENV, "BRANDPULSE_WEB_SECRET": "e2e-demo-secret"},
    )
    try:
        for _ in range(600):  # a readiness poll (not a timed assertion)
            if proc.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        assert proc.poll() is None, f"brandpulse web exited: {(out / 'web.log').read_text()}"
        yield {"url": f"http://127.0.0.1:{port}", "config": config, "dir": out}
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("install Debian's chromium (make e2e does: apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
