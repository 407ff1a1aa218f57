"""Plain-text summaries for the terminal: a cycle's outcome and the source health table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from brandpulse.pipeline import CycleReport
from domain.redact import redact
from listeners.health import is_silent
from storage import Repository, SourceHealth
from storage.housekeeping import REMOVED_REASON
from storage.models import utcnow


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"


def health_table(health: Sequence[SourceHealth], *, now: datetime | None = None) -> str:
    """One row per source: status, last success, items last run, failures, last error."""
    now = now or utcnow()
    header = (
        f"{'source':<24} {'type':<10} {'status':<9} {'last success':<17} {'items':>5} "
        f"{'fails':>5} {'stored':>6}  last error"
    )
    lines = [header, "-" * len(header)]
    for h in health:
        if not h.enabled and h.disabled_reason == REMOVED_REASON:
            status = "removed"
        elif not h.enabled:
            status = "disabled"
        elif h.consecutive_failures:
            status = "FAILING"
        elif is_silent(h, now):
            status = "SILENT"
        else:
            status = "ok"
        error = (h.disabled_reason if not h.enabled else h.last_error) or ""
        if h.enabled and not h.consecutive_failures and h.last_error:
            error = f"(recovered) {h.last_error}"
        error = redact(error)
        first_line = error.splitlines()[0][:120] if error else ""
        lines.append(
            f"{h.name[:24]:<24} {h.kind[:10]:<10} {status:<9} {_when(h.last_success_at):<17} "
            f"{'' if h.last_item_count is None else h.last_item_count:>5} "
            f"{h.consecutive_failures:>5} {h.total_mentions:>6}  {first_line}"
        )
    if len(lines) == 2:
        lines.append("(no sources configured)")
    return "\n".join(lines)


def cycle_summary(report: CycleReport, *, repo: Repository) -> str:
    """What a cycle did: per-source results, mentions per brand and label, alerts, files."""
    lines = ["Sources:"]
    for run in report.sources:
        if run.disabled:
            lines.append(f"  {run.name}: disabled — {run.error or 'enabled = false'}")
        elif run.ok:
            lines.append(
                f"  {run.name}: {run.fetched} items, {run.matched} about tracked brands, "
                f"{run.inserted} new"
            )
        else:
            lines.append(f"  {run.name}: FAILED — {run.error}")
    lines.append(f"Analyzed {report.analyzed} new mention(s).")
    if report.stories_joined:
        lines.append(
            f"{report.stories_joined} mention(s) are near-duplicates of an earlier story "
            "(grouped: one story alerts once)."
        )
    lines.append("Mentions stored, by brand (positive / neutral / negative):")
    for c in repo.brand_counts():
        own = " (you)" if c.is_own else ""
        lines.append(
            f"  {c.brand}{own}: {c.mentions}  ({c.positive} / {c.neutral} / {c.negative}"
            + (f", {c.unanalyzed} not analyzed" if c.unanalyzed else "")
            + f")  net {c.net_sentiment:+.2f}"
        )
    lines.append(
        f"Alerts: {report.alerts_raised} raised this run, {report.alerts_in_digest} in this "
        f"digest, {repo.alert_count()} in all."
    )
    for outcome in report.deliveries:
        if outcome.status == "unknown":
            state = f"UNCONFIRMED, will be sent again ({outcome.error})"
        else:
            state = outcome.status if outcome.ok else f"FAILED, will retry ({outcome.error})"
        lines.append(f"  {outcome.what} to {outcome.target}: {state}")
    from brandpulse.delivery import status_line
    from storage.outbox import Outbox

    outbox = Outbox(repo.engine)
    if outbox.has_rows():
        lines.append(status_line(outbox))
    if report.files:
        lines.append("Written:")
        lines.extend(f"  {path}" for path in report.files)
    if report.failed_sources:
        lines.append(
            f"{len(report.failed_sources)} source(s) failed; see `brandpulse sources` — the "
            "others completed."
        )
    return "\n".join(lines)
