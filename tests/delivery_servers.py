"""Real local receivers for delivery tests: an HTTP webhook receiver and an SMTP server.

``WebhookReceiver`` is a threading ``http.server`` on 127.0.0.1 that records every POST
(path, headers, JSON body) and can be told to answer 500 a number of times, or to be slow
(sleep before answering, after reading the whole request). Like a well-behaved receiver it
deduplicates on the ``Idempotency-Key`` header: ``delivered`` lists each key's first
request only, ``requests`` every request received.

``SmtpSink`` runs aiosmtpd's ``Controller`` on a free local port and keeps every message.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Hook:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def key(self) -> str | None:
        return self.headers.get("idempotency-key")


class WebhookReceiver:
    """``with WebhookReceiver() as hooks: url = hooks.apprise_url("/hook")``."""

    def __init__(self, *, fail_times: int = 0, delay_s: float = 0.0) -> None:
        self.fail_times = fail_times
        self.delay_s = delay_s
        self.requests: list[Hook] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                hook = Hook(
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    json.loads(raw or b"{}"),
                )
                with receiver._lock:
                    receiver.requests.append(hook)
                    failing = receiver.fail_times > 0
                    if failing:
                        receiver.fail_times -= 1
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                status = 500 if failing else 200
                body = b"oops" if failing else b"ok"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (timeout) or was killed
                    pass

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def apprise_url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    @property
    def delivered(self) -> list[Hook]:
        """The first request of each idempotency key (what a deduplicating receiver keeps),
        and every request that carried none."""
        seen: set[str] = set()
        out = []
        with self._lock:
            for hook in self.requests:
                if hook.key is None or hook.key not in seen:
                    out.append(hook)
                if hook.key:
                    seen.add(hook.key)
        return out

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 keeping every message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list[Message] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                sink.messages.append(message_from_bytes(envelope.original_content))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def apprise_url(self, to: str = "team@example.com") -> str:
        return (
            f"mailto://127.0.0.1:{self.port}?smtp=127.0.0.1&mode=insecure"
            f"&from=brandpulse@example.com&to={to}"
        )

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()
