"""A misbehaving HTTP server for reliability tests, bound to 127.0.0.1 only.

Endpoints (GET):

``/feed``        a real recorded RSS feed (tests/fixtures/feeds/HuffPostCanada.xml), 200
``/demo/NAME``   a real recorded feed of brandpulse/demo_data/feeds, 200
``/truncated``   the same feed cut off in the middle (``?at=N``: after N bytes), 200
``/hostile.json`` a JSON Feed whose items carry ``javascript:``/``data:`` links, NUL,
                 RTL-override characters and an author with CRLF (what an attacker posts)
``/429``         429 with ``Retry-After: 1``
``/500``         500
``/hang``        accepts the request and never answers (until the server stops, at most
                 ``HANG_MAX_S``)
``/trickle``     200 and a feed body sent one byte every 0.5 s (at most ``TRICKLE_MAX_BYTES``)
``/huge``        200 and 200 MB of XML-looking bytes, generated lazily 64 KiB at a time
                 (never held in memory); no Content-Length (``?declared=1`` sends one)
``/garbage``     200, ``application/rss+xml`` and 64 KiB of random bytes

Every fault endpoint also answers any path below it (``/trickle/api/v3/search``) and
POST, so a listener whose ``base_url`` is ``{url}/trickle`` meets the fault on its first
request whatever API path it appends.

Bounded: every slow endpoint stops when :meth:`FaultServer.stop` is called, and
``requests`` counts hits per path. Usage::

    with FaultServer() as server:
        httpx.get(server.url + "/500")
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

FEED = Path(__file__).parent / "fixtures" / "feeds" / "HuffPostCanada.xml"
DEMO_FEEDS = Path(__file__).resolve().parents[1] / "brandpulse" / "demo_data" / "feeds"
HUGE_BYTES = 200 * 1024 * 1024
HANG_MAX_S = 120.0
TRICKLE_MAX_BYTES = 60
#: Well under the tests' 2 s per-read timeout, so only the overall deadline can cut a
#: trickle off (at 2 s the read timeout raced the deadline on a loaded machine).
TRICKLE_INTERVAL_S = 0.5
CHUNK = 64 * 1024
NOW_ISO = "2026-11-30T12:00:00Z"
#: What an attacker can post where BrandPulse listens (a JSON Feed can carry NUL).
HOSTILE_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "hostile",
    "items": [
        {
            "id": "h1",
            "url": "https://forum.example.com/t/1",
            "title": "Acme support is terrible",
            "content_text": "Acme lost my order\u0000 again, worst service \u202egnp.exe",
            "authors": [{"name": "Mallory\r\nFAKE-HEADER: injected line"}],
            "date_published": NOW_ISO,
        },
        {
            "id": "h2",
            "url": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "title": "Acme broke my phone",
            "content_text": "Acme is awful and their app crashes \u2066every\u2069 day",
            "authors": [{"name": "Eve"}],
            "date_published": NOW_ISO,
        },
    ],
}


#: Fault endpoints that also answer every path below them (see ``do_GET``).
_PREFIXED = frozenset({"/429", "/500", "/hang", "/trickle", "/huge", "/garbage"})


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # close after each reply: no length needed for /huge

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _head(self, status: int, ctype: str = "application/rss+xml", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()

    def _body(self, status: int, body: bytes, ctype: str = "application/rss+xml") -> None:
        self._head(status, ctype, Content_Length=str(len(body)))
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        self.server.hits[path] += 1
        # ``/trickle/api/v3/search``: any path under a fault endpoint gets that fault, so a
        # listener with a ``base_url`` of ``{url}/trickle`` meets it on its first request.
        head = "/" + path.split("/")[1]
        if head in _PREFIXED and path != head:
            self.server.hits[head] += 1
            path = head
        self.server.targets.append(self.path)
        stop = self.server.stopping
        try:
            if path == "/feed":
                self._body(200, FEED.read_bytes())
            elif path.startswith("/demo/") and (DEMO_FEEDS / path[6:]).is_file():
                self._body(200, (DEMO_FEEDS / path[6:]).read_bytes())
            elif path == "/truncated":
                body = FEED.read_bytes()
                at = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("at")
                self._body(200, body[: int(at) if at else len(body) // 2])
            elif path == "/hostile.json":
                self._body(200, json.dumps(HOSTILE_FEED).encode(), "application/feed+json")
            elif path == "/429":
                self._head(429, "text/plain", Retry_After="1", Content_Length="4")
                self.wfile.write(b"slow")
            elif path == "/500":
                self._body(500, b"<html>Internal Server Error</html>", "text/html")
            elif path == "/hang":
                stop.wait(HANG_MAX_S)
            elif path == "/trickle":
                self._head(200)
                body = FEED.read_bytes()[:TRICKLE_MAX_BYTES]
                for byte in body:
                    if stop.wait(TRICKLE_INTERVAL_S):
                        break
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
            elif path == "/huge":
                extra = {"Content_Length": str(HUGE_BYTES)} if "declared=1" in parts.query else {}
                self._head(200, **extra)
                self.wfile.write(b'<?xml version="1.0"?><rss><channel><title>')
                chunk = b"A" * CHUNK
                sent = 0
                while sent < HUGE_BYTES and not stop.is_set():
                    self.wfile.write(chunk)
                    sent += CHUNK
                    self.server.huge_sent = sent
            elif path == "/garbage":
                self._body(200, os.urandom(CHUNK))
            else:
                self._body(404, b"not found", "text/plain")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: that is the point of most of these endpoints

    def do_POST(self) -> None:  # GraphQL and form APIs: the same faults
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1024 * 1024))
        self.do_GET()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.targets: list[str] = []
        self.stopping = threading.Event()
        self.huge_sent = 0


class FaultServer:
    """Start on enter, stop (waking every slow handler) on exit."""

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def hits(self) -> Counter[str]:
        return self._server.hits

    @property
    def targets(self) -> list[str]:
        """Every request target (path and query) in order of arrival."""
        return self._server.targets

    @property
    def huge_sent(self) -> int:
        """Bytes of ``/huge`` written so far (what the client let the server send)."""
        return self._server.huge_sent

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    """Run standalone (for manual tries): prints the URL, stops on Ctrl-C."""
    with FaultServer() as server:
        print(server.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
