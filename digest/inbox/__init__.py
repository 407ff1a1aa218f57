"""The inbox a social media manager works through: pure view logic, no I/O.

* :class:`InboxItem` — one alert as the inbox shows it (mention, lifecycle state, SLA,
  urgency reasons); :meth:`InboxItem.record` is the JSON Lines contract of
  ``brandpulse inbox --format json`` (``item``);
* :func:`render_table` — the inbox as text for an 80-column terminal (rich) (``table``);
* :func:`suggest_excludes` — the ``exclude`` phrase to add to a brand, learnt from the
  mentions dismissed as "not our brand" (``excludes``);
* the lifecycle rules: which action is allowed from which state (``item``).
"""

from digest.inbox.excludes import ExcludeSuggestion, suggest_excludes
from digest.inbox.item import (
    ALLOWED_FROM,
    DISMISS_REASONS,
    JSON_FIELDS,
    STATE_FILTERS,
    InboxItem,
)
from digest.inbox.table import render_table

__all__ = [
    "ALLOWED_FROM",
    "DISMISS_REASONS",
    "JSON_FIELDS",
    "STATE_FILTERS",
    "ExcludeSuggestion",
    "InboxItem",
    "render_table",
    "suggest_excludes",
]
