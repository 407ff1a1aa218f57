"""The delivery outbox table and the records that cross it (see :mod:`storage.outbox`)."""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlmodel import SQLModel

from storage.models import UTCDateTime

#: Longest stored failure reason (characters).
MAX_REASON_CHARS = 500

PENDING, CLAIMED, SENT, FAILED, UNKNOWN = "pending", "claimed", "sent", "failed", "unknown"
STATES = (PENDING, CLAIMED, SENT, FAILED, UNKNOWN)
#: Rows in these states are sent again once ``next_attempt_at`` has passed.
DUE_STATES = (PENDING, FAILED, UNKNOWN)
IMMEDIATE, DIGEST = "immediate", "digest"

outbox_table = Table(
    "outbox",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("subject", String(120), nullable=False),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=True),
    Column("target", String(200), nullable=False),
    Column("route", String(200), nullable=True),
    Column("mode", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("message_key", String(64), nullable=True),
    Column("claimed_by", String(200), nullable=True),
    Column("claimed_at", UTCDateTime(), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime(), nullable=True),
    UniqueConstraint("subject", "target", name="uq_outbox_subject_target"),
    Index("ix_outbox_state_due", "state", "next_attempt_at"),
    Index("ix_outbox_alert", "alert_id"),
)
_t = outbox_table.c


def idempotency_key(subject: str, target: str) -> str:
    """``bp-`` + 32 hex digits of SHA-256 over subject and target: the same message to the
    same recipient always has the same key (sent as the ``Idempotency-Key`` header)."""
    return "bp-" + hashlib.sha256(f"{subject}\n{target}".encode()).hexdigest()[:32]


def worker_id() -> str:
    """``host:pid:random`` naming this process in ``claimed_by``."""
    return f"{socket.gethostname()}:{os.getpid()}:{os.urandom(3).hex()}"


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """A row to enqueue (``alert_id`` None for heartbeats)."""

    subject: str
    target: str
    mode: str
    alert_id: int | None = None
    route: str | None = None
    state: str = PENDING
    note: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One stored outbox row."""

    id: int
    idempotency_key: str
    subject: str
    alert_id: int | None
    target: str
    route: str | None
    mode: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    note: str | None
    message_key: str | None
    claimed_by: str | None
    claimed_at: datetime | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class RecentAlert:
    """An alert as the router needs it."""

    alert_id: int
    mention_id: int
    brand: str
    urgency: float
    created_at: datetime


def row_item(row: Any) -> OutboxItem:
    m = row._mapping
    return OutboxItem(
        id=m["id"],
        idempotency_key=m["idempotency_key"],
        subject=m["subject"],
        alert_id=m["alert_id"],
        target=m["target"],
        route=m["route"],
        mode=m["mode"],
        state=m["state"],
        attempts=m["attempts"],
        next_attempt_at=m["next_attempt_at"],
        last_error=m["last_error"],
        note=m["note"],
        message_key=m["message_key"],
        claimed_by=m["claimed_by"],
        claimed_at=m["claimed_at"],
        created_at=m["created_at"],
        sent_at=m["sent_at"],
    )
