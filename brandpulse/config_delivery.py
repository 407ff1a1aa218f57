"""Settings of alert routes and of the delivery outbox (``[[alerts.routes]]``,
``[delivery]``), kept apart from :mod:`brandpulse.config` so it stays short."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from domain.languages import language_code


class _Model(BaseModel):
    # No inf/nan anywhere: ``[alerts]`` inherits this too (sla_hours = inf overflowed).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


ROUTES_NOTE = (
    "[[alerts.routes]] tables: urgent alerts sent at once, one message per alert, to apprise "
    "URLs; the route's other matching alerts wait for the digest, which its URLs also "
    "receive. A URL in several routes (or in digest.recipients) still gets each alert once."
)
NOTE = "How the delivery outbox sends: timeouts, claim leases, retry backoff."


QUIET_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def check_timezone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as 'Europe/Sofia' or 'UTC'"
        ) from None
    return name


class RouteConfig(_Model):
    """An alert route: urgent alerts sent at once, one message per alert, to apprise URLs."""

    name: str = Field(min_length=1, description="Unique route name, shown in `deliveries`.")
    urls: list[str] = Field(
        default_factory=list,
        description="apprise URLs (mailto://, slack://, json://, ...); secrets via ${ENV}. "
        "Blank entries (an unset ${VAR:-}) are ignored.",
    )
    brands: list[str] = Field(
        default_factory=list, description="Only alerts for these brands; empty: every alert brand."
    )
    min_urgency: float = Field(
        default=0.0,
        ge=0,
        le=100,
        description="Alerts at or above this urgency (0-100) are sent at once; the route's "
        "other matching alerts wait for the digest.",
    )
    languages: list[Annotated[str, AfterValidator(language_code)]] = Field(
        default_factory=list, description="Only mentions in these ISO 639-1 languages; empty: all."
    )
    source_kinds: list[str] = Field(
        default_factory=list,
        description="Only these source types (feed, reddit, mastodon, hackernews, appstore, "
        "googleplay, crawl:...) or kinds of text (post, review, article); empty: all.",
    )
    debounce_minutes: float = Field(
        default=0.0,
        ge=0,
        le=10080,
        description="After an immediate message about a brand, further alerts for that brand "
        "within this many minutes go to the digest instead (0: off).",
    )
    max_per_hour: int | None = Field(
        default=None,
        ge=1,
        le=10000,
        description="At most this many immediate messages per URL in any 60 minutes; the "
        "rest wait for the digest (empty: no limit).",
    )
    quiet_hours: str | None = Field(
        default=None,
        description='"HH:MM-HH:MM" in `timezone` (may span midnight, "22:00-07:00"): '
        "immediate messages wait until it ends.",
    )
    timezone: str = Field(default="UTC", description="IANA time zone of `quiet_hours`.")
    escalation: bool = Field(
        default=False,
        description="Escalation route: receives overdue alerts (past their reply time) "
        "once, instead of new alerts.",
    )

    @field_validator("urls")
    @classmethod
    def _drop_blank(cls, urls: list[str]) -> list[str]:
        from brandpulse.config_checks import check_apprise_urls

        return check_apprise_urls(urls)  # blank entries dropped, unparseable ones refused

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not QUIET_HOURS.match(value):
            raise ValueError('quiet_hours must look like "22:00-07:00" (24-hour HH:MM-HH:MM)')
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)


class DeliveryConfig(_Model):
    """How the outbox sends: timeouts, leases and retry backoff (seconds unless named)."""

    connect_timeout_seconds: float = Field(
        default=5.0, gt=0, le=300, description="Seconds to connect to a receiver."
    )
    timeout_seconds: float = Field(
        default=30.0,
        gt=0,
        le=600,
        description="Seconds to wait for a receiver's answer after sending; past it the "
        "outcome is 'unknown' (retried with the same idempotency key), not 'failed'.",
    )
    lease_minutes: float = Field(
        default=10.0,
        gt=0,
        le=1440,
        description="A claimed delivery not confirmed within this many minutes (its sender "
        "died) is sent again; on the same host a dead sender's claims are freed at once.",
    )
    retry_initial_seconds: float = Field(
        default=60.0, ge=0, le=86400, description="Backoff after the second failure (doubling)."
    )
    retry_max_seconds: float = Field(
        default=3600.0, ge=0, le=86400, description="Longest wait between two retries."
    )
    tick_seconds: int = Field(
        default=60,
        ge=5,
        le=3600,
        description="How often the daemon sends due deliveries and retries failed ones.",
    )


class DigestDeliveryKeys(_Model):
    """The digest's delivery keys (``[digest]`` inherits them): its time zone and heartbeat."""

    timezone: str = Field(
        default="UTC",
        description="IANA time zone of `schedule` (the weekly competitor report has its own "
        "in `[report]`).",
    )
    heartbeat: bool = Field(
        default=True,
        description="On a scheduled digest with nothing new, send each recipient one line: "
        '"No new negative mentions since ...; N of M sources healthy".',
    )

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)


def check_routes(routes: Sequence[RouteConfig], known_brands: set[str]) -> None:
    """Route names unique, route brands among the configured brands.

    Raises:
        ValueError: naming the route and the key.
    """
    names = [r.name for r in routes]
    for route in routes:
        if names.count(route.name) > 1:
            raise ValueError(f"alerts.routes names must be unique, repeated: {route.name!r}")
        for brand in route.brands:
            if brand not in known_brands:
                raise ValueError(
                    f"alerts.routes ({route.name!r}).brands names unknown brand {brand!r}"
                )


class AlertRoutes(_Model):
    """``[alerts]`` inherits its ``routes`` key from here (listed first in its table)."""

    routes: list[RouteConfig] = Field(default_factory=list, description=ROUTES_NOTE)


class DeliverySection(_Model):
    """``Config`` inherits its ``[delivery]`` section and the route checks from here."""

    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig, description=NOTE)

    @model_validator(mode="after")
    def _routes_known(self) -> Any:
        alerts = getattr(self, "alerts", None)
        brands = getattr(self, "brands", [])
        if alerts is not None:
            check_routes(alerts.routes, {b.name for b in brands})
        return self
