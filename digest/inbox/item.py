"""One alert as the inbox shows it, its JSON Lines record, and the lifecycle rules (which
action is allowed from which state, the ``--state`` filters, the dismiss reasons)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from digest.replies import MentionKind
from domain.sanitize import safe_link
from storage.records import StoredMention

#: Dismiss reasons a person can give.
DISMISS_REASONS = ("not-our-brand", "not-negative", "spam", "duplicate", "other")
#: ``--state`` filters: ``open`` means "still to do" (open and assigned alerts).
STATE_FILTERS: Mapping[str, tuple[str, ...]] = {
    "open": ("open", "assigned"),
    "assigned": ("assigned",),
    "snoozed": ("snoozed",),
    "handled": ("handled",),
    "dismissed": ("dismissed",),
    "watch": ("watch",),
    "all": ("open", "assigned", "snoozed", "handled", "dismissed", "watch"),
}
#: From which states each action is allowed.
ALLOWED_FROM: Mapping[str, tuple[str, ...]] = {
    "handle": ("open", "assigned", "snoozed", "watch"),
    "assign": ("open", "assigned", "snoozed", "watch"),
    "snooze": ("open", "assigned", "watch"),
    "dismiss": ("open", "assigned", "snoozed", "watch"),
    "reopen": ("handled", "dismissed", "snoozed", "watch"),
}

JSON_FIELDS = (
    "id",
    "mention_id",
    "brand",
    "source",
    "source_kind",
    "language",
    "url",
    "author",
    "title",
    "text",
    "published_at",
    "rating",
    "label",
    "score",
    "confidence",
    "mismatch",
    "urgency",
    "reasons",
    "components",
    "state",
    "watch_reason",
    "assignee",
    "snoozed_until",
    "sla_due_at",
    "overdue",
    "created_at",
    "closed_at",
    "closed_by",
    "note",
    "dismiss_reason",
)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class InboxItem:
    """One alert in the inbox.

    Attributes:
        alert_id: the alert's id (what ``handle``, ``assign``, ``snooze`` and ``dismiss``
            take).
        brand: the alert brand.
        mention: the mention as seen for that brand.
        source_kind: ``post``, ``review`` or ``article``.
        label: the label after the rating rule (``domain.rating``).
        confidence: the model's confidence in the label, in [0, 1].
        urgency: the urgency score (see ``digest.urgency``).
        reasons: why it ranks where it does, strongest first.
        state: ``open``, ``assigned``, ``snoozed``, ``handled``, ``dismissed`` or
            ``watch`` (worth a look, not an immediate alert).
        sla_due_at: when it must be handled (UTC), None for no clock.
        overdue: open or assigned after ``sla_due_at``.
    """

    alert_id: int
    brand: str
    mention: StoredMention
    source_kind: MentionKind
    label: str | None
    confidence: float | None
    urgency: float
    reasons: tuple[str, ...]
    state: str
    created_at: datetime
    now: datetime
    components: Mapping[str, float] = field(default_factory=dict)
    mismatch: bool = False
    watch_reason: str | None = None
    assignee: str | None = None
    snoozed_until: datetime | None = None
    sla_due_at: datetime | None = None
    overdue: bool = False
    closed_at: datetime | None = None
    closed_by: str | None = None
    note: str | None = None
    dismiss_reason: str | None = None

    def record(self) -> dict[str, Any]:
        """The JSON Lines record (``brandpulse inbox --format json``), keys in
        :data:`JSON_FIELDS` order; times are ISO 8601 UTC; ``url`` is None unless it is an
        http(s) link (a row stored by an older version may hold ``javascript:``)."""
        m = self.mention
        values: dict[str, Any] = {
            "id": self.alert_id,
            "mention_id": m.id,
            "brand": self.brand,
            "source": m.source,
            "source_kind": self.source_kind,
            "language": m.language,
            "url": safe_link(m.url),
            "author": m.author,
            "title": m.title,
            "text": m.text,
            "published_at": _iso(m.published_at),
            "rating": m.rating,
            "label": self.label,
            "score": m.score,
            "confidence": self.confidence,
            "mismatch": self.mismatch,
            "urgency": self.urgency,
            "reasons": list(self.reasons),
            "components": dict(self.components),
            "state": self.state,
            "watch_reason": self.watch_reason,
            "assignee": self.assignee,
            "snoozed_until": _iso(self.snoozed_until),
            "sla_due_at": _iso(self.sla_due_at),
            "overdue": self.overdue,
            "created_at": _iso(self.created_at),
            "closed_at": _iso(self.closed_at),
            "closed_by": self.closed_by,
            "note": self.note,
            "dismiss_reason": self.dismiss_reason,
        }
        return {key: values[key] for key in JSON_FIELDS}

    def due_text(self) -> str:
        """'due 5h', 'OVERDUE 2h', '→03 Dec 09h' (snoozed until), 'by kim' (closed)."""
        if self.state == "snoozed" and self.snoozed_until is not None:
            return f"→{self.snoozed_until:%d %b %H}h"
        if self.state in ("handled", "dismissed"):
            return f"by {self.closed_by}" if self.closed_by else ""
        if self.sla_due_at is None:
            return ""
        if self.overdue:
            return f"OVERDUE {_short(self.now - self.sla_due_at)}"
        return f"due {_short(self.sla_due_at - self.now)}"


def _short(delta: timedelta) -> str:
    """'45m', '3h', '2d' (rounded down)."""
    seconds = max(0.0, delta.total_seconds())
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)}h"
    return f"{int(seconds // 86400)}d"
