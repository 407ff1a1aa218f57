"""The listener contract: configuration in, mentions out, one cursor per source.

A listener is a class with a ``kind`` (the ``type`` used in the config), a pydantic
``Settings`` model for its own config keys, and ``fetch(cursor) -> Batch``. The
composition root builds it as ``cls(settings, name=..., http=...)``, calls ``fetch``
with the cursor stored after the previous successful run, and stores the returned
mentions and the new cursor in one transaction. A failed fetch raises a
:mod:`listeners.errors` exception and leaves the stored cursor untouched, so the next
run starts where the last good one ended: nothing is lost and nothing duplicated.
"""

from __future__ import annotations

import logging
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

from domain import defaults
from listeners.errors import ListenerError, RateLimited
from storage.records import Mention

if TYPE_CHECKING:
    from listeners.http import HttpClient

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ListenerSettings(BaseModel):
    """Base for a listener's own config keys: unknown keys are errors (typos are caught)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class BrandQuery:
    """A brand and the search phrases a search-capable source should query for it."""

    brand: str
    terms: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Batch:
    """What one fetch returns: the mentions, the cursor to store, and how many raw items
    the source returned (``item_count``, for health; defaults to ``len(mentions)``).

    ``skipped`` counts raw items deliberately left out, by reason (``"deleted"`` for
    deleted/removed/empty posts, ``"invalid"`` for unreadable ones); they are not errors.
    """

    mentions: list[Mention]
    cursor: dict[str, Any] | None = None
    item_count: int | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class StreamBatch:
    """Collects the streams one fetch polls (searches, timelines, listings) into a
    :class:`Batch` whose cursor is ``{"streams": {key: state}}``.

    Mentions seen in several streams are kept once (by external id); ``item_count`` sums
    the raw items of every stream; a stream that returns no state keeps none.
    """

    source: str
    mentions: dict[str, Mention] = field(default_factory=dict)
    streams: dict[str, Any] = field(default_factory=dict)
    item_count: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, count: int = 1) -> None:
        """Count ``count`` raw items left out for ``reason`` (e.g. ``"deleted"``)."""
        if count:
            self.skipped[reason] = self.skipped.get(reason, 0) + count

    def add(
        self, key: str, mentions: Iterable[Mention], *, raw_count: int, state: Any | None
    ) -> None:
        """Record one polled stream: its mentions, how many raw items it gave, its state."""
        self.item_count += raw_count
        for mention in mentions:
            self.mentions.setdefault(mention.external_id, mention)
        if state is not None:
            self.streams[key] = state

    def batch(self) -> Batch:
        """The :class:`Batch` of everything added; logs each warning once."""
        for warning in self.warnings:
            logger.warning("%s: %s", self.source, warning)
        return Batch(
            mentions=list(self.mentions.values()),
            cursor={"streams": self.streams},
            item_count=self.item_count,
            warnings=self.warnings,
            skipped=dict(self.skipped),
        )


class Listener(Protocol):
    """Structural type every listener satisfies."""

    kind: ClassVar[str]
    name: str

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch: ...


SettingsT = TypeVar("SettingsT", bound=ListenerSettings)


class BaseListener(Generic[SettingsT]):
    """What every listener is built with; a subclass sets ``kind``, ``Settings`` and
    ``fetch``.

    Args:
        settings: the source's validated ``Settings``.
        name: the configured source name (used in mentions, cursors and errors).
        http: the shared :class:`listeners.http.HttpClient`.
        queries: each brand's search phrases, for search-capable sources (default none).
    """

    kind: ClassVar[str]
    Settings: ClassVar[type[ListenerSettings]]

    def __init__(
        self,
        settings: SettingsT,
        *,
        name: str,
        http: HttpClient,
        queries: Sequence[BrandQuery] = (),
    ) -> None:
        self.settings = settings
        self.name = name
        self.http = http
        self.queries = tuple(queries)

    def fetch(self, cursor: Mapping[str, Any] | None) -> Batch:
        raise NotImplementedError


class BoundedSeenSet:
    """Remembers the last ``maxlen`` keys (default 10,000), oldest forgotten first.

    Used by polling loops to skip items already yielded, like PRAW's stream generator.
    """

    def __init__(self, maxlen: int = 10_000, initial: Iterable[Hashable] = ()) -> None:
        self.maxlen = maxlen
        self._items: OrderedDict[Hashable, None] = OrderedDict()
        for item in initial:
            self.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: Hashable) -> bool:
        """Add ``item``; returns False when it was already there."""
        if item in self._items:
            self._items.move_to_end(item)
            return False
        self._items[item] = None
        if len(self._items) > self.maxlen:
            self._items.popitem(last=False)
        return True

    def __iter__(self) -> Any:
        return iter(self._items)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter.

    Attributes:
        attempts: tries in all, including the first (default 3).
        base_s: first delay in seconds (default 1.0), doubled each retry.
        cap_s: longest delay in seconds (default 30.0); a server's Retry-After above
            the cap is not waited for within the run: the error is raised instead.
    """

    attempts: int = defaults.HTTP_RETRIES
    base_s: float = defaults.HTTP_BACKOFF_S
    cap_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        return (rng or random).uniform(0, ceiling)


def call_with_backoff(
    call: Callable[[], T],
    *,
    backoff: Backoff,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
) -> T:
    """Run ``call``; retry transient :class:`ListenerError` s with backoff and jitter.

    The loop is tenacity's (``stop_after_attempt(backoff.attempts)``, a wait of
    :meth:`Backoff.delay`): full jitter, at most ``backoff.cap_s``. A
    :class:`RateLimited` error's ``retry_after`` is honoured when it is within
    ``backoff.cap_s`` (the wait is the larger of the two) and raised at once when it is
    longer; non-transient errors are raised at once. The last error is re-raised.
    """
    import tenacity

    def retryable(exc: BaseException) -> bool:
        if not isinstance(exc, ListenerError) or not exc.transient:
            return False
        return not (
            isinstance(exc, RateLimited)
            and exc.retry_after is not None
            and exc.retry_after > backoff.cap_s
        )

    def wait(state: tenacity.RetryCallState) -> float:
        delay = backoff.delay(state.attempt_number, rng)
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            delay = max(delay, exc.retry_after)
        return delay

    def log(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        seconds = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            "%s; retry %d/%d in %.1fs", exc, state.attempt_number, backoff.attempts - 1, seconds
        )

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(max(1, backoff.attempts)),
        wait=wait,
        retry=tenacity.retry_if_exception(retryable),
        sleep=sleep,
        before_sleep=log,
        reraise=True,
    )
    return retrying(call)
