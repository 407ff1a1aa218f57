"""The one redaction layer: secrets never reach logs, error messages or status output.

:func:`redact` rewrites any text so that

* passwords in URLs (``scheme://user:password@host``) become ``***``: everything after
  the user name up to the LAST ``@`` before the host part, so a password holding a raw
  ``/`` or ``@`` (``postgresql://bp:pa/ss@word@db/x``) is masked whole (:func:`mask_userinfo`);
* known token fields (``token=``, ``api_key=``, ``client_secret``, ``password``,
  ``Authorization: Bearer ...``) keep their name and lose their value;
* URLs of any scheme other than http(s), ftp and database URLs -- apprise's ``slack://``,
  ``pbul://``, ``ifttt://``, ``mailtos://``, ``json://`` ... -- are reduced to their
  scheme and a short hash of the whole URL, ``slack://#1a2b3c4d``, because many apprise
  schemes carry the token in the host or path;
* Slack/Discord/generic webhook URLs over https (``hooks.slack.com/services/...``)
  are reduced the same way;
* any value registered with :func:`register_secret` (values read from ``${ENV}`` and
  secret files by the config loader) is replaced by ``***``.

:class:`RedactingFilter` applies it to every log record; the CLI installs it on the
root handler, so third-party loggers (apprise, httpx) are covered too.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterable

#: Schemes whose URLs keep their host and path (only a password in them is hidden):
#: web pages and feeds, and database URLs. Every other scheme (apprise's ``slack://``,
#: ``pbul://``, ``ifttt://``, ``mailtos://``, ``json://`` ... carry tokens in the host or
#: path) is reduced to ``scheme://#hash``.
PLAIN_SCHEMES = frozenset(
    {"http", "https", "ftp", "sqlite", "postgresql", "postgres", "postgresql+psycopg"}
)

_SECRET_KEYS = (
    r"password|passwd|pwd|secret|client_secret|token|access_token|refresh_token|api_key|"
    r"apikey|api-key|auth|authorization|private_key|webhook|key"
)
#: ``key=value`` (query strings, env dumps), ``"key": "value"`` (JSON, repr of dicts) and
#: ``Authorization: Bearer value`` with a known secret key name. A bare ``key: word`` is
#: left alone: config errors say ``sources[0].client_secret: Field required``.
_FIELD = re.compile(
    rf"""(?ix)
    (?P<key>
        \b(?:{_SECRET_KEYS})\s*=\s*
      | ["'](?:{_SECRET_KEYS})["']\s*:\s*
      | \bauthorization\s*:\s*(?=bearer\s|basic\s|token\s)
    )
    (?P<q>["']?)
    (?P<value>(?:Bearer\s+|Basic\s+|Token\s+)?[^\s"'&,;}}]+)
    """
)
_SCHEME_URL = re.compile(r"(?i)\b(?P<scheme>[a-z][a-z0-9+.-]{1,20})://(?P<rest>[^\s\"'<>]+)")
#: What follows the userinfo's ``@``: a host (name, address or ``[IPv6]``), an optional
#: port, then the path, query, fragment or the end of the URL.
_HOST_PART = re.compile(r"(?:\[[0-9A-Fa-f:.]*\]|[^\s/?#@\[\]:]*)(?::[0-9]*)?(?:[/?#]|$)")
_WEBHOOK_HOSTS = re.compile(
    r"(?i)^(hooks\.slack\.com|discord(?:app)?\.com/api/webhooks|[^/]*webhook[^/]*"
    r"|outlook\.office\.com/webhook|[^/]*\.logic\.azure\.com)"
)

_lock = threading.Lock()
_known: set[str] = set()
MIN_SECRET_CHARS = 6


def register_secret(value: str | None) -> None:
    """Remember ``value`` (a secret read from the environment or a file) so that
    :func:`redact` replaces it wherever it appears. Values shorter than 6 characters
    are ignored (they would blank ordinary words)."""
    if value and len(value.strip()) >= MIN_SECRET_CHARS:
        with _lock:
            _known.add(value.strip())


def register_url_password(url: str) -> None:
    """Register the password of ``url`` (see :func:`url_password`) and, when it holds a
    raw ``/``, ``@``, ``:``, ``?`` or ``#``, each piece between them: a driver that splits
    such a URL elsewhere may print a piece in its own message. Pieces shorter than 6
    characters are ignored like any short value."""
    password = url_password(url)
    if not password:
        return
    register_secret(password)
    for piece in re.split(r"[/@:?#]", password):
        register_secret(piece)


def register_secrets(values: Iterable[str]) -> None:
    for value in values:
        register_secret(value)


def clear_secrets() -> None:
    """Forget every registered secret (tests)."""
    with _lock:
        _known.clear()


def short_hash(text: str) -> str:
    """First 8 hex digits of SHA-256 of ``text``: stable, not reversible."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def redact_url(url: str) -> str:
    """One URL without its secrets (see the module docstring)."""
    match = _SCHEME_URL.match(url)
    if not match:
        return url
    scheme, rest = match.group("scheme"), match.group("rest")
    lower = scheme.lower()
    if lower not in PLAIN_SCHEMES or (
        lower in ("http", "https") and _WEBHOOK_HOSTS.match(rest) is not None
    ):
        return f"{scheme}://#{short_hash(url)}"
    return f"{scheme}://{_mask_rest(rest)}"


def userinfo_end(rest: str) -> int | None:
    """In ``rest`` (a URL after its ``scheme://``), the index of the ``@`` that ends the
    userinfo, or None when there is none.

    That is the LAST ``@`` followed by a host part (host, optional port, then ``/``, ``?``,
    ``#`` or the end), so a raw ``@`` or ``/`` inside a password does not cut it short.
    Userinfo that holds ``/``, ``?`` or ``#`` counts only when a ``:`` (the password
    separator) comes before them: ``https://mastodon.social/@user`` has none.
    """
    colon = rest.find(":")
    cut = min((rest.find(c) for c in "/?#" if c in rest), default=-1)
    end = None
    index = rest.find("@")
    while index != -1:  # linear: each position is looked at a bounded number of times
        if _HOST_PART.match(rest, index + 1) is not None and (
            not 0 <= cut < index or 0 <= colon < cut
        ):
            end = index
        index = rest.find("@", index + 1)
    return end


def url_password(url: str) -> str | None:
    """The password of ``url`` (raw, not percent-decoded) by the rule of
    :func:`userinfo_end`, or None when it has none."""
    match = _SCHEME_URL.match(url.strip())
    if not match:
        return None
    rest = match.group("rest")
    end = userinfo_end(rest)
    if end is None or ":" not in rest[:end]:
        return None
    return rest[:end].split(":", 1)[1]


#: The one-line config error for a URL whose user or password needs percent-encoding
#: (names no part of the URL).
USERINFO_HINT = (
    "the user or password holds a raw '@', '/', '?' or '#'; percent-encode it "
    "('@' as %40, '/' as %2F, '?' as %3F, '#' as %23)"
)


def userinfo_needs_encoding(url: str) -> bool:
    """True when the userinfo of ``url`` holds a raw ``@``, ``/``, ``?`` or ``#``: URL
    parsers (urllib, SQLAlchemy, libpq, redis-py) then split it elsewhere and take part of
    the password for the host. Such a password must be percent-encoded (``%40``, ``%2F``)."""
    match = _SCHEME_URL.match(url.strip())
    if not match:
        return False
    end = userinfo_end(match.group("rest"))
    return end is not None and any(c in match.group("rest")[:end] for c in "@/?#")


def mask_userinfo(url: str) -> str:
    """``url`` (any scheme) with its password replaced by ``***``, host and path kept:
    ``redis://:se@cret/x@host:6379/0`` gives ``redis://:***@host:6379/0``. A user name is
    kept; userinfo without a ``:`` that holds ``@`` or ``/`` is masked whole."""
    match = _SCHEME_URL.match(url)
    if not match:
        return url
    return f"{match.group('scheme')}://{_mask_rest(match.group('rest'))}"


def mask_passwords(text: str) -> str:
    """``text`` with :func:`mask_userinfo` applied to every URL in it (hosts, paths and
    tokens kept: :func:`redact` does the rest)."""
    return _SCHEME_URL.sub(_mask_url_match, text)


def _mask_url_match(match: re.Match[str]) -> str:
    core, tail = _split_trailing(match.group(0))
    return mask_userinfo(core) + tail


def _mask_rest(rest: str) -> str:
    end = userinfo_end(rest)
    if end is None:
        return rest
    userinfo, after = rest[:end], rest[end:]
    user, colon, _password = userinfo.partition(":")
    if colon and not any(c in user for c in "/?#@"):
        return f"{user}:***{after}"
    if not colon and not any(c in user for c in "/?#@"):
        return rest  # a user name alone (postgresql://bp@db/x)
    return f"***{after}"


def redact(text: object) -> str:
    """``text`` (converted with ``str``) with every secret it holds replaced."""
    out = _SCHEME_URL.sub(_redact_url_match, str(text))
    out = _FIELD.sub(_redact_field, out)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in out:
            out = out.replace(secret, "***")
    return out


_TRAILING = ".,;:)]}>!?"


def _split_trailing(text: str) -> tuple[str, str]:
    """``text`` without trailing sentence punctuation, and that punctuation."""
    core = text.rstrip(_TRAILING)
    return core, text[len(core) :]


def _redact_url_match(match: re.Match[str]) -> str:
    core, tail = _split_trailing(match.group(0))
    return redact_url(core) + tail


def _redact_field(match: re.Match[str]) -> str:
    value, tail = _split_trailing(match.group("value"))
    if value == "***" or value.startswith("#") or "://#" in value:
        return match.group(0)
    prefix = ""
    for scheme in ("Bearer ", "Basic ", "Token ", "bearer ", "basic ", "token "):
        if value.startswith(scheme):
            prefix = scheme
    return f"{match.group('key')}{match.group('q')}{prefix}***{tail}"


class RedactingFilter(logging.Filter):
    """A logging filter that redacts each record's message, arguments and traceback.

    The record is rewritten in place (``msg`` becomes the formatted, redacted message and
    ``args`` is emptied), so every handler after it sees the redacted text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!s} {record.args!r}"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None if record.exc_text else record.exc_info
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach one :class:`RedactingFilter` to every handler of ``logger`` (default: the
    root logger). Filters on handlers see records from every child logger, which logger
    filters would not. Idempotent."""
    target = logger or logging.getLogger()
    flt = RedactingFilter()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(flt)
    return flt
