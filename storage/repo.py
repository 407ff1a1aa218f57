"""The one data-access object of the product, composed of per-concern stores.

Every SQL statement lives in a store module by concern; :class:`Repository` inherits them
all, so callers hold one object with every query:

* :mod:`storage.mentions` — save (deduplicated upserts), read, story ids;
* :mod:`storage.analyses` — pending analysis, model results, topics, human corrections;
* :mod:`storage.alerts` — alert candidates, alerts, the delivery ledger;
* :mod:`storage.sources` — source registration, cursors, run health;
* :mod:`storage.reports` — aggregates (per-brand counts);
* :mod:`storage.base` — the engine, dialect-aware upserts, brands;
* :mod:`storage.labels` — the effective-label rule as SQL.

Short transactions; upserts via ON CONFLICT (PostgreSQL and SQLite).
"""

from __future__ import annotations

import storage.cycle_state  # noqa: F401  (its tables join the metadata checked against migrations)
from storage.alerts import AlertStore
from storage.analyses import AnalysisStore
from storage.base import MAX_ERROR_CHARS
from storage.records import AnalysisInput, PendingText
from storage.reports import ReportStore
from storage.sources import SourceStore

__all__ = ["MAX_ERROR_CHARS", "AnalysisInput", "PendingText", "Repository"]


class Repository(AlertStore, AnalysisStore, SourceStore, ReportStore):
    """Data access for one database. Thread-safe as long as the engine is.

    ``Repository(engine)``; ``repo.engine`` is public for queries kept in other modules.
    The mention queries come with :class:`~storage.alerts.AlertStore` (alerts read
    mentions).
    """
