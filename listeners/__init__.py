"""Listeners: API and feed clients that turn a source into :class:`storage.Mention` s.

Adding a source is one module with a listener class (see :mod:`listeners.base`) plus
one line in :data:`domain.kinds.SOURCE_KINDS`; users then name its ``type`` in the config.
"""

from __future__ import annotations

import importlib

from domain.kinds import kinds_of
from listeners.base import (
    Backoff,
    BaseListener,
    Batch,
    BoundedSeenSet,
    BrandQuery,
    Listener,
    ListenerSettings,
)
from listeners.errors import (
    AccessDenied,
    ListenerError,
    MalformedResponse,
    NotFound,
    RateLimited,
    SourceDisabled,
    SourceUnavailable,
    UpstreamError,
)
from listeners.http import HttpClient

#: config ``type`` → "module:Class", derived from :data:`domain.kinds.SOURCE_KINDS` (the one
#: registry of source types). Imported lazily so unused sources cost nothing.
LISTENER_TYPES: dict[str, str] = {
    name: kind.implementation for name, kind in kinds_of("listener").items()
}


def listener_class(kind: str) -> type:
    """The listener class for a config ``type``, looked up in :data:`domain.kinds.SOURCE_KINDS`
    at call time; KeyError names the known types."""
    listeners = kinds_of("listener")
    try:
        target = listeners[kind].implementation
    except KeyError:
        known = ", ".join(sorted(listeners))
        raise KeyError(f"unknown source type {kind!r}; known types: {known}") from None
    module_name, _, class_name = target.partition(":")
    cls: type = getattr(importlib.import_module(module_name), class_name)
    return cls


__all__ = [
    "LISTENER_TYPES",
    "AccessDenied",
    "Backoff",
    "BaseListener",
    "Batch",
    "BoundedSeenSet",
    "BrandQuery",
    "HttpClient",
    "Listener",
    "ListenerError",
    "ListenerSettings",
    "MalformedResponse",
    "NotFound",
    "RateLimited",
    "SourceDisabled",
    "SourceUnavailable",
    "UpstreamError",
    "listener_class",
]
