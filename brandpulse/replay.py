"""One local HTTP server: recorded replies and saved pages on 127.0.0.1.

The tests replay their recordings through it (``tests/replay_server.py`` re-exports this
module) and ``brandpulse demo`` serves its bundled recordings with it.

Recorded replies (API recordings, cassettes)::

    routes = {("GET", "/r/kakapo/comments/"): [(200, {}, body1), (429, {"Retry-After": "0"}, "")]}
    with ReplayServer(routes) as server:
        client.get(server.url + "/r/kakapo/comments/?limit=100")
        assert server.requests[0].query == {"limit": "100"}

Routes map ``(METHOD, path)`` to the responses to give, in order; once a route's list
is down to its last response, that response repeats (so "keeps failing" needs one
entry). A key whose path contains ``?query`` matches only that exact query (parameter
order ignored) and is tried before the bare path.

Saved pages (crawls)::

    pages = {"/robots.txt": ("text/plain", "User-agent: *\\nDisallow: /private/\\n"),
             "/shop/kettle-k2": ("text/html", Path("page1.html").read_bytes())}
    with ReplayServer(pages=pages) as server:
        crawl(server.url + "/shop/kettle-k2")
        assert "/private/x" not in server.requested

Pages map a request target (path plus an optional ``?query``, matched exactly as sent)
to ``(content type, body)``, served with status 200 to GET and HEAD after no route
matched; the mapping is read on every request, so pages can be replaced while the
server runs. Anything else answers 404 with a JSON body naming the request.

Every request received is recorded in ``server.requests`` (``server.requested`` lists
their raw targets, ``server.user_agents`` their User-Agent headers).
``load_praw_cassette`` and ``load_vcr_yaml`` turn recorded cassettes (betamax JSON as
PRAW uses, R/Ruby vcr YAML) into routes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Reply = tuple[int, Mapping[str, str], str | bytes]
Routes = Mapping[tuple[str, str], Sequence[Reply]]
Page = tuple[str, str | bytes]

# Hop-by-hop or body-describing headers the server sets itself.
logger = logging.getLogger(__name__)

_DROP_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection"}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received (``target`` is the raw path and query as sent)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""
    target: str = ""

    @property
    def raw_query(self) -> str:
        return "&".join(f"{k}={v}" for k, v in self.query.items())


@dataclass
class ReplayServer:
    """Serve ``routes`` and ``pages`` on ``127.0.0.1`` on a free port; a context manager."""

    routes: Routes = field(default_factory=dict)
    pages: MutableMapping[str, Page] = field(default_factory=dict)
    requests: list[RecordedRequest] = field(default_factory=list)
    #: the requests answered 404 because no route or page matched
    misses: list[RecordedRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._queues: dict[tuple[str, str], list[Reply]] = {
            (method.upper(), _normalize_key(path)): list(replies)
            for (method, path), replies in self.routes.items()
        }
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._url = ""

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
        assert self._url, "server not started"
        return self._url

    @property
    def requested(self) -> list[str]:
        """The raw targets (path and query) of the requests received, in order."""
        with self._lock:
            return [r.target for r in self.requests]

    @property
    def user_agents(self) -> list[str]:
        """The User-Agent header of each request received ("" when absent)."""
        with self._lock:
            return [r.headers.get("User-Agent", "") for r in self.requests]

    def add(self, method: str, path: str, *replies: Reply) -> None:
        """Append responses to a route (creating it)."""
        with self._lock:
            self._queues.setdefault((method.upper(), _normalize_key(path)), []).extend(replies)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        """The recorded requests whose path is ``path``."""
        return [r for r in self.requests if r.path == path]

    def start(self) -> ReplayServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                request = RecordedRequest(
                    self.command, parts.path, query, dict(self.headers.items()), body, self.path
                )
                with server._lock:
                    server.requests.append(request)
                status, headers, payload = server._reply(request)
                data = payload.encode() if isinstance(payload, str) else payload
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in _DROP_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("replay server: " + format, *args)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        host, port = self._httpd.server_address[:2]
        self._url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _reply(self, request: RecordedRequest) -> Reply:
        method, path, query = request.method, request.path, request.query
        with self._lock:
            exact = (
                method,
                _normalize_key(path + "?" + "&".join(f"{k}={v}" for k, v in query.items())),
            )
            for key in (exact, (method, path)):
                queue = self._queues.get(key)
                if queue:
                    return queue.pop(0) if len(queue) > 1 else queue[0]
        page = self.pages.get(request.target) if method in ("GET", "HEAD") else None
        if page is not None:
            ctype, content = page
            if "charset=" not in ctype:
                ctype += "; charset=utf-8"
            return 200, {"Content-Type": ctype}, content
        with self._lock:
            self.misses.append(request)
        body = json.dumps({"error": "no replay route", "method": method, "path": path})
        return 404, {"Content-Type": "application/json"}, body


def _normalize_key(path: str) -> str:
    """``/a?b=2&a=1`` → ``/a?a=1&b=2``; a bare path is unchanged."""
    base, sep, query = path.partition("?")
    if not sep:
        return base
    return base + "?" + "&".join(f"{k}={v}" for k, v in sorted(parse_qsl(query, True)))


def load_praw_cassette(
    path: str | Path, *, skip_token: bool = True
) -> dict[tuple[str, str], list[Reply]]:
    """Routes from a betamax JSON cassette (PRAW's recordings), keyed by method + path.

    Interactions on one path keep their recorded order. The OAuth token POST is left
    out when ``skip_token`` (tests usually serve their own token).
    """
    data = json.loads(Path(path).read_text())
    routes: dict[tuple[str, str], list[Reply]] = {}
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        url_path = urlsplit(request["uri"]).path
        if skip_token and url_path == "/api/v1/access_token":
            continue
        headers = {k: v[0] if isinstance(v, list) else v for k, v in response["headers"].items()}
        body = response["body"].get("string", "")
        routes.setdefault((request["method"], url_path), []).append(
            (int(response["status"]["code"]), headers, body)
        )
    return routes


def load_vcr_yaml(path: str | Path) -> dict[tuple[str, str], list[Reply]]:
    """Routes from a vcr YAML cassette (R vcr / Ruby VCR), keyed by method + path + query.

    Keys carry the recorded query, so paginated calls on one path resolve to the right
    page; add bare-path routes yourself to serve a request whose query differs.
    """
    import yaml  # PyYAML (a runtime dependency, also required by apprise)

    data = yaml.safe_load(Path(path).read_text())
    routes: dict[tuple[str, str], list[Reply]] = {}
    for interaction in data["http_interactions"]:
        request, response = interaction["request"], interaction["response"]
        parts = urlsplit(request["uri"])
        status = response["status"]
        code = int(status["status_code"] if isinstance(status, dict) else status)
        headers = {
            k: (v[0] if isinstance(v, list) else str(v))
            for k, v in (response.get("headers") or {}).items()
        }
        body = (response.get("body") or {}).get("string", "")
        key = (request["method"].upper(), parts.path + ("?" + parts.query if parts.query else ""))
        routes.setdefault(key, []).append((code, headers, body))
    return routes
