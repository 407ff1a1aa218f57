"""One listening cycle: collect → store → analyze → alert → digest.

Every step commits its own work, so a crash mid-cycle loses nothing: the next run
continues with the mentions not yet analyzed and the alerts not yet delivered.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from brandpulse.analysis import analyze_pending, make_analyzer
from brandpulse.config import Config
from brandpulse.crawls import register_crawls, run_configured_crawl
from brandpulse.delivery import Deliverer, DeliveryResult
from brandpulse.inbox import digest_spikes, split_for_digest
from brandpulse.intake import Intake
from brandpulse.retention import apply_retention
from brandpulse.sources import SourceRun, make_http, register_sources, run_source
from brandpulse.topic_cache import StoredEmbedder
from digest.build import build_alert_digest
from digest.deliver import write_files
from digest.render import render_alert_digest
from domain.kinds import Voice, source_kind
from domain.terms import blank_spans
from domain.text import model_text
from listeners.health import is_silent
from sentiment import Analyzer
from storage import Repository, SourceHealth, StoredMention, init_db, make_engine
from storage.cycle_state import get_state, prune_embeddings, set_state
from storage.housekeeping import mark_removed_sources
from storage.models import utcnow

logger = logging.getLogger(__name__)

FILE_TARGET = "file"
#: Near-duplicates are looked for among mentions collected in this many days (and at most
#: STORY_WINDOW_MAX of them).
STORY_WINDOW_DAYS = 7
STORY_WINDOW_MAX = 5_000
#: New mentions up to which a cycle only compares them with the window (above it, or on a
#: process's first cycle, the whole window is grouped again).
STORY_INCREMENTAL_MAX = 1_000
#: Negative mentions per brand clustered into themes (the most negative first).
TOPIC_SAMPLE_MAX = 300
#: ``cycle_state`` names: the newest mention grouped into stories; a brand's last topics
#: (the name is followed by the brand's).
GROUPED_UPTO = "stories.grouped_upto"
TOPICS_STATE = "topics:"
SPIKES_CHECKED = "spikes.checked"
#: Minutes after which spikes are looked for again even when no mention arrived (with
#: new mentions they are looked for every cycle).
SPIKE_RECHECK_MINUTES = 60
#: The file digest lists alerts created within this many days that no file digest held yet.
DELIVERY_LOOKBACK_DAYS = 14


@dataclass
class CycleReport:
    """What one cycle did, for the CLI summary and the exit code."""

    sources: list[SourceRun] = field(default_factory=list)
    analyzed: int = 0
    stories_joined: int = 0
    alerts_raised: int = 0
    alerts_in_digest: int = 0
    deliveries: list[DeliveryResult] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def failed_sources(self) -> list[SourceRun]:
        return [s for s in self.sources if not s.ok]


def open_repository(config: Config) -> Repository:
    """Engine from config, schema migrated to the newest revision."""
    engine = make_engine(config.database.url)
    init_db(engine)
    repo = Repository(engine)
    repo.sync_brands((b.name, b.own) for b in config.brands)
    register_sources(config, repo)
    register_crawls(config, repo)
    mark_removed_sources(engine, {s.name for s in config.sources} | {c.name for c in config.crawls})
    return repo


class Pipeline:
    """Runs cycles for one config. ``now`` is injectable for tests."""

    def __init__(
        self,
        config: Config,
        *,
        repo: Repository | None = None,
        analyzer: Analyzer | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.repo = repo or open_repository(config)
        self._analyzer = analyzer
        self._now = now
        self.deliverer = Deliverer(config, self.repo, now=now)
        # Incremental state between cycles (issue 14): the newest mention id grouped into
        # stories, the grouping window's normalised texts, and each brand's last topics.
        self._grouped_upto: int | None = None
        self._dedup_cache: dict[str, object] = {}
        self._topics_seen: dict[str, tuple[str, list[tuple[str, int]], bool]] = {}

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = make_analyzer(self.config.analysis)
        return self._analyzer

    # -- steps ----------------------------------------------------------------------------
    def collect(self, only: set[str] | None = None) -> list[SourceRun]:
        """Run every enabled source and crawl (or those named in ``only``); failures are
        recorded as health, never raised."""
        intake = Intake.for_config(self.config, self.repo)
        runs = []
        with make_http(self.config) as http:
            for source in self.config.sources:
                if only is not None and source.name not in only:
                    continue
                with http.deadline(self.config.http.source_deadline_seconds):
                    runs.append(
                        run_source(
                            source, config=self.config, repo=self.repo, http=http, intake=intake
                        )
                    )
        for crawl in self.config.crawls:
            if only is None or crawl.name in only:
                runs.append(run_configured_crawl(crawl, config=self.config, intake=intake))
        return runs

    def analyze(self) -> int:
        return analyze_pending(
            self.repo,
            self.analyzer,
            batch_size=self.config.analysis.batch_size,
            brand_terms={b.name: b.terms_record().terms for b in self.config.brands},
            case_sensitive={b.name for b in self.config.brands if b.case_sensitive},
        )

    def group_stories(self) -> int:
        """Group recent near-duplicates (cross-posts, retweets, syndicated copies) into
        stories so one story alerts once. Returns how many mentions joined a story.

        Incremental: a cycle with no mention newer than the last grouping costs one
        primary-key look-up; otherwise every new mention of the window (however many: a
        burst is grouped whole) is grouped together with up to ``STORY_WINDOW_MAX`` older
        ones, whose normalised shingles are kept in memory between cycles. The newest
        mention grouped is stored (``cycle_state``), so after a restart too an idle cycle
        reads nothing and a cycle with few new mentions compares only them.
        """
        from sentiment.dedup import near_duplicate_groups, new_duplicate_pairs
        from storage.progress import count_collected_after, newest_mention_id, story_ids

        newest = newest_mention_id(self.repo.engine)
        if self._grouped_upto is None:  # a restart: where the last process stopped
            stored = get_state(self.repo.engine, GROUPED_UPTO)
            self._grouped_upto = int(stored) if stored is not None else None
        if self._grouped_upto is not None and newest <= self._grouped_upto:
            return 0
        since = self._now() - timedelta(days=STORY_WINDOW_DAYS)
        fresh = count_collected_after(
            self.repo.engine, after_id=self._grouped_upto or 0, since=since
        )
        recent = self.repo.recent_for_grouping(since=since, limit=STORY_WINDOW_MAX + fresh)
        previous, self._grouped_upto = self._grouped_upto, newest
        if len(recent) < 2:
            set_state(self.repo.engine, GROUPED_UPTO, newest)
            return 0
        texts = [model_text(p.title, p.text) for p in recent]
        first_new = next(
            (i for i, p in enumerate(recent) if p.mention_id > (previous or 0)), len(recent)
        )
        if previous is not None and len(recent) - first_new <= STORY_INCREMENTAL_MAX:
            # Few new mentions: only pairs with a new one are looked for; the older
            # mentions' stories are stored already.
            uf = list(range(len(recent)))

            def find(x: int) -> int:
                while uf[x] != x:
                    x = uf[x]
                return x

            for i, j in new_duplicate_pairs(texts, first_new, cache=self._dedup_cache):
                ri, rj = find(i), find(j)
                uf[max(ri, rj)] = min(ri, rj)
            groups = [find(i) for i in range(len(recent))]
        else:
            groups = near_duplicate_groups(texts, cache=self._dedup_cache)
        # Keep only what the next cycle's window holds (the newest STORY_WINDOW_MAX): the
        # cache stays bounded by the window, after a burst too.
        self._dedup_cache = {
            t: self._dedup_cache[t] for t in texts[-STORY_WINDOW_MAX:] if t in self._dedup_cache
        }
        members: dict[int, list[int]] = {}
        for p, group in zip(recent, groups, strict=True):
            members.setdefault(group, []).append(p.mention_id)
        grouped = [ids for ids in members.values() if len(ids) > 1]
        # A story keeps its earliest mention, even when that one has left the window.
        stored = story_ids(self.repo.engine, [mid for ids in grouped for mid in ids])
        stories = {}
        for ids in grouped:
            story = min(stored.get(mid) or mid for mid in ids)
            stories.update(dict.fromkeys(ids, story))
        joined = self.repo.set_story_ids(stories)
        set_state(self.repo.engine, GROUPED_UPTO, newest)
        return joined

    def update_topics(self, *, store: bool = True) -> dict[str, list[tuple[str, int]]]:
        """Cluster each brand's negative mentions of the report period into labelled
        themes, store each mention's theme (unless ``store=False``, for a read-only
        database), and return ``brand → [(theme, count)]``."""
        from sentiment.topics import cluster_topics

        period_start = self._now() - timedelta(days=self.config.digest.period_days)
        themes: dict[str, list[tuple[str, int]]] = {}
        # Only texts never embedded before go through the model (vectors are stored).
        embed = StoredEmbedder(self.repo.engine, store=store, now=self._now)
        for brand in self.config.brands:
            negatives = self.repo.mentions(
                brand=brand.name,
                label="negative",
                since=period_start,
                order="-score",
                limit=TOPIC_SAMPLE_MAX,
            )
            if len(negatives) < 4:
                continue
            # Re-cluster only when the brand's negatives changed since the last cycle (of
            # this process, else as stored by the last one).
            terms = brand.terms_record()
            ids = ",".join(str(m.id) for m in negatives)
            key = hashlib.sha1(f"{ids}|{terms.terms}".encode()).hexdigest()
            state_name = f"{TOPICS_STATE}{brand.name}"
            last = self._topics_seen.get(brand.name)
            if last is None:
                saved = get_state(self.repo.engine, state_name)
                if saved is not None:
                    last = (saved["key"], [tuple(t) for t in saved["themes"]], True)
            if last is not None and last[0] == key and (last[2] or not store):
                themes[brand.name] = last[1]
                continue
            # The brand's own name is in every text: it is not a theme.
            texts = [blank_spans(model_text(m.title, m.text), terms) for m in negatives]
            topics = cluster_topics(texts, embed=embed)
            assigned: dict[int, str] = {}
            for topic in topics:
                for index in topic.members:
                    assigned[negatives[index].id] = topic.label
            themes[brand.name] = [(t.label, len(t.members)) for t in topics]
            self._topics_seen[brand.name] = (key, themes[brand.name], store)
            if store:
                self.repo.set_topics(assigned)
                set_state(self.repo.engine, state_name, {"key": key, "themes": themes[brand.name]})
        if store and embed.embedded:
            # Vectors of texts that left every brand's sample for a while go.
            keep_days = max(2 * self.config.digest.period_days, STORY_WINDOW_DAYS)
            prune_embeddings(self.repo.engine, unused_since=self._now() - timedelta(days=keep_days))
        return themes

    def raise_alerts(self) -> int:
        """Create an alert for each new mention that matches the alert rules (the rating
        rule, the confidence floor, urgency reasons and SLA: see ``brandpulse.inbox``),
        and record new spikes (looked for when mentions arrived since the last look, else
        every ``SPIKE_RECHECK_MINUTES``)."""
        from brandpulse.inbox import raise_alerts, record_spikes
        from storage.progress import newest_mention_id

        now = self._now()
        raised = raise_alerts(self.config, self.repo, now=now)
        # Spike detection reads the baseline weeks' mentions: run it when something new
        # arrived since the last check, else at most every SPIKE_RECHECK_MINUTES.
        newest = newest_mention_id(self.repo.engine)
        last = get_state(self.repo.engine, SPIKES_CHECKED)
        if (
            last is None
            or newest > int(last["upto"])
            or now - datetime.fromisoformat(last["at"]) >= timedelta(minutes=SPIKE_RECHECK_MINUTES)
            or now < datetime.fromisoformat(last["at"])
        ):
            record_spikes(self.config, self.repo, now=now)
            set_state(self.repo.engine, SPIKES_CHECKED, {"upto": newest, "at": now.isoformat()})
        return raised

    def health_and_silent(self) -> tuple[list[SourceHealth], list[str]]:
        """Every source's health, and the names of those silent for too long."""
        now = self._now()
        health = self.repo.source_health()
        return health, [h.name for h in health if is_silent(h, now)]

    def deliver(
        self, *, digest: bool = True, heartbeat: bool = False
    ) -> tuple[int, list[DeliveryResult], list[Path]]:
        """Send what is due through the outbox (see :mod:`brandpulse.delivery`); with
        ``digest`` also write the alert digest files and send the digest to recipients.
        Returns (alerts in the file digest, results, files written)."""
        file_count, files = self._write_digest_files() if digest else (0, [])
        results = self.deliverer.run(digest=digest, heartbeat=heartbeat)
        return file_count, results, files

    def _write_digest_files(self) -> tuple[int, list[Path]]:
        """Write the alert digest of the alerts not yet in a file digest."""
        now = self._now()
        since = now - timedelta(days=DELIVERY_LOOKBACK_DAYS)
        digest_cfg = self.config.digest
        health, silent = self.health_and_silent()
        period_start = now - timedelta(days=digest_cfg.period_days)
        # Positive for an alert brand itself (a comparison it lost is not a thank-you), from
        # a person: a customer's post or review, not a press article.
        articles = {h.name for h in health if source_kind(h.kind).voice == Voice.ARTICLE}
        positives: dict[int, StoredMention] = {}
        for brand in self.config.alert_brands:
            for m in self.repo.mentions(
                since=period_start,
                brand=brand,
                label="positive",
                order="score",
                limit=digest_cfg.thank_you_count * 4,
            ):
                if m.source not in articles:
                    positives.setdefault(m.id, m)
        thank_you = sorted(positives.values(), key=lambda m: (-(m.score or 0.0), m.id))[
            : digest_cfg.thank_you_count
        ]

        spikes = digest_spikes(self.repo, now=now)
        # Worth-a-look alerts get their own section; handled/dismissed ones none.
        act, look, ids = split_for_digest(
            self.repo, self.repo.pending_alerts(FILE_TARGET, since=since)
        )
        doc = render_alert_digest(
            build_alert_digest(
                title=digest_cfg.title,
                alerts=act,
                thank_you=thank_you,
                health=health,
                silent=silent,
                now=now,
                worth_a_look=look,
                spikes=spikes,
            )
        )
        files = write_files(doc, output_dir=digest_cfg.output_dir, stem="digest", now=now)
        self.repo.record_deliveries(ids, FILE_TARGET, ok=True)
        return len(ids), files

    def write_competitor_report(
        self, themes: dict[str, list[tuple[str, int]]] | None = None
    ) -> list[Path]:
        """Write the competitor figures (text, JSON) of the last ``digest.period_days``
        with the negative ``themes`` of :meth:`update_topics`; the full report (charts,
        HTML, PDF, praised themes) is ``brandpulse report`` (see :mod:`brandpulse.report`)."""
        from brandpulse.report import write_cycle_report

        return write_cycle_report(self.config, self.repo, now=self._now(), themes=themes)

    # -- the whole cycle ----------------------------------------------------------------------
    def run_once(self) -> CycleReport:
        report = CycleReport()
        report.sources = self.collect()
        report.analyzed = self.analyze()
        report.stories_joined = self.group_stories()
        report.alerts_raised = self.raise_alerts()
        themes = self.update_topics()
        report.alerts_in_digest, report.deliveries, files = self.deliver()
        report.files = files + self.write_competitor_report(themes)
        apply_retention(self.config, self.repo, now=self._now())
        return report
