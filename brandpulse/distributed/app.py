"""The Celery app, configured from ``[engine]``.

Every task is acknowledged only after it returned (``task_acks_late``), a task whose
worker process died is handed back to the broker (``task_reject_on_worker_lost``), and a
worker reserves one task at a time (``worker_prefetch_multiplier = 1``) so a killed
worker holds at most one unacknowledged task per pool process. Results are not stored:
tasks write to PostgreSQL, which is the system of record.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from celery import Celery

if TYPE_CHECKING:
    from brandpulse.config import Config

logger = logging.getLogger(__name__)

#: Environment variable through which worker processes find their config file.
CONFIG_ENV = "BRANDPULSE_CONFIG"

app = Celery("brandpulse", include=["brandpulse.distributed.tasks"])


def celery_settings(config: Config) -> dict[str, Any]:
    """Celery settings for ``config``'s ``[engine]`` (see the module docstring)."""
    engine = config.engine
    settings: dict[str, Any] = {
        "broker_url": engine.broker_url,
        "task_default_queue": engine.queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "result_backend": None,
        "task_serializer": "json",
        "accept_content": ["json"],
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "enable_utc": True,
    }
    scheme = urlsplit(engine.broker_url or "").scheme.lower()
    if scheme in ("redis", "rediss"):
        settings["broker_transport_options"] = {
            "visibility_timeout": engine.visibility_timeout_seconds
        }
    return settings


def configure(config: Config) -> Celery:
    """Configure the module's app (the one whose tasks a worker runs) for ``config`` and
    return it: once per process, before the worker starts."""
    app.conf.update(celery_settings(config))
    return app


def client(config: Config) -> Celery:
    """A new app that only sends tasks (by name) and asks workers and the broker (status,
    the scheduler, tests): its connection pool belongs to ``config``'s broker alone."""
    sender = Celery("brandpulse-client", set_as_current=False)
    sender.conf.update(celery_settings(config))
    return sender
