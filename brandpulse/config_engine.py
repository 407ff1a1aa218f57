"""The ``[engine]`` section: one process (the default) or a Celery cluster (issue 18).

Imported (and re-exported) by :mod:`brandpulse.config`. The same config file runs either
way: ``kind = "single"`` keeps ``brandpulse run`` as it always was; ``kind = "celery"``
makes ``brandpulse worker`` and ``brandpulse scheduler`` spread the work over nodes that
share one PostgreSQL database and one broker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.redact import USERINFO_HINT, mask_userinfo, userinfo_needs_encoding

if TYPE_CHECKING:
    from brandpulse.config import Config

BROKER_SCHEMES = ("redis", "rediss", "amqp", "amqps", "pyamqp")
#: The section's description in the configuration reference.
ENGINE = "One process (default) or Celery workers over PostgreSQL and a broker."


class EngineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    kind: Literal["single", "celery"] = Field(
        default="single",
        description="single (one process: `brandpulse run`) or celery (`brandpulse worker` "
        "on each node, `brandpulse scheduler` on two or more for fail-over; needs "
        "PostgreSQL and `broker_url`; install the `distributed` extra).",
    )
    broker_url: str | None = Field(
        default=None,
        description="Celery broker: redis://host:6379/0 or amqp://user:password@host:5672//. "
        "Put the password in ${ENV}; it is never printed. Needed for kind = celery.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis for the per-domain crawl rate limit shared by all nodes; default: "
        "`broker_url` when that is Redis. Without any Redis, crawl starts are not limited "
        "across nodes (each crawl keeps its own `download_delay`).",
    )
    queue: str = Field(
        default="brandpulse",
        min_length=1,
        max_length=200,
        description="Queue name; give each cluster on one broker its own.",
    )
    claim_lease_seconds: float = Field(
        default=300.0,
        ge=1,
        le=86_400,
        description="Seconds a worker holds the mentions it is analysing; a dead worker's "
        "mentions are analysed by another after this.",
    )
    visibility_timeout_seconds: float = Field(
        default=3600.0,
        ge=1,
        le=7 * 86_400,
        description="Redis broker only: seconds before a task taken by a worker that never "
        "acknowledged it (killed) is handed to another worker. Longer than any task.",
    )
    max_retries: int = Field(
        default=5,
        ge=0,
        le=100,
        description="Tries after the first of a failing task (a database or source error); "
        "then it is a dead letter, shown in `brandpulse status` and source health.",
    )
    retry_backoff_seconds: float = Field(
        default=5.0,
        ge=0,
        le=3600,
        description="Seconds before the first retry; doubled at each try (with jitter).",
    )
    retry_backoff_max_seconds: float = Field(
        default=600.0,
        ge=0,
        le=86_400,
        description="Longest wait between two retries, seconds.",
    )
    analyse_every_seconds: float = Field(
        default=10.0,
        ge=0.1,
        le=3600,
        description="Seconds between the scheduler's checks for mentions left to analyse "
        "(collect tasks also queue analysis at once).",
    )
    leader_check_seconds: float = Field(
        default=5.0,
        ge=0.1,
        le=60,
        description="Seconds between a standby scheduler's tries of the leader lock (and the "
        "leader's checks that it still holds it).",
    )
    crawl_domain_interval_seconds: float = Field(
        default=10.0,
        ge=0,
        le=86_400,
        description="Seconds between two crawl starts on one web domain across every node "
        "(Redis token bucket); each crawl then keeps its own `download_delay`.",
    )

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        scheme = urlsplit(value.strip()).scheme.lower()
        if scheme not in ("redis", "rediss", "unix"):
            # The message names the scheme only: the URL may hold a password.
            raise ValueError(f"scheme {scheme!r} is not Redis; use a redis:// or rediss:// URL")
        return _encoded_userinfo(value.strip())

    @field_validator("broker_url")
    @classmethod
    def _broker_scheme(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        scheme = urlsplit(value.strip()).scheme.lower()
        if scheme not in BROKER_SCHEMES:
            # The message names the scheme only: the URL may hold a password.
            raise ValueError(
                f"scheme {scheme!r} is not a supported broker; use redis:// or amqp://"
            )
        return _encoded_userinfo(value.strip())

    def rate_limit_url(self) -> str | None:
        """Where the shared crawl rate limit lives (None: no shared limit)."""
        if self.redis_url:
            return self.redis_url
        if self.broker_url and urlsplit(self.broker_url).scheme.lower() in ("redis", "rediss"):
            return self.broker_url
        return None


def _encoded_userinfo(url: str) -> str:
    """``url``, or ValueError (naming no part of it) when its password holds a raw ``@``,
    ``/``, ``?`` or ``#``: every URL parser would take part of the password for the host."""
    if userinfo_needs_encoding(url):
        raise ValueError(USERINFO_HINT)
    return url


def shown_url(url: str | None) -> str:
    """``url`` with its password replaced by ``***`` (for status output and logs): the
    userinfo up to the last ``@`` before the host (:func:`domain.redact.mask_userinfo`)."""
    if not url:
        return "(none)"
    return mask_userinfo(url)


def check_engine(config: Config) -> None:
    """Cross-section checks of ``[engine]`` (ValueError naming the key)."""
    engine = config.engine
    if engine.kind != "celery":
        return
    if not engine.broker_url:
        raise ValueError('engine.broker_url is required when engine.kind = "celery"')
    from sqlalchemy.engine import make_url

    longest = max(engine.retry_backoff_max_seconds, engine.crawl_domain_interval_seconds)
    redis_broker = urlsplit(engine.broker_url).scheme.lower() in ("redis", "rediss")
    if redis_broker and longest >= engine.visibility_timeout_seconds:
        raise ValueError(
            "engine.visibility_timeout_seconds must be longer than retry_backoff_max_seconds "
            "and crawl_domain_interval_seconds (Redis would redeliver deferred tasks early)"
        )
    if make_url(config.database.url).get_backend_name() != "postgresql":
        raise ValueError(
            'engine.kind = "celery" needs a PostgreSQL database.url shared by every node'
        )
