"""``[report]``: the weekly competitor report's schedule, time zone, files and recipients.

Its own module (``brandpulse.config`` re-uses it as ``Config.report``); validated like the
other sections: unknown keys are errors, and the schedule and time zone are checked when
the file is read.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["ReportConfig", "ReportFormat"]

_SIMPLE_SCHEDULE = re.compile(
    r"^\s*(daily|(?:mon|tue|wed|thu|fri|sat|sun)(?:\s*[,-]\s*(?:mon|tue|wed|thu|fri|sat|sun))*)"
    r"\s+([01]?\d|2[0-3]):([0-5]\d)\s*$",
    re.IGNORECASE,
)
ReportFormat = Literal["html", "pdf", "png", "txt", "json"]


def _default_report_formats() -> list[ReportFormat]:
    return ["html", "pdf", "txt", "json"]


class ReportConfig(BaseModel):
    """The weekly competitor report (``brandpulse report competitors`` on a schedule)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(
        default=True, description="The daemon writes and sends the report on `schedule`."
    )
    schedule: str = Field(
        default="mon 08:00",
        description='When the daemon sends it, in `timezone`: "mon 08:00", "mon,thu 07:30", '
        '"daily 09:00", or a five-field cron expression ("0 8 * * mon").',
    )
    timezone: str = Field(
        default="UTC",
        description='IANA time zone of the schedule and the report days, e.g. "Europe/Sofia".',
    )
    period_days: int = Field(
        default=7,
        ge=1,
        le=200_000,  # brandpulse.config_ops.MAX_DAYS: beyond it dates overflow
        description="Days covered: the whole days (in `timezone`) before the day it runs, "
        "so a Monday report covers Monday to Sunday.",
    )
    recipients: list[str] = Field(
        default_factory=list,
        description="apprise URLs. E-mail (mailto://, mailtos://) gets the HTML report with "
        "the charts as inline images (CID attachments: mail clients block data: images) and "
        "the PDF attached; other channels get the text report, with the PDF and charts "
        "attached where the channel takes attachments. Sent through the delivery outbox: once "
        "per period and recipient, a failed send retried with backoff by later runs and "
        "daemon ticks (`brandpulse deliveries` lists them). Separate from "
        "`digest.recipients`; secrets via ${ENV}; `digest.dry_run` holds these back too.",
    )
    formats: list[ReportFormat] = Field(
        default_factory=_default_report_formats,
        description="Files written into `digest.output_dir`: html, pdf, png (one per chart), "
        "txt, json.",
    )
    attach_pdf: bool = Field(
        default=True, description="Attach the PDF to deliveries where the channel allows."
    )
    title: str = Field(
        default="BrandPulse competitor report", description="Title and subject line."
    )

    @field_validator("recipients")
    @classmethod
    def _drop_blank(cls, urls: list[str]) -> list[str]:
        from brandpulse.config_checks import check_apprise_urls

        return check_apprise_urls(urls)  # blank entries dropped, unparseable ones refused

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {zone!r}: use an IANA name such as Europe/Sofia or UTC"
            ) from None
        return zone

    @field_validator("schedule")
    @classmethod
    def _valid_schedule(cls, schedule: str) -> str:
        if _SIMPLE_SCHEDULE.match(schedule):
            return schedule
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(schedule, timezone="UTC")
        except ValueError as exc:
            raise ValueError(
                f'{exc}: write "mon 08:00", "daily 09:00" or a cron expression such as '
                '"0 8 * * mon"'
            ) from None
        return schedule

    def trigger(self) -> Any:
        """The APScheduler 3 CronTrigger of ``schedule`` in ``timezone``."""
        from apscheduler.triggers.cron import CronTrigger

        match = _SIMPLE_SCHEDULE.match(self.schedule)
        if match is None:
            return CronTrigger.from_crontab(self.schedule, timezone=self.timezone)
        days, hour, minute = match.group(1).lower(), int(match.group(2)), int(match.group(3))
        return CronTrigger(
            day_of_week="*" if days == "daily" else re.sub(r"\s+", "", days),
            hour=hour,
            minute=minute,
            timezone=self.timezone,
        )
