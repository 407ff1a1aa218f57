"""People who use the web inbox (migration 0008_web_users): name, role, password hash, API
token hash, and when they last looked (for "what changed since your last visit").

SQLAlchemy Core on the shared metadata; only this module and the migrations use the table.
Passwords and tokens are never stored in clear: the caller passes hashes (the web layer
hashes passwords with argon2id; tokens are stored as their SHA-256).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, Integer, String, Table, select, update
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from domain.errors import StorageError
from storage.models import UTCDateTime, utcnow

__all__ = ["ROLES", "UserStore", "WebUser", "token_digest", "web_users"]

#: Roles, weakest first: a viewer reads; a responder also acts on alerts.
ROLES = ("viewer", "responder")

web_users = Table(
    "web_users",
    SQLModel.metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(300), nullable=False),
    Column("token_hash", String(64), nullable=True, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_visit_at", UTCDateTime(), nullable=True),
    Column("previous_visit_at", UTCDateTime(), nullable=True),
)


def token_digest(token: str) -> str:
    """The stored form of an API token: its SHA-256 in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class WebUser:
    """One web user (never carries the token; the password only as its hash)."""

    id: int
    name: str
    role: str
    password_hash: str
    created_at: datetime
    last_visit_at: datetime | None
    previous_visit_at: datetime | None


class UserStore:
    """Web users on an engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def _user(row: object) -> WebUser:
        r = row
        return WebUser(
            r.id,  # type: ignore[attr-defined]
            r.name,  # type: ignore[attr-defined]
            r.role,  # type: ignore[attr-defined]
            r.password_hash,  # type: ignore[attr-defined]
            r.created_at,  # type: ignore[attr-defined]
            r.last_visit_at,  # type: ignore[attr-defined]
            r.previous_visit_at,  # type: ignore[attr-defined]
        )

    def upsert(self, name: str, *, role: str, password_hash: str) -> bool:
        """Add a user, or change an existing one's role and password. True when added.

        Raises:
            StorageError: unknown role.
        """
        if role not in ROLES:
            raise StorageError(f"role {role!r}: choose from {', '.join(ROLES)}")
        with self.engine.begin() as conn:
            found = conn.execute(
                select(web_users.c.id).where(web_users.c.name == name)
            ).scalar_one_or_none()
            if found is None:
                conn.execute(
                    web_users.insert().values(
                        name=name, role=role, password_hash=password_hash, created_at=utcnow()
                    )
                )
                return True
            conn.execute(
                update(web_users)
                .where(web_users.c.id == found)
                .values(role=role, password_hash=password_hash)
            )
            return False

    def get(self, name: str) -> WebUser | None:
        """The user called ``name``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(web_users).where(web_users.c.name == name)).first()
        return self._user(row) if row is not None else None

    def by_token(self, token: str) -> WebUser | None:
        """The user whose API token is ``token``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(web_users).where(web_users.c.token_hash == token_digest(token))
            ).first()
        return self._user(row) if row is not None else None

    def all(self) -> list[WebUser]:
        """Every user, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(web_users).order_by(web_users.c.name)).all()
        return [self._user(r) for r in rows]

    def set_token(self, name: str, token: str) -> None:
        """Replace the user's API token (the old one stops working).

        Raises:
            StorageError: no such user.
        """
        self._update(name, token_hash=token_digest(token))

    def set_password_hash(self, name: str, password_hash: str) -> None:
        """Replace a password hash (argon2 rehash on login)."""
        self._update(name, password_hash=password_hash)

    def remove(self, name: str) -> bool:
        """Delete a user; True when there was one."""
        with self.engine.begin() as conn:
            return bool(conn.execute(web_users.delete().where(web_users.c.name == name)).rowcount)

    def visited(self, name: str, *, now: datetime | None = None) -> datetime | None:
        """Record a visit (a login); returns the visit before it, or None for the first."""
        user = self.get(name)
        if user is None:
            raise StorageError(f"no web user {name!r} (add one with `brandpulse users add`)")
        self._update(name, previous_visit_at=user.last_visit_at, last_visit_at=now or utcnow())
        return user.last_visit_at

    def _update(self, name: str, **values: object) -> None:
        with self.engine.begin() as conn:
            done = conn.execute(
                update(web_users).where(web_users.c.name == name).values(**values)
            ).rowcount
        if not done:
            raise StorageError(f"no web user {name!r} (add one with `brandpulse users add`)")
