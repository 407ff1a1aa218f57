"""Settings defaults shared by several modules are declared once, in domain/defaults.py:
the config models, listeners, transport, spiders and crawl runner all read the same value."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import brandpulse.classify
import spiders.settings
from brandpulse.config import AnalysisConfig, CrawlConfig, HttpConfig, SourceConfig
from domain import defaults
from listeners import listener_class
from listeners.base import Backoff
from listeners.http import DEFAULT_TIMEOUT_S, DEFAULT_USER_AGENT
from spiders.context import CrawlContext
from spiders.runner import DEFAULT_TIMEOUT_S as CRAWL_RUNNER_TIMEOUT_S

REPO_ROOT = Path(__file__).resolve().parents[1]


def _default(model: type, name: str) -> object:
    return model.model_fields[name].default  # type: ignore[attr-defined]


def test_crawl_defaults_are_one_value_everywhere() -> None:
    context = CrawlContext.from_settings({}, spider_name="reviews")
    assert (
        _default(CrawlConfig, "max_pages")
        == spiders.settings.BRANDPULSE_MAX_PAGES
        == context.max_pages
        == defaults.CRAWL_MAX_PAGES
    )
    assert (
        _default(CrawlConfig, "download_delay")
        == spiders.settings.DOWNLOAD_DELAY
        == defaults.CRAWL_DOWNLOAD_DELAY_S
    )
    assert (
        _default(CrawlConfig, "timeout_seconds")
        == CRAWL_RUNNER_TIMEOUT_S
        == defaults.CRAWL_TIMEOUT_S
    )
    assert _default(CrawlConfig, "interval_minutes") == defaults.CRAWL_INTERVAL_MINUTES
    assert spiders.settings.USER_AGENT == defaults.CRAWL_USER_AGENT


def test_http_and_source_defaults_are_one_value_everywhere() -> None:
    assert _default(HttpConfig, "timeout_seconds") == DEFAULT_TIMEOUT_S == defaults.HTTP_TIMEOUT_S
    assert _default(HttpConfig, "retries") == Backoff().attempts == defaults.HTTP_RETRIES
    assert _default(HttpConfig, "backoff_seconds") == Backoff().base_s == defaults.HTTP_BACKOFF_S
    assert DEFAULT_USER_AGENT == defaults.HTTP_USER_AGENT
    assert _default(SourceConfig, "interval_minutes") == defaults.SOURCE_INTERVAL_MINUTES
    assert _default(AnalysisConfig, "batch_size") == defaults.ANALYSIS_BATCH_SIZE
    batch = inspect.signature(brandpulse.classify.classify_stream).parameters["batch_size"]
    assert batch.default == defaults.ANALYSIS_BATCH_SIZE


@pytest.mark.parametrize("kind", ["reddit", "mastodon", "googleplay"])
def test_paginated_listeners_share_the_page_bound(kind: str) -> None:
    settings = listener_class(kind).Settings  # type: ignore[attr-defined]
    assert _default(settings, "max_pages") == defaults.LISTENER_MAX_PAGES


def test_no_module_repeats_a_shared_default_as_a_literal() -> None:
    """The numbers live in domain/defaults.py; a literal copy elsewhere would drift."""
    patterns = {
        "max_pages literal": re.compile(r"max_pages: int = Field\(\s*default=\d"),
        "crawl page bound": re.compile(r"(BRANDPULSE_MAX_PAGES|DEFAULT_MAX_PAGES) = \d"),
        "crawl timeout": re.compile(r"(else|DEFAULT_TIMEOUT_S =) 3600"),
        "batch size": re.compile(r"batch_size: int = 64\b"),
        "user agent": re.compile(r'= "BrandPulse/'),
    }
    allowed = {"listeners/hackernews.py", "listeners/appstore.py"}  # their own bounds (10)
    offenders = []
    for package in ("brandpulse", "listeners", "spiders", "sentiment", "storage", "digest"):
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            rel = path.relative_to(REPO_ROOT).as_posix()
            source = path.read_text(encoding="utf-8")
            for what, pattern in patterns.items():
                if pattern.search(source) and rel not in allowed:
                    offenders.append(f"{rel}: {what}")
    assert offenders == []


def test_every_constant_states_its_meaning() -> None:
    source = (REPO_ROOT / "domain" / "defaults.py").read_text(encoding="utf-8")
    names = [n for n in vars(defaults) if n.isupper()]
    assert len(names) >= 12
    for name in names:
        assert re.search(rf"#:.*\n(#:.*\n)*{name}: Final", source), f"{name} lacks a #: comment"
