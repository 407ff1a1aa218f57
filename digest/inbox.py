"""The inbox a social media manager works through: pure view logic, no I/O.

* :class:`InboxItem` — one alert as the inbox shows it (mention, lifecycle state, SLA,
  urgency reasons); :meth:`InboxItem.record` is the JSON Lines contract of
  ``brandpulse inbox --format json``;
* :func:`render_table` — the inbox as text for an 80-column terminal (rich);
* :func:`suggest_excludes` — the ``exclude`` phrase to add to a brand, learnt from the
  mentions dismissed as "not our brand";
* the lifecycle rules: which action is allowed from which state.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from digest.build import safe_mention, snippet
from digest.replies import MentionKind
from domain.sanitize import clean_line
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
        :data:`JSON_FIELDS` order; times are ISO 8601 UTC."""
        m = self.mention
        values: dict[str, Any] = {
            "id": self.alert_id,
            "mention_id": m.id,
            "brand": self.brand,
            "source": m.source,
            "source_kind": self.source_kind,
            "language": m.language,
            "url": m.url,
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


# -- the table --------------------------------------------------------------------------------
_KIND_NAMES = {"post": "post", "review": "review", "article": "press"}


def _clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells (wide CJK characters count 2), with "…"."""
    from rich.cells import cell_len

    if cell_len(text) <= width:
        return text
    out = ""
    for char in text:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return out + "…"


def _wrap(text: str, width: int, lines: int) -> str:
    """``text`` wrapped to at most ``lines`` lines of ``width`` cells; words longer than a
    line (or scripts without spaces) are cut by cells; "…" marks text left out."""
    from rich.cells import cell_len

    out: list[str] = []
    current = ""
    words = text.split()
    rest = False
    for index, word in enumerate(words):
        while word:
            candidate = f"{current} {word}" if current else word
            if cell_len(candidate) <= width:
                current, word = candidate, ""
                continue
            if current and cell_len(word) <= width // 2:
                out.append(current)
                current = ""
            else:  # a long word (or a script without spaces): fill the line with its head
                prefix = f"{current} " if current else ""
                head = ""
                for char in word:
                    if cell_len(prefix + head + char) > width:
                        break
                    head += char
                out.append(prefix + head)
                current = ""
                word = word[len(head) :]
            if len(out) == lines:
                rest = bool(word) or index + 1 < len(words)
                break
        if len(out) == lines:
            rest = rest or index + 1 < len(words)
            break
    if len(out) < lines and current:
        out.append(current)
    elif current and len(out) == lines:
        rest = True
    if rest and out:
        out[-1] = _clip(out[-1] + " …", width)
    return "\n".join(out or [""])


def render_table(items: Sequence[InboxItem], *, width: int = 80, title: str | None = None) -> str:
    """The inbox as plain text for a terminal ``width`` columns wide (default 80): one row
    per alert with id, urgency, state and SLA, brand and where it was said, two lines of
    the text and the strongest reasons. Rendered by rich without colour codes."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    id_w, urg_w, state_w, where_w = 5, 3, 11, 14
    # Columns are separated by two spaces (collapsed padding, no vertical lines).
    text_w = max(20, width - (id_w + urg_w + state_w + where_w) - 2 * 4)
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
        title=Text(title) if title else None,
        title_justify="left",
        expand=False,
    )
    table.add_column("ID", width=id_w, justify="right", no_wrap=True)
    table.add_column("URG", width=urg_w, justify="right", no_wrap=True)
    table.add_column("STATE", width=state_w, no_wrap=True, overflow="ellipsis")
    table.add_column("BRAND / WHERE", width=where_w, no_wrap=True, overflow="ellipsis")
    table.add_column("TEXT / WHY", width=text_w, no_wrap=True, overflow="ellipsis")
    for item in items:
        # Scraped text and names: control and bidi characters removed, one line each.
        m = safe_mention(item.mention)
        state = item.state if item.state != "watch" else "look"
        if item.state == "assigned" and item.assignee:
            state = f"@{clean_line(item.assignee)}"
        state_cell = "\n".join(
            part for part in (_clip(state, state_w), _clip(item.due_text(), state_w)) if part
        )
        detail = _KIND_NAMES.get(item.source_kind, item.source_kind)
        if m.rating is not None:
            detail += f" {m.rating:g}★"
        if m.language:
            detail += f" {m.language}"
        where = "\n".join(_clip(part, where_w) for part in (item.brand, m.source, detail))
        body = _wrap(snippet(m, limit=2 * text_w + 10), text_w, 2)
        if item.state == "dismissed":
            why_line = f"dismissed: {item.dismiss_reason}" + (
                f" — {clean_line(item.note)}" if item.note else ""
            )
        elif item.state == "handled":
            why_line = "handled" + (f": {clean_line(item.note)}" if item.note else "")
        elif item.state == "watch" and item.watch_reason:
            why_line = f"look: {item.watch_reason}"
        else:
            why_line = "why: " + " · ".join(item.reasons[:3])
        # Text objects: brackets in scraped text are never read as rich markup.
        table.add_row(
            Text(f"#{item.alert_id}"),
            Text(f"{item.urgency:.0f}"),
            Text(state_cell),
            Text(where),
            Text(body + "\n" + _clip(why_line, text_w)),
            end_section=True,
        )
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, force_terminal=False, legacy_windows=False
    )
    console.print(table)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


# -- learning: exclude suggestions ------------------------------------------------------------
_WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)


@dataclass(frozen=True, slots=True)
class ExcludeSuggestion:
    """An ``exclude`` phrase for a brand, with the evidence.

    Attributes:
        brand: the brand whose ``exclude`` list would get the phrase.
        phrase: lower-cased phrase around the brand term ("slack adjuster").
        dismissed: dismissed ("not our brand") mentions containing it.
        kept: the brand's other mentions containing it (0 = it never names the brand).
        example_ids: mention ids of dismissed mentions containing it.
    """

    brand: str
    phrase: str
    dismissed: int
    kept: int
    example_ids: tuple[int, ...] = ()

    @property
    def config_line(self) -> str:
        return f'exclude = [..., "{self.phrase}"]'


def _stopwords() -> frozenset[str]:
    try:
        import stopwordsiso

        return frozenset(stopwordsiso.stopwords(["en", "de", "fr", "es", "it", "pt", "bg"]))
    except Exception:  # stopword lists are a nicety, never a failure
        return frozenset({"the", "a", "an", "of", "and", "or", "to", "in", "on", "for", "is"})


def _candidates(text: str, terms: Sequence[str]) -> set[str]:
    """Phrases of a brand term with one neighbouring word (left or right), lower-cased."""
    words = [w.casefold() for w in _WORD.findall(text)]
    stop = _stopwords()
    found: set[str] = set()
    for term in terms:
        term_words = [w.casefold() for w in _WORD.findall(term)]
        n = len(term_words)
        if not n:
            continue
        for i in range(len(words) - n + 1):
            if words[i : i + n] != term_words:
                continue
            if i > 0 and words[i - 1] not in stop and not words[i - 1].isdigit():
                found.add(" ".join([words[i - 1], *term_words]))
            if i + n < len(words) and words[i + n] not in stop and not words[i + n].isdigit():
                found.add(" ".join([*term_words, words[i + n]]))
    return found


def suggest_excludes(
    brand: str,
    terms: Sequence[str],
    dismissed: Iterable[tuple[int, str]],
    kept: Iterable[str],
    *,
    existing: Iterable[str] = (),
    limit: int = 3,
) -> list[ExcludeSuggestion]:
    """The most distinctive phrases around the brand's terms in dismissed texts.

    A candidate is a brand term with its neighbouring word (stop words skipped), e.g.
    "slack adjuster" or "automotive slack". It is suggested when it appears in the
    dismissed mentions more often, relative to their number, than in the brand's kept
    mentions (at least 3 times the rate, and never in more than 2 % of kept ones), best
    first: most dismissed mentions, then fewest kept ones.

    Args:
        brand: the brand name.
        terms: the brand's configured terms.
        dismissed: ``(mention id, text)`` of mentions dismissed as not our brand.
        kept: texts of the brand's other mentions (not dismissed).
        existing: the brand's current ``exclude`` phrases (never suggested again).
        limit: at most this many suggestions (default 3).
    """
    have = {e.casefold() for e in existing}
    dismissed = list(dismissed)
    in_dismissed: Counter[str] = Counter()
    examples: dict[str, list[int]] = {}
    for mention_id, text in dismissed:
        for phrase in _candidates(text, terms):
            in_dismissed[phrase] += 1
            examples.setdefault(phrase, []).append(mention_id)
    if not in_dismissed:
        return []
    kept_texts = list(kept)
    in_kept: Counter[str] = Counter()
    for text in kept_texts:
        for phrase in _candidates(text, terms) & set(in_dismissed):
            in_kept[phrase] += 1
    rate_kept = max(1, len(kept_texts))
    out = []
    for phrase, count in in_dismissed.items():
        if phrase in have:
            continue
        k = in_kept[phrase]
        if k and (k / rate_kept > 0.02 or count / len(dismissed) < 3 * k / rate_kept):
            continue
        out.append(ExcludeSuggestion(brand, phrase, count, k, tuple(examples[phrase][:5])))
    out.sort(key=lambda s: (-s.dismissed, s.kept, -len(s.phrase), s.phrase))
    return out[:limit]
