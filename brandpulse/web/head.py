"""HEAD answered like GET, without the body: uptime checkers and reverse proxies send
HEAD, and FastAPI routes declared with ``GET`` answer it 405.

:class:`HeadAsGet` is a plain ASGI middleware: a ``HEAD`` request goes through the app as
``GET`` (same routing, login checks, status and headers, ``Content-Length`` included) and
the body is dropped on the way out. Routes that take no GET (the POST actions) still
answer 405.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet"]


class HeadAsGet:
    """ASGI middleware: ``HEAD`` runs the ``GET`` route and sends its status and headers
    only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # the next chunk ends it
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
