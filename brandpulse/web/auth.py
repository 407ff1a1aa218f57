"""Who may do what in the web inbox, and the pieces that check it: password hashes
(argon2id), CSRF tokens, the login rate limit and API tokens.

The permission rules are plain functions so they can be tested alone: a ``viewer``
reads everything; a ``responder`` also handles, assigns, snoozes, dismisses, reopens and
corrects labels.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from storage.web_users import ROLES

__all__ = [
    "ACTIONS",
    "LoginLimiter",
    "can",
    "check_csrf",
    "hash_password",
    "needs_rehash",
    "new_token",
    "verify_password",
]

#: What changes an alert; only a responder may do these.
ACTIONS = ("handle", "assign", "snooze", "dismiss", "reopen", "relabel")
#: The minimum length of a web password, in characters.
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher()


def can(role: str | None, action: str) -> bool:
    """True when ``role`` may do ``action``: ``read`` for every known role, the
    :data:`ACTIONS` for a responder only. Unknown roles and actions are refused."""
    if role not in ROLES:
        return False
    if action == "read":
        return True
    return action in ACTIONS and role == "responder"


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (argon2-cffi's default parameters).

    Raises:
        ValueError: shorter than :data:`MIN_PASSWORD_LENGTH`.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash`` (never raises)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's default."""
    return _hasher.check_needs_rehash(password_hash)


def new_token() -> str:
    """A new secret token (URL-safe, 256 bits): CSRF and API tokens."""
    return secrets.token_urlsafe(32)


def check_csrf(expected: object, given: object) -> bool:
    """True when the form's token equals the session's (constant-time); False when either
    is missing."""
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


class LoginLimiter:
    """At most ``attempts`` failed logins per key (client address) in ``window`` seconds
    (defaults: 5 per 900 s, 15 minutes). In memory: one server process."""

    def __init__(
        self,
        attempts: int = 5,
        window: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.attempts = attempts
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self._clock()
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures

    def blocked(self, key: str) -> bool:
        """True when ``key`` has used up its failed attempts for now."""
        return len(self._recent(key)) >= self.attempts

    def failed(self, key: str) -> None:
        """Count one failed login for ``key``."""
        self._recent(key).append(self._clock())

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures."""
        self._failures.pop(key, None)
