"""What ``brandpulse demo`` prints at the end: the top of the inbox and the commands to
work it."""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from pathlib import Path

from brandpulse.config import Config
from domain.kinds import source_kind
from storage import Repository

#: Alerts shown at the end of the demo.
TOP = 6


def _source_types(config: Config) -> dict[str, str]:
    types = {s.name: s.type for s in config.sources}
    types.update({c.name: f"crawl:{c.spider}" for c in config.crawls})
    return types


def command_prefix(argv0: str | None = None) -> str:
    """How the reader runs this CLI again: ``brandpulse`` when that name on PATH is the
    program running, else the path it was started by (``.venv/bin/brandpulse`` after
    ``make demo``, where the virtual environment is not activated).

    Args:
        argv0: the program's path as started (default ``sys.argv[0]``).
    """
    started = Path(argv0 if argv0 is not None else sys.argv[0])
    if started.name != "brandpulse":  # python -m brandpulse, or a test runner
        return "brandpulse"
    found = shutil.which("brandpulse")
    if found and Path(found).resolve() == started.resolve():
        return "brandpulse"
    return str(started)


def demo_epilogue(output: Path, config: Config, repo: Repository) -> str:
    """The closing text of ``brandpulse demo``: the top of the inbox (open alerts, overdue
    first, then most urgent), what the open alerts span (brands, source kinds, languages),
    what is worth a look, and the commands to work the inbox."""
    from brandpulse.inbox import Inbox
    from digest.inbox import render_table

    box = Inbox(config, repo)
    items = box.items(state="open")
    watch = box.items(state="watch")
    types = _source_types(config)
    followup = output / "brandpulse.toml"
    digests = config.digest.output_dir
    cfg = f"--config {followup}"
    bp = command_prefix()
    pip = "pip" if bp == "brandpulse" else str(Path(bp).with_name("pip"))
    lines: list[str] = []
    if items:
        title = f"Inbox: {len(items)} open alerts, the top {min(TOP, len(items))}"
        lines.append(render_table(items[:TOP], width=80, title=title).rstrip("\n"))
    else:
        lines.append("Inbox: no open alerts (all handled or dismissed).")
    kinds = Counter(source_kind(types.get(i.mention.source)).display_name for i in items)
    languages = Counter(i.mention.language or "und" for i in items)
    brands = Counter(i.brand for i in items)
    if items:
        lines += [
            "Open alerts by brand: " + ", ".join(f"{k} {n}" for k, n in brands.most_common()),
            "by source: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()),
            "by language: " + ", ".join(f"{k} {n}" for k, n in languages.most_common()),
        ]
    if watch:
        lines.append(f"Worth a look (unsure negatives, no alert sent): {len(watch)}")
    example = items[0].alert_id if items else "ID"
    lines += [
        "",
        "Work the inbox (the demo database stays in " + str(output) + "):",
        f"  {bp} inbox {cfg}",
        f"  {bp} handle {example} --note 'Replied on Google Play' {cfg}",
        f"  {bp} dismiss ID --reason not-negative {cfg}",
        f"  {bp} inbox --format json {cfg}   # JSON Lines",
        f"Or in a browser (needs the web extra: {pip} install -e '.[web]'):",
        f"  {bp} users add me --role responder --password-stdin {cfg}   # asks a password",
        f"  {bp} web {cfg}   # open http://127.0.0.1:8080/ and log in as me",
        "Read the digest (reply outlines, thank-you list) and the competitor report:",
        f"  {digests / 'digest.txt'}   (or digest.html in a browser)",
        f"  {digests / 'competitors.html'}   (charts; also .pdf, .txt, .json)",
        f"Send the alerts: {bp} demo --output {output}-mail --notify 'mailto://...'",
        "Run `brandpulse demo` again: nothing is stored or alerted twice; handled and",
        "dismissed alerts stay closed.",
    ]
    return "\n".join(lines)
