"""Build listeners from config and run one source: fetch, assign brands, store, record."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from brandpulse.config import Config, SourceConfig
from listeners import (
    Backoff,
    BrandQuery,
    HttpClient,
    ListenerError,
    SourceDisabled,
    listener_class,
)
from listeners.http import DEFAULT_USER_AGENT
from listeners.matching import BrandMatcher
from sentiment.language import detect_language
from storage import Mention, Repository

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SourceRun:
    """What one source did in a cycle."""

    name: str
    ok: bool
    fetched: int = 0
    matched: int = 0
    inserted: int = 0
    error: str | None = None
    disabled: bool = False


def make_http(config: Config) -> HttpClient:
    """The shared HTTP client configured from ``[http]``."""
    return HttpClient(
        user_agent=config.http.user_agent or DEFAULT_USER_AGENT,
        timeout_s=config.http.timeout_seconds,
        backoff=Backoff(attempts=config.http.retries, base_s=config.http.backoff_seconds),
    )


def brand_queries(config: Config) -> list[BrandQuery]:
    return [BrandQuery(b.name, tuple(b.terms or [b.name])) for b in config.brands]


class BrandAssigner:
    """Gives each mention its brands: fixed by the source, or matched by search terms."""

    def __init__(self, config: Config) -> None:
        self._matcher = BrandMatcher([b.terms_record() for b in config.brands])
        self._needs_language = any(b.languages for b in config.brands)

    def assign(self, mentions: Sequence[Mention], fixed_brand: str | None) -> list[Mention]:
        """Mentions with brands set; those matching no brand are dropped."""
        out = []
        for mention in mentions:
            if fixed_brand is not None:
                out.append(dataclasses.replace(mention, brands=(fixed_brand,)))
                continue
            language = mention.language
            if language is None and self._needs_language:
                language = detect_language(f"{mention.title} {mention.text}").code
            brands = self._matcher.match(mention.title, mention.text, language=language)
            if brands:
                out.append(dataclasses.replace(mention, brands=brands))
        return out


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
    assigner: BrandAssigner,
) -> SourceRun:
    """Fetch one source and store what it found. Never raises for a source failure:
    the failure is recorded as the source's health and returned."""
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
        repo.record_failure(source.name, str(exc))
        return SourceRun(source.name, ok=False, error=str(exc))
    except Exception as exc:  # a bug in one listener must not stop the others
        logger.exception("source %r crashed", source.name)
        message = f"source {source.name!r}: internal error {exc.__class__.__name__}: {exc}"
        repo.record_failure(source.name, message)
        return SourceRun(source.name, ok=False, error=message)
    repo.sync_source(source.name, source.type, expected_interval_s=source.interval_minutes * 60)
    matched = assigner.assign(batch.mentions, source.brand)
    result = repo.save_mentions(
        source.name,
        matched,
        cursor=batch.cursor,
        item_count=batch.item_count if batch.item_count is not None else len(batch.mentions),
    )
    logger.info(
        "%s: %d items, %d about tracked brands, %d new",
        source.name,
        len(batch.mentions),
        len(matched),
        result.inserted,
    )
    return SourceRun(
        source.name,
        ok=True,
        fetched=len(batch.mentions),
        matched=len(matched),
        inserted=result.inserted,
    )
