"""What ``brandpulse demo`` prints at the end: the top of the queue and the commands to
work it."""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from brandpulse.config import Config
from domain.kinds import source_kind
from storage import Repository
from storage.records import AlertItem

#: Alerts shown at the end of the demo.
TOP = 8
#: A delivery target nothing is ever sent to: every alert is "pending" for it.
_NO_TARGET = "demo:epilogue"


def _cells(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _one_line(text: str, width: int) -> str:
    """``text`` on one line of at most ``width`` terminal cells (CJK characters take 2)."""
    flat = " ".join(text.split())
    if sum(_cells(ch) for ch in flat) <= width:
        return flat
    out, used = [], 0
    for ch in flat:
        if used + _cells(ch) > width - 1:
            break
        out.append(ch)
        used += _cells(ch)
    return "".join(out) + "…"


def _source_types(config: Config) -> dict[str, str]:
    types = {s.name: s.type for s in config.sources}
    types.update({c.name: f"crawl:{c.spider}" for c in config.crawls})
    return types


def alert_line(n: int, alert: AlertItem, source_type: str | None) -> str:
    """``n. Brand · Source kind · language · stars · "text"`` on two lines."""
    m = alert.mention
    kind = source_kind(source_type).display_name
    parts = [alert.brand, kind, m.language or "und"]
    if m.rating is not None:
        parts.append(f"{m.rating:g}★")
    head = f"{n:>2}. [{alert.urgency:.0f}] " + " · ".join(parts) + f"  (mention {m.id})"
    body = _one_line(" — ".join(x for x in (m.title, m.text) if x), 74)
    return f"{head}\n      {body}"


def demo_epilogue(output: Path, config: Config, repo: Repository) -> str:
    """The closing text of ``brandpulse demo``: the most urgent open alerts, what the
    alerts span (brands, source kinds, languages) and the commands to go on with."""
    alerts = repo.pending_alerts(_NO_TARGET, since=datetime(1970, 1, 1, tzinfo=UTC))
    types = _source_types(config)
    followup = output / "brandpulse.toml"
    digests = config.digest.output_dir
    lines = [f"Top of the queue ({len(alerts)} alerts, most urgent first):"]
    for n, alert in enumerate(alerts[:TOP], start=1):
        lines.append(alert_line(n, alert, types.get(alert.mention.source)))
    if len(alerts) > TOP:
        lines.append(f"    … and {len(alerts) - TOP} more in the digest.")
    kinds = Counter(source_kind(types.get(a.mention.source)).display_name for a in alerts)
    languages = Counter(a.mention.language or "und" for a in alerts)
    lines.append("Alerts by source kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    lines.append("Alerts by language: " + ", ".join(f"{k} {n}" for k, n in languages.most_common()))
    lines += [
        "",
        "Read the digest (reply outlines, thank-you list) and the competitor report:",
        f"  {digests / 'digest.txt'}   (or digest.html in a browser)",
        f"  {digests / 'competitors.html'}   (charts; also .pdf, .txt, .json)",
        "Go on with the demo database:",
        f"  brandpulse export --format jsonl --config {followup}",
        f"  brandpulse label MENTION_ID positive --config {followup}   # correct a label",
        f"  brandpulse sources --config {followup}",
        f"  brandpulse demo --output {output}-mail --notify 'mailto://...'   # e-mail the alerts",
        "Run `brandpulse demo` again: nothing is stored or alerted twice.",
    ]
    return "\n".join(lines)
