"""Build listeners from config and run one source: fetch, then the one intake path."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from brandpulse.config import Config, SourceConfig
from brandpulse.intake import Intake, IntakeReport
from listeners import (
    Backoff,
    BrandQuery,
    HttpClient,
    ListenerError,
    SourceDisabled,
    listener_class,
)
from listeners.http import DEFAULT_USER_AGENT
from storage import Repository
from storage.run_counts import record_run_counts, skip_counts

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourceRun:
    """What one source did in a cycle.

    Attributes:
        fetched: records the source produced; matched: those about a tracked brand that
        passed the checks; inserted: new ones stored; skipped: records not stored, by
        reason (``deleted``, ``invalid``, ``off_brand``, ``duplicate``).
    """

    name: str
    ok: bool
    fetched: int = 0
    matched: int = 0
    inserted: int = 0
    error: str | None = None
    disabled: bool = False
    skipped: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_intake(cls, name: str, report: IntakeReport, *, error: str | None = None) -> SourceRun:
        """The run of a source whose records went through the intake."""
        error = error or report.error
        return cls(
            name,
            ok=error is None,
            fetched=report.seen,
            matched=report.accepted,
            inserted=report.stored,
            error=error,
            skipped={str(k): v for k, v in report.skipped.items()},
        )


def make_http(config: Config) -> HttpClient:
    """The shared HTTP client configured from ``[http]``."""
    return HttpClient(
        user_agent=config.http.user_agent or DEFAULT_USER_AGENT,
        timeout_s=config.http.timeout_seconds,
        backoff=Backoff(attempts=config.http.retries, base_s=config.http.backoff_seconds),
        max_body_bytes=config.http.max_body_bytes,
    )


def brand_queries(config: Config) -> list[BrandQuery]:
    return [BrandQuery(b.name, tuple(b.terms or [b.name])) for b in config.brands]


def register_sources(config: Config, repo: Repository) -> None:
    """Make every configured source known to the database (kept idempotent)."""
    for source in config.sources:
        repo.sync_source(
            source.name,
            source.type,
            expected_interval_s=source.interval_minutes * 60,
            # enabled in the config: keep what the last run found (e.g. no credentials)
            enabled=None if source.enabled else False,
            disabled_reason=None if source.enabled else "enabled = false in the config",
        )


def run_source(
    source: SourceConfig,
    *,
    config: Config,
    repo: Repository,
    http: HttpClient,
    intake: Intake,
) -> SourceRun:
    """Fetch one source and hand its records to the intake. Never raises for a source
    failure: the failure is recorded as the source's health and returned."""
    if not source.enabled:
        return SourceRun(source.name, ok=True, disabled=True)
    try:
        cls: Any = listener_class(source.type)
        listener = cls(
            config.source_settings(source),
            name=source.name,
            http=http,
            queries=brand_queries(config),
        )
        batch = listener.fetch(repo.get_cursor(source.name))
    except SourceDisabled as exc:
        logger.warning("%s", exc)
        repo.sync_source(
            source.name,
            source.type,
            expected_interval_s=source.interval_minutes * 60,
            enabled=False,
            disabled_reason=str(exc),
        )
        return SourceRun(source.name, ok=True, disabled=True, error=str(exc))
    except ListenerError as exc:
        logger.error("%s", exc)
        return _failed(repo, source.name, str(exc))
    except Exception as exc:  # a bug in one listener must not stop the others
        logger.exception("source %r crashed", source.name)
        return _failed(
            repo, source.name, f"source {source.name!r}: internal error {exc.__class__.__name__}"
        )
    repo.sync_source(source.name, source.type, expected_interval_s=source.interval_minutes * 60)
    report = intake.admit(
        source.name,
        batch.mentions,
        fixed_brand=source.brand,
        cursor=batch.cursor,
        item_count=batch.item_count,
    )
    if report.error:
        return _failed(repo, source.name, report.error)
    record_run_counts(
        repo.engine,
        source.name,
        seen=batch.item_count if batch.item_count is not None else report.seen,
        stored=report.stored + report.updated,
        skipped=skip_counts(report.skipped, batch.skipped),
    )
    return SourceRun.from_intake(source.name, report)


def _failed(repo: Repository, name: str, error: str) -> SourceRun:
    """Record a failed run in the source's health (if the database lets us) and return it."""
    try:
        repo.record_failure(name, error)
    except Exception:
        logger.exception("cannot record the failure of source %r", name)
    return SourceRun(name, ok=False, error=error)
