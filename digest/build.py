"""Build digest and report data (plain dataclasses) from stored records; no I/O here."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from digest.ages import mention_age
from digest.replies import MentionKind, ReplyStep, mention_kind, reply_outline
from domain.redact import redact
from domain.sanitize import clean_line, clean_text, safe_link
from storage.housekeeping import REMOVED_REASON
from storage.records import AlertItem, BrandCounts, SourceHealth, StoredMention

SNIPPET_CHARS = 280


@dataclass(frozen=True, slots=True)
class AlertView:
    """A negative mention as shown in the alert digest."""

    alert_id: int
    brand: str
    urgency: float
    mention: StoredMention
    snippet: str
    age: str
    reply_outline: tuple[ReplyStep, ...]
    duplicates: int = 0
    kind: MentionKind = "post"


@dataclass(frozen=True, slots=True)
class ThankYouView:
    mention: StoredMention
    snippet: str
    age: str


@dataclass(frozen=True, slots=True)
class SpikeNote:
    """A spike as the digest shows it: ``risk`` (own brand) or ``opportunity``."""

    category: str
    summary: str


@dataclass(frozen=True, slots=True)
class AlertDigest:
    """The alert digest: what needs a reply now, who to thank, which sources are silent,
    what is only worth a look (low confidence, star/text mismatch) and spikes."""

    title: str
    generated_at: datetime
    alerts: tuple[AlertView, ...]
    thank_you: tuple[ThankYouView, ...]
    source_warnings: tuple[str, ...] = ()
    worth_a_look: tuple[AlertView, ...] = ()
    spikes: tuple[SpikeNote, ...] = ()

    @property
    def replies(self) -> tuple[AlertView, ...]:
        """Customers' posts and reviews waiting for a public reply, most urgent first."""
        return tuple(a for a in self.alerts if a.kind != "article")

    @property
    def coverage(self) -> tuple[AlertView, ...]:
        """Negative articles (press, blogs) to check, most urgent first."""
        return tuple(a for a in self.alerts if a.kind == "article")


class PeriodChange:
    """Period-over-period changes for a brand's row (digest) or column (benchmark).

    A mixin for frozen, slotted dataclasses that declare the fields below; it adds no
    state of its own.
    """

    __slots__ = ()

    share_of_voice: float  # in [0, 1]
    positive: int
    neutral: int
    negative: int
    net_sentiment: float  # in [-1, 1]
    previous_share_of_voice: float | None
    previous_net_sentiment: float | None

    @property
    def share_change_points(self) -> float | None:
        """Change in share of voice since the previous period, in percentage points."""
        if self.previous_share_of_voice is None:
            return None
        return 100 * (self.share_of_voice - self.previous_share_of_voice)

    @property
    def net_change(self) -> float | None:
        """Change in net sentiment since the previous period (None when either period has
        no analyzed mention of the brand)."""
        if self.previous_net_sentiment is None or not (
            self.positive + self.neutral + self.negative
        ):
            return None
        return self.net_sentiment - self.previous_net_sentiment


@dataclass(frozen=True, slots=True)
class ShareFigures:
    """A brand's share of voice in a period and its figures from the period before."""

    share_of_voice: float  # in [0, 1]; 0.0 when no brand has a mention
    #: None when the period before has no mention of any brand (or none of this one).
    previous_mentions: int | None
    previous_share_of_voice: float | None
    #: None also when the brand had no analyzed mention in the period before.
    previous_net_sentiment: float | None


def share_figures(
    counts: BrandCounts, total: int, before: Mapping[str, BrandCounts], total_before: int
) -> ShareFigures:
    """``counts``' share of the ``total`` mentions of all brands, and the same brand's
    mentions, share of the ``total_before`` and net sentiment in ``before`` (counts of the
    period before, by brand)."""
    old = before.get(counts.brand) if total_before else None
    analyzed_before = old.positive + old.neutral + old.negative if old else 0
    return ShareFigures(
        share_of_voice=(counts.mentions / total) if total else 0.0,
        previous_mentions=old.mentions if old else None,
        previous_share_of_voice=(old.mentions / total_before) if old else None,
        previous_net_sentiment=old.net_sentiment if old and analyzed_before else None,
    )


def snippet(mention: StoredMention, *, limit: int = SNIPPET_CHARS) -> str:
    """Title and text joined, cut at a word boundary to at most ``limit`` characters."""
    body = (
        mention.text
        if mention.title and mention.text.startswith(mention.title)
        else (
            f"{mention.title}: {mention.text}"
            if mention.title and mention.title != mention.text
            else mention.text
        )
    )
    body = " ".join(body.split())
    if len(body) <= limit:
        return body
    cut = body[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def build_alert_digest(
    *,
    title: str,
    alerts: Sequence[AlertItem],
    thank_you: Sequence[StoredMention],
    health: Sequence[SourceHealth],
    silent: Sequence[str],
    now: datetime,
    worth_a_look: Sequence[AlertItem] = (),
    spikes: Sequence[SpikeNote] = (),
) -> AlertDigest:
    """Assemble the alert digest (alerts already ranked most urgent first).

    Each alert's reply outline depends on the kind of text (post, review or article), read
    from its source's stored type in ``health`` (see :mod:`digest.replies`).
    ``worth_a_look`` are alerts held back from immediate alerting (the inbox's ``watch``
    state); ``spikes`` the spikes found since the last digest.
    """
    source_types = {h.name: h.kind for h in health}
    views = tuple(
        _alert_view(
            dataclasses.replace(a, mention=safe_mention(a.mention)),
            source_types.get(a.mention.source),
            now,
        )
        for a in alerts
    )
    look = tuple(
        _alert_view(
            dataclasses.replace(a, mention=safe_mention(a.mention)),
            source_types.get(a.mention.source),
            now,
        )
        for a in worth_a_look
    )
    thanks = tuple(
        ThankYouView(m, snippet(m, limit=200), mention_age(m, now))
        for m in map(safe_mention, thank_you)
    )
    return AlertDigest(
        title,
        now,
        views,
        thanks,
        source_warnings(health, silent),
        worth_a_look=look,
        spikes=tuple(spikes),
    )


def safe_mention(mention: StoredMention) -> StoredMention:
    """The mention as digests may show it: its URL only if http(s) (else ""), no control,
    NUL or bidi-override characters, and author, title and source on one line each."""
    return dataclasses.replace(
        mention,
        url=safe_link(mention.url) or "",
        author=clean_line(mention.author) if mention.author else mention.author,
        title=clean_line(mention.title) if mention.title else mention.title,
        source=clean_line(mention.source),
        text=clean_text(mention.text, max_chars=None),
    )


def _alert_view(alert: AlertItem, source_type: str | None, now: datetime) -> AlertView:
    kind = mention_kind(alert.mention, source_type)
    return AlertView(
        alert_id=alert.alert_id,
        brand=alert.brand,
        urgency=alert.urgency,
        mention=alert.mention,
        snippet=snippet(alert.mention),
        age=mention_age(alert.mention, now),
        reply_outline=reply_outline(alert.mention, kind=kind, source_type=source_type),
        duplicates=alert.duplicates,
        kind=kind,
    )


def source_warnings(health: Sequence[SourceHealth], silent: Sequence[str]) -> tuple[str, ...]:
    """One line per source that is failing, disabled or silent for too long."""
    lines = []
    silent_set = set(silent)
    for h in health:
        if not h.enabled and h.disabled_reason == REMOVED_REASON:
            continue  # no longer in the config: nothing to warn about
        if not h.enabled:
            reason = redact(h.disabled_reason or "no reason recorded")
            lines.append(f"{h.name}: disabled — {reason}")
        elif h.consecutive_failures:
            lines.append(
                f"{h.name}: failing ({h.consecutive_failures} run(s) in a row) — "
                f"{clean_line((redact(h.last_error or '').splitlines() or [''])[0], max_chars=300)}"
            )
        elif h.name in silent_set:
            lines.append(
                f"{h.name}: no successful run for longer than expected — no data is "
                "not the same as no complaints"
            )
    return tuple(lines)
