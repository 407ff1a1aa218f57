"""Config sections for operating BrandPulse unattended: ``[metrics]`` and ``[retention]``,
and the upper bounds of numeric keys. Imported (and re-exported) by
:mod:`brandpulse.config`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

#: Upper bounds of numeric keys: beyond these a value is a typo, and would overflow dates
#: (``now - 2 * period`` must still be a valid date).
MAX_DAYS = 200_000  # about 550 years
MAX_AGE_HOURS = 24 * MAX_DAYS
MAX_INTERVAL_MINUTES = 525_600  # a year
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class MetricsConfig(_Section):
    listen: str | None = Field(
        default=None,
        description='"host:port" where the daemon serves Prometheus metrics (/metrics), '
        'e.g. "127.0.0.1:9464"; unset: no metrics server.',
    )

    @field_validator("listen")
    @classmethod
    def _host_port(cls, value: str | None) -> str | None:
        from brandpulse.config_checks import check_listen

        return None if value is None else check_listen(value)


class RetentionConfig(_Section):
    mentions_days: int | None = Field(
        default=None,
        ge=30,
        le=MAX_DAYS,
        description="Delete mentions collected more than this many days ago (at least 30), "
        "with their analyses, alerts and delivery records; unset keeps them forever.",
    )
    archives_days: int = Field(
        default=90,
        ge=1,
        le=MAX_DAYS,
        description="Days: delete archived competitor summaries "
        "(<digest.output_dir>/archive/competitors-*) older than this.",
    )
    digests_days: int = Field(
        default=90,
        ge=1,
        le=MAX_DAYS,
        description="Days: delete archived alert digests (<digest.output_dir>/archive/digest-*) "
        "older than this.",
    )
