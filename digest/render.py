"""Render digests with jinja2: HTML templates autoescaped (scraped text is never trusted)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined

from digest.build import AlertDigest


@dataclass(frozen=True, slots=True)
class Rendered:
    """A document in both formats, with a subject line."""

    subject: str
    html: str
    text: str


def _autoescape(template_name: str | None) -> bool:
    # select_autoescape() would not match "*.html.j2": decide by the inner extension.
    return template_name is not None and template_name.endswith((".html.j2", ".html"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The shared jinja2 environment (templates in ``digest/templates``)."""
    return Environment(
        loader=PackageLoader("digest", "templates"),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def alert_summary(digest: AlertDigest) -> str:
    """'2 negative mentions to answer, 1 negative article to check' (the article part only
    when there are articles)."""
    parts = []
    if digest.replies or not digest.coverage:
        parts.append(f"{_plural(len(digest.replies), 'negative mention')} to answer")
    if digest.coverage:
        parts.append(f"{_plural(len(digest.coverage), 'negative article')} to check")
    return ", ".join(parts)


def render_alert_digest(digest: AlertDigest) -> Rendered:
    env = environment()
    summary = alert_summary(digest)
    return Rendered(
        f"{digest.title}: {summary}",
        env.get_template("alert_digest.html.j2").render(digest=digest, summary=summary),
        env.get_template("alert_digest.txt.j2").render(digest=digest, summary=summary),
    )
