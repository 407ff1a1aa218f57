"""Raising alerts worth acting on, spikes and the digest's view of the inbox.

The pipeline's alert step (:func:`raise_alerts`): the rating rule (``domain.rating``),
the confidence floor (``alerts.min_confidence``: below it a negative is only "worth a
look", state ``watch``), urgency with its reasons, and the SLA clock, stored with each new
alert. Spike detection on stored mentions with the cooldown kept in the database
(:func:`record_spikes`), and what the digest shows of both. :mod:`brandpulse.inbox`
re-exports these names.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from brandpulse.config import Config
from digest.build import SpikeNote
from digest.replies import mention_kind
from digest.spikes import Post, SpikeFinding, SpikeSettings, detect_spikes
from digest.urgency import VELOCITY_WINDOW_HOURS, urgency_breakdown
from domain.rating import LOW_RATING, rated_label
from domain.text import model_text
from storage import AlertItem, Repository
from storage.inbox import InboxStore, NewAlertInfo

logger = logging.getLogger(__name__)

__all__ = [
    "DIGEST_SPIKE_HOURS",
    "brand_training_rows",
    "digest_spikes",
    "find_spikes",
    "raise_alerts",
    "record_spikes",
    "sla_hours",
    "spike_figures",
    "spike_settings",
    "split_for_digest",
]


def sla_hours(config: Config) -> dict[str, float | None]:
    """SLA hours per brand: ``alerts.sla_hours`` for own brands, else
    ``alerts.competitor_sla_hours`` (None: no clock)."""
    own = {b.name for b in config.brands if b.own}
    return {
        b.name: (config.alerts.sla_hours if b.name in own else config.alerts.competitor_sla_hours)
        for b in config.brands
    }


# -- raising alerts ------------------------------------------------------------------------------
def raise_alerts(config: Config, repo: Repository, *, now: datetime) -> int:
    """Create an alert for each new mention that matches the alert rules; returns how many
    (``watch`` ones included).

    A mention qualifies for the first alert brand whose label *after the rating rule*
    is in ``alerts.labels`` (a 1-2 star review whose text reads clearly positive is raised
    as ``watch``: a mismatch to check, not an apology). It is held back as ``watch``
    ("worth a look") when the model's confidence is below ``alerts.min_confidence``,
    unless a person labelled it or the stars decided. One story alerts once. Snoozed
    alerts whose time has come are woken first.
    """
    store = InboxStore(repo.engine)
    store.ensure_states(sla_hours(config), now=now)
    store.wake_snoozed(now)
    alerts_cfg = config.alerts
    since = now - timedelta(hours=alerts_cfg.max_age_hours)
    brands = config.alert_brands
    labels = set(alerts_cfg.labels)
    candidates = repo.alert_candidates(brands=brands, labels=alerts_cfg.labels, since=since)
    known = {c.id for c in candidates}
    low_rated = [
        i
        for i in store.low_rated_candidates(brands=brands, since=since, max_rating=LOW_RATING)
        if i not in known
    ]
    if low_rated:
        candidates += repo.mentions(ids=low_rated)
    if not candidates:
        return 0
    kinds = store.source_kinds()
    copies = store.story_copies(
        [c.id for c in candidates], since=now - timedelta(hours=VELOCITY_WINDOW_HOURS)
    )
    sla = sla_hours(config)
    seen: set[str | int] = set()
    rows: list[tuple[int, str, float]] = []
    infos: list[NewAlertInfo] = []
    for mention in sorted(candidates, key=lambda m: (m.published_at or m.collected_at, m.id)):
        if mention.content_hash in seen or mention.story in seen:
            continue  # the same story cross-posted or syndicated: alert once
        chosen = None
        for brand in mention.brands:
            if brand not in brands:
                continue
            view = mention.for_brand(brand)
            verdict = rated_label(
                view.label, rating=view.rating, score=view.score, human=view.overridden
            )
            low_mismatch = verdict.mismatch and verdict.rule == "low-rating"
            if verdict.label in labels or low_mismatch:
                chosen = (brand, view, verdict)
                break
        if chosen is None:
            continue
        brand, view, verdict = chosen
        seen.update((mention.content_hash, mention.story))
        view = replace(view, label=verdict.label)
        kind = mention_kind(view, kinds.get(view.source))
        breakdown = urgency_breakdown(view, now=now, copies=copies.get(view.id, 0), kind=kind)
        watch_reason = None
        if verdict.mismatch:
            watch_reason = f"{verdict.reason}: check before replying"
        elif (
            not view.overridden
            and verdict.rule != "low-rating"
            and view.confidence is not None
            and view.confidence < alerts_cfg.min_confidence
        ):
            watch_reason = (
                f"low confidence ({view.confidence:.2f} < {alerts_cfg.min_confidence:.2f}): "
                "the model is unsure it is negative"
            )
        reasons = breakdown.reasons
        if verdict.reason and verdict.rule in ("low-rating", "high-rating"):
            reasons = (verdict.reason, *[r for r in reasons if not r.startswith("rated ")])
        hours = sla.get(brand)
        rows.append((view.id, brand, breakdown.score))
        infos.append(
            NewAlertInfo(
                mention_id=view.id,
                state="watch" if watch_reason else "open",
                label=verdict.label,
                confidence=None if view.overridden else view.confidence,
                mismatch=verdict.mismatch,
                watch_reason=watch_reason,
                reasons=reasons,
                components=breakdown.components,
                sla_due_at=None if watch_reason or hours is None else now + timedelta(hours=hours),
            )
        )
    raised = repo.insert_alerts(rows)
    store.attach(infos, now=now)
    if raised:
        watched = sum(1 for i in infos if i.state == "watch")
        logger.info("raised %d alert(s), %d of them only worth a look", raised, watched)
    return raised


def split_for_digest(
    repo: Repository, pending: Sequence[AlertItem]
) -> tuple[list[AlertItem], list[AlertItem], list[int]]:
    """Split alerts waiting for a digest into (to act on, worth a look, every id).

    Alerts already handled or dismissed in the inbox are left out of both lists but are
    in the ids (so they count as delivered and never come back)."""
    if not pending:
        return [], [], []
    states = {
        s.alert_id: s.state
        for s in InboxStore(repo.engine).states(alert_ids=[a.alert_id for a in pending])
    }
    act = [
        a
        for a in pending
        if states.get(a.alert_id, "open") not in ("watch", "handled", "dismissed")
    ]
    look = [a for a in pending if states.get(a.alert_id) == "watch"]
    return act, look, [a.alert_id for a in pending]


# -- spikes ----------------------------------------------------------------------------------------
def spike_settings(config: Config) -> SpikeSettings:
    c = config.spikes
    return SpikeSettings(
        window_hours=c.window_hours,
        weeks=c.weeks,
        min_weeks=c.min_weeks,
        min_volume=c.min_volume,
        min_negative=c.min_negative,
        ratio=c.ratio,
        z=c.z,
        share_rise=c.share_rise,
        cooldown_hours=c.cooldown_hours,
    )


def find_spikes(
    config: Config, repo: Repository, *, now: datetime, ignore_cooldown: bool = False
) -> list[SpikeFinding]:
    """Spikes at ``now`` from stored mentions (not recorded; see :func:`record_spikes`)."""
    settings = spike_settings(config)
    store = InboxStore(repo.engine)
    window = timedelta(hours=settings.window_hours)
    since = now - window - timedelta(weeks=settings.weeks)
    rows = store.spike_rows(since=since, until=now, text_since=now - window)
    posts = [
        Post(r.mention_id, r.brand, r.source, r.at, r.label == "negative", r.text) for r in rows
    ]
    last = (
        {}
        if ignore_cooldown
        else store.last_spike_reports(since=now - timedelta(hours=settings.cooldown_hours))
    )
    return detect_spikes(
        posts,
        now=now,
        own_brands=[b.name for b in config.brands if b.own],
        settings=settings,
        last_reported=last,
        brand_terms={b.name: list(b.terms_record().terms) for b in config.brands},
    )


def spike_figures(f: SpikeFinding, *, window_end: bool = False) -> dict[str, object]:
    """A finding's figures as JSON-ready values: what a stored spike report keeps in
    ``details`` and what ``brandpulse spikes --format json`` prints. Baseline mean and
    standard deviation are rounded to 3 decimals, the baseline negative share to 4; times
    are ISO 8601. ``window_end`` (default False) adds the window's end after its start."""
    figures: dict[str, object] = {
        "category": f.category,
        "now_count": f.now_count,
        "now_negative": f.now_negative,
        "baseline_mean": round(f.baseline_mean, 3),
        "baseline_std": round(f.baseline_std, 3),
        "baseline_share": round(f.baseline_share, 4),
        "weeks": f.weeks,
        "window_start": f.window_start.isoformat(),
    }
    if window_end:
        figures["window_end"] = f.window_end.isoformat()
    figures["top_terms"] = list(f.top_terms)
    figures["example_ids"] = list(f.example_ids)
    return figures


def record_spikes(config: Config, repo: Repository, *, now: datetime) -> list[SpikeFinding]:
    """Detect spikes (cooldown respected) and store the new ones; returns them."""
    if not config.spikes.enabled:
        return []
    findings = find_spikes(config, repo, now=now)
    store = InboxStore(repo.engine)
    for f in findings:
        store.record_spike(
            brand=f.brand,
            source=f.source,
            kind=f.kind,
            detected_at=now,
            summary=f.summary,
            details=spike_figures(f),
        )
        logger.info("spike: %s", f.summary)
    return findings


#: The digest lists spikes reported within this many hours.
DIGEST_SPIKE_HOURS = 24


def digest_spikes(repo: Repository, *, now: datetime) -> list[SpikeNote]:
    """Spikes reported in the last :data:`DIGEST_SPIKE_HOURS` hours, risks first."""
    reports = InboxStore(repo.engine).spike_reports(since=now - timedelta(hours=DIGEST_SPIKE_HOURS))
    notes = [SpikeNote(r["details"].get("category", "risk"), r["summary"]) for r in reports]
    return sorted(notes, key=lambda n: n.category != "risk")


def brand_training_rows(repo: Repository) -> list[dict[str, object]]:
    """Mentions dismissed as not about a brand, as ``training-data`` lines:
    ``{"task": "brand", "text", "brand", "match": false, "language", "mention_id",
    "source", "note"}`` (training data for brand matching, not for sentiment)."""
    examples = InboxStore(repo.engine).negative_examples()
    mentions = {m.id: m for m in repo.mentions(ids=[e.mention_id for e in examples])}
    rows: list[dict[str, object]] = []
    for e in examples:
        m = mentions.get(e.mention_id)
        if m is None:
            continue
        text = model_text(m.title, m.text)
        rows.append(
            {
                "task": "brand",
                "text": text,
                "brand": e.brand,
                "match": False,
                "language": m.language,
                "mention_id": m.id,
                "source": m.source,
                "note": e.note,
            }
        )
    return rows
