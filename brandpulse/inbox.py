"""The alert inbox service: raising alerts worth acting on, and working through them.

One code path for every front end (the CLI today, a web queue later):

* :func:`raise_alerts` — the pipeline's alert step: the rating rule (``domain.rating``),
  the confidence floor (``alerts.min_confidence``: below it a negative is only "worth a
  look", state ``watch``), urgency with its reasons and the SLA clock, stored with each
  new alert;
* :class:`Inbox` — list alerts, and ``handle``, ``assign``, ``snooze``, ``dismiss``,
  ``reopen`` them; each action is recorded with who did it. Dismissing as
  ``not-negative`` records a label correction (as ``brandpulse label`` does); as
  ``not-our-brand`` records the mention as a negative example for the brand, from which
  the inbox suggests an ``exclude`` phrase;
* :func:`record_spikes` — spike detection (``digest.spikes``) on stored mentions, with
  the cooldown kept in the database.

The alert-raising and spike functions live in :mod:`brandpulse.inbox_alerts` and are
re-exported here.
"""

from __future__ import annotations

import getpass
import logging
import os
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from brandpulse.config import Config
from brandpulse.inbox_alerts import (
    brand_training_rows,
    digest_spikes,
    find_spikes,
    raise_alerts,
    record_spikes,
    sla_hours,
    split_for_digest,
)
from digest.inbox import (
    ALLOWED_FROM,
    DISMISS_REASONS,
    STATE_FILTERS,
    ExcludeSuggestion,
    InboxItem,
    suggest_excludes,
)
from digest.replies import mention_kind
from domain.errors import BrandPulseError
from domain.rating import rated_label
from domain.text import model_text
from storage import Repository, StoredMention
from storage.inbox import AlertEvent, AlertState, InboxStore, StateConflict
from storage.models import utcnow

logger = logging.getLogger(__name__)

__all__ = [
    "Inbox",
    "InboxError",
    "brand_training_rows",
    "default_actor",
    "digest_spikes",
    "find_spikes",
    "parse_when",
    "raise_alerts",
    "record_spikes",
    "split_for_digest",
]

SYSTEM_ACTOR = "brandpulse"
_DURATION = re.compile(r"^\s*(?:(\d+)\s*w)?\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*$")


class InboxError(BrandPulseError):
    """An inbox action cannot be done: unknown alert, wrong state, bad value (one line)."""


def default_actor() -> str:
    """Who is acting when ``--by`` is not given: ``$USER``, else the login name."""
    name = os.environ.get("USER") or os.environ.get("USERNAME")
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no login name in some containers
            name = "unknown"
    return name


def parse_when(value: str, *, now: datetime) -> datetime:
    """A point in time from ``--until``: a duration from now (``30m``, ``2h``, ``1d``,
    ``1w``, ``1d12h``) or an ISO date or date-time (``2026-12-03``, ``2026-12-03T09:00``,
    with an offset or UTC when none).

    Raises:
        InboxError: neither form, or a time not in the future.
    """
    text = value.strip()
    match = _DURATION.match(text.lower()) if text else None
    if match and any(match.groups()):
        weeks, days, hours, minutes = (int(g or 0) for g in match.groups())
        return now + timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InboxError(
            f"--until {value!r}: expected a duration such as 2h, 1d, 1w or an ISO date/time "
            "such as 2026-12-03T09:00"
        ) from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if parsed <= now:
        raise InboxError(f"--until {value!r} is not in the future (now {now:%Y-%m-%d %H:%M} UTC)")
    return parsed.astimezone(UTC)


# -- the inbox --------------------------------------------------------------------------
class Inbox:
    """List and work alerts for one config and database. ``now`` is injectable."""

    def __init__(
        self, config: Config, repo: Repository, *, now: Callable[[], datetime] = utcnow
    ) -> None:
        self.config = config
        self.repo = repo
        self.store = InboxStore(repo.engine)
        self._now = now

    def refresh(self) -> None:
        """Give alerts raised elsewhere a state and wake snoozed alerts whose time came."""
        now = self._now()
        self.store.ensure_states(sla_hours(self.config), now=now)
        self.store.wake_snoozed(now)

    # -- reading --------------------------------------------------------------------------
    def items(self, *, state: str = "open", brand: str | None = None) -> list[InboxItem]:
        """Alerts in ``state`` (see ``digest.inbox.STATE_FILTERS``; ``open`` means open or
        assigned), of ``brand`` when given: overdue first, then most urgent.

        Raises:
            InboxError: unknown state or brand.
        """
        if state not in STATE_FILTERS:
            raise InboxError(f"--state {state!r}: choose from {', '.join(STATE_FILTERS)}")
        if brand is not None and brand not in {b.name for b in self.config.brands}:
            raise InboxError(
                f"--brand {brand!r} is not one of the config's [[brands]]: "
                + ", ".join(b.name for b in self.config.brands)
            )
        self.refresh()
        states = self.store.states(states=STATE_FILTERS[state], brand=brand)
        items = self._items(states)
        items.sort(key=lambda i: (not i.overdue, -i.urgency, i.alert_id))
        return items

    def item(self, alert_id: int) -> InboxItem:
        """One alert as the inbox shows it.

        Raises:
            InboxError: no such alert.
        """
        self.refresh()
        found = self._items(self.store.states(alert_ids=[alert_id]))
        if not found:
            raise InboxError(f"no alert with id {alert_id} (see `brandpulse inbox --state all`)")
        return found[0]

    def history(self, alert_id: int) -> list[AlertEvent]:
        """Every action on one alert, oldest first."""
        return self.store.events(alert_id)

    def _items(self, states: Sequence[AlertState]) -> list[InboxItem]:
        now = self._now()
        mentions = {m.id: m for m in self.repo.mentions(ids=[s.mention_id for s in states])}
        kinds = self.store.source_kinds()
        out = []
        for s in states:
            mention: StoredMention | None = mentions.get(s.mention_id)
            if mention is None:
                continue
            view = mention.for_brand(s.brand)
            if s.label is None:  # raised before the inbox existed: apply the rule now
                verdict = rated_label(
                    view.label, rating=view.rating, score=view.score, human=view.overridden
                )
                label, mismatch = verdict.label, verdict.mismatch
            else:
                label, mismatch = s.label, s.mismatch
            if view.overridden:
                label = view.label
            out.append(
                InboxItem(
                    alert_id=s.alert_id,
                    brand=s.brand,
                    mention=view,
                    source_kind=mention_kind(view, kinds.get(view.source)),
                    label=label,
                    confidence=s.confidence if s.label is not None else view.confidence,
                    urgency=s.urgency,
                    reasons=s.reasons,
                    state=s.state,
                    created_at=s.created_at,
                    now=now,
                    components=s.components,
                    mismatch=mismatch,
                    watch_reason=s.watch_reason,
                    assignee=s.assignee,
                    snoozed_until=s.snoozed_until,
                    sla_due_at=s.sla_due_at,
                    overdue=s.overdue(now),
                    closed_at=s.closed_at,
                    closed_by=s.closed_by,
                    note=s.note,
                    dismiss_reason=s.dismiss_reason,
                )
            )
        return out

    # -- actions --------------------------------------------------------------------------------
    def _act(
        self,
        alert_id: int,
        action: str,
        values: dict[str, object],
        by: str,
        details: dict[str, object],
    ) -> InboxItem:
        self.refresh()
        try:
            self.store.transition(
                alert_id,
                allowed_from=ALLOWED_FROM[action],
                values=values,
                actor=by,
                action=action,
                details=details,
                now=self._now(),
            )
        except StateConflict as exc:
            raise InboxError(str(exc)) from None
        return self.item(alert_id)

    def handle(self, alert_id: int, *, by: str, note: str | None = None) -> InboxItem:
        """Mark an alert handled (replied to, solved), with an optional note."""
        now = self._now()
        return self._act(
            alert_id,
            "handle",
            {"state": "handled", "closed_at": now, "closed_by": by, "note": note},
            by,
            {"note": note} if note else {},
        )

    def assign(self, alert_id: int, *, to: str, by: str) -> InboxItem:
        """Give an alert to someone (state ``assigned``; a snooze ends)."""
        if not to.strip():
            raise InboxError("--to: give the name of the person who takes the alert")
        return self._act(
            alert_id,
            "assign",
            {"state": "assigned", "assignee": to.strip(), "snoozed_until": None},
            by,
            {"to": to.strip()},
        )

    def snooze(self, alert_id: int, *, until: datetime, by: str) -> InboxItem:
        """Hide an alert until ``until``; it comes back (open, or assigned) after that."""
        if until <= self._now():
            raise InboxError("--until must be in the future")
        return self._act(
            alert_id,
            "snooze",
            {"state": "snoozed", "snoozed_until": until},
            by,
            {"until": until.isoformat()},
        )

    def reopen(self, alert_id: int, *, by: str) -> InboxItem:
        """Put a handled, dismissed, snoozed or worth-a-look alert back in the open queue
        (``assigned`` when it has an assignee)."""
        current = self.item(alert_id)
        return self._act(
            alert_id,
            "reopen",
            {
                "state": "assigned" if current.assignee else "open",
                "snoozed_until": None,
                "closed_at": None,
                "closed_by": None,
                "dismiss_reason": None,
            },
            by,
            {"from": current.state},
        )

    def dismiss(
        self,
        alert_id: int,
        *,
        reason: str,
        by: str,
        note: str | None = None,
        label: str = "neutral",
    ) -> InboxItem:
        """Dismiss an alert with a reason (see ``DISMISS_REASONS``). ``not-negative``
        records ``label`` (default neutral) as a label correction; ``not-our-brand``
        records the mention as a negative example for the alert's brand."""
        if reason not in DISMISS_REASONS:
            raise InboxError(f"--reason {reason!r}: choose from {', '.join(DISMISS_REASONS)}")
        if reason == "not-negative" and label not in ("neutral", "positive"):
            raise InboxError(f"--label {label!r}: a not-negative mention is neutral or positive")
        current = self.item(alert_id)
        now = self._now()
        details: dict[str, object] = {"reason": reason}
        if note:
            details["note"] = note
        if reason == "not-negative":
            details["label"] = label
        item = self._act(
            alert_id,
            "dismiss",
            {
                "state": "dismissed",
                "dismiss_reason": reason,
                "closed_at": now,
                "closed_by": by,
                "note": note,
            },
            by,
            details,
        )
        mention_id = current.mention.id
        if reason == "not-negative":
            why = f"dismissed alert {alert_id} as not negative by {by}"
            self.repo.set_override(mention_id, label, note=f"{why}: {note}" if note else why)
        elif reason == "not-our-brand":
            self.store.add_negative_example(
                mention_id, current.brand, actor=by, alert_id=alert_id, note=note, now=now
            )
        return item

    def relabel(self, alert_id: int, *, label: str, by: str, note: str | None = None) -> InboxItem:
        """Correct the label of an alert's mention (as ``brandpulse label``: the human label
        wins from now on), recorded in its history; the state stays. Raises InboxError."""
        if label not in ("negative", "neutral", "positive"):
            raise InboxError(f"--label {label!r}: choose from negative, neutral, positive")
        current = self.item(alert_id)
        details: dict[str, object] = {"label": label, "was": current.label}
        if note:
            details["note"] = note
        try:
            self.store.transition(
                alert_id,
                allowed_from=STATE_FILTERS["all"],
                values={},
                actor=by,
                action="relabel",
                details=details,
                now=self._now(),
            )
        except StateConflict as exc:
            raise InboxError(str(exc)) from None
        why = f"corrected on alert {alert_id} by {by}"
        self.repo.set_override(current.mention.id, label, note=f"{why}: {note}" if note else why)
        return self.item(alert_id)

    def changes_since(self, since: datetime) -> list[AlertEvent]:
        """Every action on any alert after ``since`` (UTC), oldest first."""
        return [e for e in self.store.events() if e.at > since]

    # -- learning --------------------------------------------------------------------------------
    def exclude_suggestions(self, brand: str | None = None) -> list[ExcludeSuggestion]:
        """Per brand with "not our brand" dismissals: the ``exclude`` phrases to add."""
        examples = self.store.negative_examples(brand)
        by_brand: dict[str, list[int]] = {}
        for e in examples:
            by_brand.setdefault(e.brand, []).append(e.mention_id)
        configured = {b.name: b for b in self.config.brands}
        out: list[ExcludeSuggestion] = []
        for name, ids in by_brand.items():
            cfg = configured.get(name)
            if cfg is None:
                continue
            dismissed_ids = set(ids)
            # What the brand matcher read (domain.text.model_text), not another join.
            texts = {m.id: model_text(m.title, m.text) for m in self.repo.mentions(ids=ids)}
            kept = [
                model_text(m.title, m.text)
                for m in self.repo.mentions(brand=name, limit=5_000)
                if m.id not in dismissed_ids
            ]
            out += suggest_excludes(
                name,
                cfg.terms_record().terms,
                [(i, texts[i]) for i in ids if i in texts],
                kept,
                existing=cfg.exclude,
            )
        return out
