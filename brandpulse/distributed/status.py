"""What ``brandpulse status`` shows of a cluster: live workers (Celery's ping), queue depth
(the broker's message count), the scheduler leader (who holds the advisory lock),
analysis left and claimed, dead letters."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from brandpulse.config import Config
from brandpulse.config_engine import shown_url

logger = logging.getLogger(__name__)

#: Seconds ``status`` waits for workers to answer a ping.
PING_TIMEOUT_S = 1.5


@dataclass
class ClusterStatus:
    """A snapshot of the cluster (``error`` names what could not be reached)."""

    broker: str
    queue: str
    workers: list[str] = field(default_factory=list)
    queue_depth: int | None = None
    leader: str | None = None
    pending_analysis: int = 0
    open_claims: int = 0
    duplicated: int = 0
    dead_letters: list[tuple[str, str | None, str, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            "engine: celery",
            f"broker: {self.broker}",
            f"queue: {self.queue} ({'?' if self.queue_depth is None else self.queue_depth} "
            "waiting)",
            f"workers: {len(self.workers)}"
            + (f" ({', '.join(self.workers)})" if self.workers else ""),
            f"scheduler leader: {self.leader or 'none'}",
            f"analysis: {self.pending_analysis} pending, {self.open_claims} claimed now, "
            f"{self.duplicated} analysed twice",
            f"dead letters: {len(self.dead_letters)}",
        ]
        for task, subject, error, tries in self.dead_letters:
            out.append(f"  {task} {subject or ''} after {tries} tries: {error}")
        out += [f"error: {e}" for e in self.errors]
        return out


def queue_depth(config: Config) -> int:
    """Messages waiting in the cluster's queue (0 when the queue does not exist yet)."""
    from brandpulse.distributed.app import client

    app = client(config)
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        try:
            return int(channel.queue_declare(queue=config.engine.queue, passive=True).message_count)
        except Exception as exc:  # the queue was never declared: nothing waits
            logger.debug("queue %s: %s", config.engine.queue, exc.__class__.__name__)
            return 0


def ping_workers(config: Config, *, timeout_s: float = PING_TIMEOUT_S) -> list[str]:
    """Names of the workers that answered a ping within ``timeout_s``."""
    from brandpulse.distributed.app import client

    app = client(config)
    replies = app.control.ping(timeout=timeout_s) or []
    return sorted(name for reply in replies for name in reply)


def cluster_status(config: Config) -> ClusterStatus:
    """Collect a :class:`ClusterStatus`; every part that fails is named in ``errors``."""
    from domain.redact import redact
    from storage import make_engine
    from storage.cluster import claim_counts, count_pending
    from storage.cluster import dead_letters as read_dead_letters
    from storage.cluster_locks import LEADER_LOCK_KEY, advisory_holder

    status = ClusterStatus(broker=shown_url(config.engine.broker_url), queue=config.engine.queue)
    try:
        status.queue_depth = queue_depth(config)
        status.workers = ping_workers(config)
    except Exception as exc:
        status.errors.append(f"broker unreachable ({redact(exc.__class__.__name__)})")
    engine = make_engine(config.database.url)
    try:
        holder = advisory_holder(engine, LEADER_LOCK_KEY)
        if holder is not None:
            status.leader = holder[1] or f"server backend {holder[0]}"
        status.pending_analysis = count_pending(engine)
        counts = claim_counts(engine)
        status.open_claims, status.duplicated = counts.open, counts.duplicated
        status.dead_letters = read_dead_letters(engine, limit=10)
    except Exception as exc:
        status.errors.append(f"database: {redact(str(exc)).splitlines()[0]}")
    finally:
        engine.dispose()
    return status
