"""The per-run counts part of ``brandpulse sources``: for each source's last run, the
items seen, the mentions stored and the items skipped with their reasons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from storage.run_counts import RunCounts


def run_counts_table(names: Sequence[str], counts: Mapping[str, RunCounts]) -> str:
    """One line per source in ``names``: ``seen``, ``stored``, ``skipped (reasons)``;
    ``-`` where the source has not recorded counts yet."""
    header = f"{'source':<24} {'seen':>6} {'stored':>6}  skipped (why)"
    lines = ["Last run:", header, "-" * max(len(header), 60)]
    for name in names:
        run = counts.get(name)
        if run is None or run.seen is None:
            lines.append(f"{name[:24]:<24} {'-':>6} {'-':>6}  -")
            continue
        lines.append(f"{name[:24]:<24} {run.seen:>6} {run.stored or 0:>6}  {run.skipped_text()}")
    return "\n".join(lines)
