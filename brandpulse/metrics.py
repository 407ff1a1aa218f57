"""Prometheus metrics of the daemon (``[metrics] listen = "127.0.0.1:9464"``).

Counters and gauges, all prefixed ``brandpulse_``:

* ``brandpulse_mentions_collected_total{source}`` new mentions stored per source;
* ``brandpulse_source_runs_total{source,result}`` polls per source, ``ok``/``failed``;
* ``brandpulse_source_failures_total{source}`` failed polls per source;
* ``brandpulse_analysis_seconds`` time to analyze one batch of pending mentions;
* ``brandpulse_alerts_raised_total`` alerts created;
* ``brandpulse_deliveries_sent_total`` / ``brandpulse_deliveries_failed_total`` sends
  by this process;
* read from the database at each scrape: ``brandpulse_deliveries{status}`` (records per
  status, ``undelivered`` = alerts not yet sent anywhere), ``brandpulse_mentions_stored
  {source}``, ``brandpulse_source_last_success_timestamp_seconds{source}`` and
  ``brandpulse_source_consecutive_failures{source}``.

Cron runs are short-lived: scrape the daemon, or use a Pushgateway for cron mode.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from storage import Repository
from storage.housekeeping import delivery_counts, mention_counts

logger = logging.getLogger(__name__)


class _DatabaseCollector(Collector):
    """Gauges read from the database at scrape time (survive restarts, shared by runs)."""

    def __init__(self, repo: Repository) -> None:
        self._repo = repo

    def collect(self) -> Iterator[Any]:
        try:
            deliveries = delivery_counts(self._repo.engine)
            stored = mention_counts(self._repo.engine)
            health = self._repo.source_health()
        except Exception:  # a scrape must not crash the daemon
            logger.warning("metrics: cannot read the database", exc_info=True)
            return
        family = GaugeMetricFamily(
            "brandpulse_deliveries", "Delivery records per status", labels=["status"]
        )
        for status, n in sorted(deliveries.items()):
            family.add_metric([status], n)
        yield family
        family = GaugeMetricFamily(
            "brandpulse_mentions_stored", "Mentions stored per source", labels=["source"]
        )
        for source, n in sorted(stored.items()):
            family.add_metric([source], n)
        yield family
        last = GaugeMetricFamily(
            "brandpulse_source_last_success_timestamp_seconds",
            "Unix time of each source's last successful poll",
            labels=["source"],
        )
        failing = GaugeMetricFamily(
            "brandpulse_source_consecutive_failures",
            "Failed polls in a row per source",
            labels=["source"],
        )
        for h in health:
            if h.last_success_at is not None:
                last.add_metric([h.name], h.last_success_at.timestamp())
            failing.add_metric([h.name], h.consecutive_failures)
        yield last
        yield failing


class Metrics:
    """The daemon's metrics, in their own registry (so tests can make several)."""

    def __init__(self, repo: Repository | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.collected = Counter(
            "brandpulse_mentions_collected", "New mentions stored", ["source"], registry=r
        )
        self.runs = Counter(
            "brandpulse_source_runs", "Polls per source", ["source", "result"], registry=r
        )
        self.failures = Counter(
            "brandpulse_source_failures", "Failed polls per source", ["source"], registry=r
        )
        self.analysis = Histogram(
            "brandpulse_analysis_seconds",
            "Seconds to analyze the pending mentions of one poll",
            registry=r,
        )
        self.alerts = Counter("brandpulse_alerts_raised", "Alerts created", registry=r)
        self.sent = Counter("brandpulse_deliveries_sent", "Deliveries sent", registry=r)
        self.failed = Counter("brandpulse_deliveries_failed", "Deliveries failed", registry=r)
        if repo is not None:
            r.register(_DatabaseCollector(repo))
        self._server: Any = None

    def record_runs(self, runs: Iterable[Any]) -> None:
        """Count a poll's :class:`brandpulse.sources.SourceRun` results."""
        for run in runs:
            if getattr(run, "disabled", False):
                continue
            name = run.name
            self.runs.labels(name, "ok" if run.ok else "failed").inc()
            if run.ok:
                self.collected.labels(name).inc(getattr(run, "inserted", 0) or 0)
            else:
                self.failures.labels(name).inc()

    def record_deliveries(self, outcomes: Sequence[Any]) -> None:
        for outcome in outcomes:
            (self.sent if outcome.ok else self.failed).inc()

    def serve(self, listen: str) -> None:
        """Serve ``/metrics`` on ``host:port`` in a background thread."""
        from prometheus_client import start_http_server

        host, _, port = listen.rpartition(":")
        self._server = start_http_server(int(port), addr=host.strip("[]"), registry=self.registry)
        logger.info("metrics at http://%s/metrics", listen)

    def close(self) -> None:
        if isinstance(self._server, tuple):
            server, thread = self._server
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        self._server = None
