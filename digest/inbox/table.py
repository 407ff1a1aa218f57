"""The inbox as text for a terminal (rich, no colour codes)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from digest.build import safe_mention, snippet
from digest.inbox.item import InboxItem
from domain.sanitize import clean_line

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
