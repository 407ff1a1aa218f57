"""Tables of the alert inbox (migration 0005): lifecycle, history, learning, spikes.

SQLAlchemy Core tables on the shared ``SQLModel.metadata`` (so foreign keys to ``alerts``
and ``mentions`` resolve); only :mod:`storage.inbox` and the migrations use them.

* ``alert_states`` — one row per alert: where it stands (open, assigned, snoozed,
  handled, dismissed, or ``watch`` for "worth a look"), who has it, until when it sleeps,
  its SLA clock, the label after the rating rule, and why it ranks where it does;
* ``alert_events`` — append-only history: who did what to which alert, when;
* ``brand_negative_examples`` — mentions a person said are *not* about a brand (the
  "not our brand" dismissals): training data for brand matching and the source of
  ``exclude`` suggestions;
* ``spike_reports`` — spikes already reported, for the cooldown.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (alerts and mentions must be on the metadata first)
from storage.models import UTCDateTime

metadata = SQLModel.metadata

alert_states = Table(
    "alert_states",
    metadata,
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(16), nullable=False, index=True),
    Column("assignee", String(200), nullable=True),
    Column("snoozed_until", UTCDateTime(), nullable=True),
    Column("closed_at", UTCDateTime(), nullable=True),
    Column("closed_by", String(200), nullable=True),
    Column("note", Text, nullable=True),
    Column("dismiss_reason", String(32), nullable=True),
    Column("label", String(16), nullable=True),
    Column("confidence", Float, nullable=True),
    Column("mismatch", Boolean, nullable=False, default=False),
    Column("watch_reason", Text, nullable=True),
    Column("reasons", Text, nullable=True),
    Column("components", Text, nullable=True),
    Column("sla_due_at", UTCDateTime(), nullable=True, index=True),
    Column("escalated_at", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
    extend_existing=True,
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "alert_id",
        Integer,
        ForeignKey("alerts.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("details", Text, nullable=True),
    extend_existing=True,
)

brand_negative_examples = Table(
    "brand_negative_examples",
    metadata,
    Column(
        "mention_id",
        Integer,
        ForeignKey("mentions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("brand", String(200), primary_key=True),
    Column("alert_id", Integer, nullable=True),
    Column("actor", String(200), nullable=False),
    Column("note", Text, nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    extend_existing=True,
)

spike_reports = Table(
    "spike_reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("brand", String(200), nullable=False),
    Column("source", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("detected_at", UTCDateTime(), nullable=False),
    Column("summary", Text, nullable=False),
    Column("details", Text, nullable=True),
    Index("ix_spike_reports_key", "brand", "source", "kind", "detected_at"),
    extend_existing=True,
)
