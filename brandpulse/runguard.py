"""What guards a run: the run lock in the database, and the exit code of a cycle.

Exit codes of ``brandpulse run --once`` (documented in the README's Commands table):

====  =====================================================================
0     every enabled source and every delivery succeeded
1     database error, or another run holds the lock
2     bad configuration or usage
3     some sources or deliveries failed; the rest completed (digest written)
4     every enabled source failed, or every delivery failed (digest written)
====  =====================================================================
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from brandpulse.config import Config
from domain.errors import StorageError
from storage import make_engine
from storage.runlock import LockHeld, run_lock

if TYPE_CHECKING:
    from brandpulse.pipeline import CycleReport

EXIT_OK = 0
EXIT_PARTIAL = 3
EXIT_ALL_FAILED = 4


class AnotherRunHoldsTheLock(StorageError):
    """Another BrandPulse process holds the run lock of this database."""


@contextlib.contextmanager
def exclusive_run(config: Config) -> Iterator[None]:
    """Hold the database's run lock for the block, taken before any migration.

    Raises:
        AnotherRunHoldsTheLock: at once, naming the holder, when another run has it.
        storage.DatabaseError: the database cannot be reached.
    """
    with contextlib.ExitStack() as stack:
        engine = make_engine(config.database.url)
        stack.callback(engine.dispose)
        try:
            stack.enter_context(run_lock(engine))
        except LockHeld as exc:
            raise AnotherRunHoldsTheLock(
                f"{exc}; wait for it to finish (or stop the daemon) and try again"
            ) from None
        yield


def cycle_exit_code(report: CycleReport) -> int:
    """0 all good, 3 some sources or deliveries failed, 4 all sources or all deliveries
    failed (see the module docstring)."""
    active = [s for s in report.sources if not s.disabled]
    failed_sources = [s for s in active if not s.ok]
    failed_deliveries = [d for d in report.deliveries if not d.ok]
    if (active and len(failed_sources) == len(active)) or (
        report.deliveries and len(failed_deliveries) == len(report.deliveries)
    ):
        return EXIT_ALL_FAILED
    if failed_sources or failed_deliveries:
        return EXIT_PARTIAL
    return EXIT_OK
