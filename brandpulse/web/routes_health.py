"""``GET``/``HEAD /healthz`` for uptime checks and reverse proxies: no login, no session,
no secret read; ``200 ok`` when the database answers a one-row query on the mentions
table, ``503 unavailable`` (one word; the reason goes to the log, redacted) when it does
not."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from brandpulse.web.deps import web_state

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


@router.get("/healthz", response_class=PlainTextResponse)
def healthz(request: Request) -> PlainTextResponse:
    """200 ``ok`` when the database answers, else 503 ``unavailable``."""
    try:
        with web_state(request).repo.engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM mentions LIMIT 1")).fetchall()
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("healthz: the database does not answer (%s)", type(exc).__name__)
        return PlainTextResponse("unavailable", status_code=503)
    return PlainTextResponse("ok")
