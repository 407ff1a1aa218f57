"""The one intake path: every record a listener or a crawl produces comes in here.

For one source and run, :meth:`Intake.admit` checks each record
(:func:`domain.records.check_mention`: clean text, http(s) links, sane numbers, no
deleted content), gives it its brands (fixed by the source, or matched by the brands'
terms), and saves the survivors with the source's new cursor in one transaction. A record
that cannot be stored is skipped and counted under its reason; a record the database
refuses is isolated and counted too, so one bad item never stops a source or a run.
A record stored before whose title or text changed (an edited post) is rewritten in place
(:func:`storage.edits.update_changed`) and counted as ``updated``, never duplicated.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from brandpulse.config import Config
from domain.records import InvalidRecord, Mention, SkipReason, check_mention
from domain.terms import BrandMatcher, BrandTerms
from domain.text import model_text
from sentiment.language import detect_language
from storage import Repository
from storage.edits import update_changed

logger = logging.getLogger(__name__)

#: Problems quoted per source and run (the rest are only counted).
MAX_QUOTED_PROBLEMS = 3


@dataclass
class IntakeReport:
    """What the intake did with one source's records in one run.

    Attributes:
        seen: records handed in.
        stored: records stored for the first time.
        skipped: records not stored, by :class:`SkipReason` (duplicates included).
        problems: the first few reasons a record was invalid (for the log and health).
        error: why the whole save failed (the database refused it), else None.
    """

    seen: int = 0
    stored: int = 0
    #: Stored records whose content changed at the source (edits), rewritten in place.
    updated: int = 0
    skipped: Counter[SkipReason] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def accepted(self) -> int:
        """Records about a tracked brand that passed the checks (new or not)."""
        return self.seen - sum(
            n for reason, n in self.skipped.items() if reason is not SkipReason.DUPLICATE
        )

    def skip(self, reason: SkipReason, problem: str | None = None, *, count: int = 1) -> None:
        """Count ``count`` records skipped for ``reason``, quoting ``problem`` if room."""
        if count:
            self.skipped[reason] += count
        if problem and len(self.problems) < MAX_QUOTED_PROBLEMS:
            self.problems.append(problem)


class Intake:
    """Checks, brands and stores records; build once per cycle (:meth:`for_config`)."""

    def __init__(self, repo: Repository, brands: Sequence[BrandTerms]) -> None:
        self.repo = repo
        self._matcher = BrandMatcher(brands)
        self._needs_language = any(b.languages for b in brands)

    @classmethod
    def for_config(cls, config: Config, repo: Repository) -> Intake:
        """The intake for the config's brands, storing into ``repo``."""
        return cls(repo, [b.terms_record() for b in config.brands])

    def brands_of(self, mention: Mention) -> tuple[str, ...]:
        """The tracked brands whose terms the record's title or text names."""
        language = mention.language
        if language is None and self._needs_language:
            language = detect_language(model_text(mention.title, mention.text)).code
        return self._matcher.match(mention.title, mention.text, language=language)

    def admit(
        self,
        source: str,
        records: Sequence[Mention],
        *,
        fixed_brand: str | None = None,
        keep_unbranded: bool = False,
        cursor: dict[str, Any] | None = None,
        item_count: int | None = None,
    ) -> IntakeReport:
        """Check, brand and store ``records`` of ``source``; advance its cursor.

        Args:
            source: the source's configured name (every record is stored under it).
            records: what the listener or crawl produced this run.
            fixed_brand: the brand every record belongs to (a review page's brand);
                None matches each record against the brands' terms.
            keep_unbranded: store records that name no brand (reviews of a page crawled
                without a brand) instead of skipping them as ``off_brand``.
            cursor: the source's new cursor, stored with the records (None keeps it).
            item_count: raw items the source returned, for health (default: records).

        Returns:
            An :class:`IntakeReport`. Never raises for bad records; a database failure
            is in ``error`` (and the source's health), with the cursor not advanced.
        """
        report = IntakeReport(seen=len(records))
        accepted: list[Mention] = []
        for record in records:
            try:
                checked = check_mention(dataclasses.replace(record, source=source))
            except InvalidRecord as exc:
                report.skip(exc.reason, str(exc))
                continue
            brands = (fixed_brand,) if fixed_brand else checked.brands or self.brands_of(checked)
            if not brands and not keep_unbranded:
                report.skip(SkipReason.OFF_BRAND)
                continue
            accepted.append(dataclasses.replace(checked, brands=brands))
        count = len(records) if item_count is None else item_count
        try:
            result = self.repo.save_mentions(source, accepted, cursor=cursor, item_count=count)
        except Exception as exc:  # one bad row must not cost the batch
            logger.warning(
                "%s: batch refused by the database (%s); saving one by one",
                source,
                exc.__class__.__name__,
            )
            return self._admit_one_by_one(source, accepted, report, cursor=cursor, count=count)
        report.stored = result.inserted
        report.updated = update_changed(self.repo.engine, source, accepted)
        report.skip(SkipReason.DUPLICATE, count=result.duplicates - report.updated)
        self._log(source, report)
        return report

    def _admit_one_by_one(
        self,
        source: str,
        accepted: Sequence[Mention],
        report: IntakeReport,
        *,
        cursor: dict[str, Any] | None,
        count: int,
    ) -> IntakeReport:
        refused: list[str] = []
        for mention in accepted:
            try:
                result = self.repo.save_mentions(source, [mention], item_count=count)
            except Exception as exc:
                refused.append(
                    f"{source}: item {mention.external_id!r} refused by the database "
                    f"({exc.__class__.__name__})"
                )
                continue
            report.stored += result.inserted
            report.skip(SkipReason.DUPLICATE, count=result.duplicates)
        try:
            self.repo.save_mentions(source, [], cursor=cursor, item_count=count)
        except Exception as exc:
            # The database itself is failing, not one record: keep the cursor where it
            # was, so the next run fetches the unsaved records again.
            report.error = f"{source}: cannot store this run's mentions ({exc.__class__.__name__})"
            logger.error("%s", report.error)
        else:
            for problem in refused:
                report.skip(SkipReason.INVALID, problem)
        self._log(source, report)
        return report

    @staticmethod
    def _log(source: str, report: IntakeReport) -> None:
        skipped = ", ".join(f"{n} {reason}" for reason, n in sorted(report.skipped.items()))
        logger.info(
            "%s: %d records, %d new%s", source, report.seen, report.stored,
            f", skipped {skipped}" if skipped else "",
        )  # fmt: skip
        for problem in report.problems:
            logger.warning("%s", problem)
