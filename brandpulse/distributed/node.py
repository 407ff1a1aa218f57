"""What one worker (or scheduler) process holds: the config, one engine per process
(created after a fork, never shared with the parent), the repository and the analyzer.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brandpulse.config import Config
    from brandpulse.pipeline import Pipeline
    from sentiment import Analyzer

logger = logging.getLogger(__name__)


class Node:
    """Lazily built per-process state; :meth:`current` is the process's one instance."""

    _lock = threading.Lock()
    _instance: Node | None = None
    _config: Config | None = None

    def __init__(self, config: Config) -> None:
        from storage import Repository, make_engine
        from storage.cluster import ClaimFloor

        self.config = config
        self.pid = os.getpid()
        self.engine = make_engine(config.database.url)
        self.repo = Repository(self.engine)
        self._analyzer: Analyzer | None = None
        self._pipeline: Pipeline | None = None
        self._rate_limit: Any | None = None
        #: Where this process starts looking for pending mentions.
        self.claim_floor = ClaimFloor()

    @classmethod
    def set_config(cls, config: Config) -> None:
        """The config every later :meth:`current` uses (set before the worker forks)."""
        with cls._lock:
            cls._config = config
            cls._instance = None

    @classmethod
    def current(cls) -> Node:
        """This process's node (a forked child builds its own engine)."""
        with cls._lock:
            if cls._instance is None or cls._instance.pid != os.getpid():
                config = cls._config or _config_from_env()
                cls._config = config
                cls._instance = Node(config)
            return cls._instance

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            from brandpulse.analysis import make_analyzer

            self._analyzer = make_analyzer(self.config.analysis)
        return self._analyzer

    @property
    def pipeline(self) -> Pipeline:
        """A pipeline on this node's repository (no migration: the scheduler and the
        worker's start migrate once under the advisory lock)."""
        if self._pipeline is None:
            from brandpulse.pipeline import Pipeline

            self._pipeline = Pipeline(self.config, repo=self.repo)
        return self._pipeline

    @property
    def rate_limit(self) -> Any | None:
        """The shared per-domain crawl limit (None without Redis)."""
        url = self.config.engine.rate_limit_url()
        if url is None:
            return None
        if self._rate_limit is None:
            from brandpulse.distributed.ratelimit import DomainRateLimit

            self._rate_limit = DomainRateLimit(
                url,
                interval_s=self.config.engine.crawl_domain_interval_seconds,
                prefix=f"brandpulse:rate:{self.config.engine.queue}:",
            )
        return self._rate_limit


def _config_from_env() -> Config:
    from pathlib import Path

    from brandpulse.cli_common import load
    from brandpulse.distributed.app import CONFIG_ENV

    path = os.environ.get(CONFIG_ENV)
    return load(Path(path) if path else None)


def prepare_database(config: Config) -> None:
    """Migrate the shared database and register the config's brands and sources, one
    node at a time (PostgreSQL advisory lock): safe when N nodes start together."""
    from brandpulse.crawls import register_crawls
    from brandpulse.sources import register_sources
    from storage import Repository, make_engine
    from storage.cluster_locks import migration_lock, require_postgresql
    from storage.db import init_db

    engine = make_engine(config.database.url)
    try:
        require_postgresql(engine)
        with migration_lock(engine):
            init_db(engine)
            repo = Repository(engine)
            repo.sync_brands((b.name, b.own) for b in config.brands)
            register_sources(config, repo)
            register_crawls(config, repo)
    finally:
        engine.dispose()
