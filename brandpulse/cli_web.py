"""The web inbox commands: ``brandpulse web`` (serve it) and ``brandpulse users``
(add, list, token, remove the people who log in).

Exit codes: 0 done, 1 the database is missing or failed (or no such user), 2 a bad value
or config. The database must exist: these commands never create one.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import socket
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from brandpulse.cli import app
from brandpulse.cli_common import EXIT_FAILED, EXIT_USAGE, ConfigOption, echo_err, load

if TYPE_CHECKING:
    from storage.web_users import UserStore

logger = logging.getLogger(__name__)

#: Where the session-signing key can come from (stable across restarts); without it a
#: random key is made at start and logins end when the server stops.
SECRET_ENV = "BRANDPULSE_WEB_SECRET"

users_app = typer.Typer(help="People who may log in to the web inbox (brandpulse web).")
app.add_typer(users_app, name="users")


@app.command()
def web(
    config: ConfigOption = None,
    host: Annotated[
        str, typer.Option(help="Address to listen on (keep 127.0.0.1 behind a TLS proxy).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8080,
    session_hours: Annotated[
        float, typer.Option(help="How long a login lasts, in hours.", min=0.1)
    ] = 12.0,
    secure_cookies: Annotated[
        bool,
        typer.Option(help="Mark the session cookie Secure (when served over HTTPS)."),
    ] = False,
) -> None:
    """Serve the web inbox: the alert queue, mention pages with reply outlines, the
    competitor report, source health and what changed; a JSON API at /api (docs at
    /api/docs). Log in with a user from `brandpulse users add`."""
    import uvicorn

    from brandpulse.readonly import open_existing_repository
    from brandpulse.web import create_app
    from storage.web_users import UserStore

    cfg = load(config)
    try:
        repo = open_existing_repository(cfg)
    except Exception as exc:
        echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    if not UserStore(repo.engine).all():
        echo_err(
            "note: no web users yet: add one with "
            "`brandpulse users add NAME --role responder --password-stdin`"
        )
    secret = os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32)
    application = create_app(
        cfg, repo, secret=secret, session_hours=session_hours, secure_cookies=secure_cookies
    )
    problem = _cannot_listen(host, port)
    if problem:
        echo_err(f"error: cannot listen on {host}:{port}: {problem}")
        raise typer.Exit(EXIT_FAILED)
    typer.echo(f"BrandPulse inbox on http://{host}:{port}/ (Ctrl-C stops it)")
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=True)


def _cannot_listen(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (one line with the fix), or None.

    Checked by binding a probe socket before the server starts, so a taken port or an
    address this machine does not have is one line and exit 1 instead of the server's
    log message after "BrandPulse inbox on ..." was already printed.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        return f"{host!r} is not an address of this machine ({exc}); use --host 127.0.0.1"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "another program uses this port; choose another with --port"
            if exc.errno == errno.EACCES:
                return "not allowed to use this port; choose one above 1023 with --port"
            return f"{exc.strerror or exc}; check --host and --port"
    return None


def _store(config: ConfigOption) -> UserStore:
    from brandpulse.readonly import open_existing_repository
    from storage.web_users import UserStore

    try:
        return UserStore(open_existing_repository(load(config)).engine)
    except typer.Exit:
        raise
    except Exception as exc:
        echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_FAILED) from None


def stdin_is_terminal() -> bool:
    """True when standard input is a terminal (a person typing, not a pipe)."""
    return sys.stdin.isatty()


def read_password(name: str) -> str:
    """The password from standard input: one line from a pipe, or asked for (not shown)
    at a terminal, so `users add NAME --password-stdin` typed by hand does not wait
    silently."""
    if stdin_is_terminal():
        import getpass

        from brandpulse.web.auth import MIN_PASSWORD_LENGTH

        return getpass.getpass(
            f"Password for {name} (at least {MIN_PASSWORD_LENGTH} characters, not shown): "
        )
    return sys.stdin.readline().rstrip("\r\n")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The login name (also the name in histories).")],
    role: Annotated[str, typer.Option(help="viewer (reads) or responder (also acts).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    config: ConfigOption = None,
) -> None:
    """Add a user (or change an existing user's role and password). The password is read
    from standard input (`printf '%s\\n' PASSWORD | ...`); typed at a terminal it is asked
    for and not shown."""
    from brandpulse.web.auth import hash_password
    from storage.web_users import ROLES

    if role not in ROLES:
        echo_err(f"error: --role {role!r}: choose from {', '.join(ROLES)}")
        raise typer.Exit(EXIT_USAGE)
    if not name.strip():
        echo_err("error: NAME is empty")
        raise typer.Exit(EXIT_USAGE)
    if not password_stdin:
        echo_err("error: give the password on standard input with --password-stdin")
        raise typer.Exit(EXIT_USAGE)
    password = read_password(name.strip())
    try:
        hashed = hash_password(password)
    except ValueError as exc:
        echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    added = _store(config).upsert(name.strip(), role=role, password_hash=hashed)
    typer.echo(f"{'added' if added else 'updated'} {name.strip()} ({role})")


@users_app.command("list")
def users_list(config: ConfigOption = None) -> None:
    """Every user with their role and last visit (never passwords or tokens)."""
    for u in _store(config).all():
        seen = u.last_visit_at.strftime("%Y-%m-%d %H:%M UTC") if u.last_visit_at else "never"
        typer.echo(f"{u.name}\t{u.role}\tlast visit {seen}")


@users_app.command("token")
def users_token(
    name: Annotated[str, typer.Argument(help="The user.")], config: ConfigOption = None
) -> None:
    """Make a new API token for a user (shown once; the previous one stops working). Send
    it as `Authorization: Bearer TOKEN` to /api/alerts, /api/mentions, /api/report."""
    from brandpulse.web.auth import new_token
    from domain.errors import StorageError

    token = new_token()
    try:
        _store(config).set_token(name, token)
    except StorageError as exc:
        echo_err(f"error: {exc}")
        raise typer.Exit(EXIT_FAILED) from None
    typer.echo(token)


@users_app.command("remove")
def users_remove(
    name: Annotated[str, typer.Argument(help="The user.")], config: ConfigOption = None
) -> None:
    """Remove a user: their sessions and token stop working at once."""
    if not _store(config).remove(name):
        echo_err(f"error: no web user {name!r}")
        raise typer.Exit(EXIT_FAILED)
    typer.echo(f"removed {name}")
