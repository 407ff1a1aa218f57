"""A static page server on 127.0.0.1 (port 0) that records every request, for crawl tests.

Usage::

    pages = {"/robots.txt": ("text/plain", "User-agent: *\\nDisallow: /private/\\n"),
             "/shop/kettle-k2": ("text/html", Path("page1.html").read_bytes())}
    with PageServer(pages) as server:
        crawl(server.url + "/shop/kettle-k2")
        assert "/private/x" not in server.requested

Keys are paths with an optional ``?query`` (matched exactly); unknown paths answer 404.
Pages can be replaced while the server runs (``server.pages[path] = ...``).
"""

from __future__ import annotations

import threading
from collections.abc import MutableMapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Page = tuple[str, str | bytes]


class PageServer:
    """Serve ``pages`` (path → (content type, body)); ``requested`` lists paths asked for."""

    def __init__(self, pages: MutableMapping[str, Page]) -> None:
        self.pages = pages
        self.requested: list[str] = []
        self.user_agents: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with owner._lock:
                    owner.requested.append(self.path)
                    owner.user_agents.append(self.headers.get("User-Agent", ""))
                page = owner.pages.get(self.path)
                if page is None:
                    body, status, ctype = b"not found", 404, "text/plain"
                else:
                    ctype, raw = page
                    body = raw.encode("utf-8") if isinstance(raw, str) else raw
                    status = 200
                self.send_response(status)
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        return Handler

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
