"""A web inbox over the inbox tests' real reviews (tests/inbox_data.py) plus one hostile
post, with a responder and a viewer: shared by the unit tests and the browser tests.

The hostile post is the one invented item, on purpose: a Hacker News comment (the real
recording's fields) whose text carries ``<script>`` and a ``javascript:`` link and whose
URL is a ``javascript:`` URL, to prove they render as inert text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from inbox_data import NOW, hn_mentions, load, make_config

from brandpulse.config import Config
from brandpulse.inbox import raise_alerts
from brandpulse.pipeline import open_repository
from brandpulse.web.auth import hash_password
from storage import Mention, Repository
from storage.repo import AnalysisInput
from storage.web_users import UserStore

HOSTILE_TEXT = (
    'Apple support ignored me <script>document.title="pwned"</script> '
    "<a href=\"javascript:document.title='pwned'\">click here</a> <img src=x onerror=alert(1)>"
)
HOSTILE_URL = "javascript:document.title='pwned'"
PASSWORDS = {"kim": "kim-responds-42", "vic": "vic-only-reads-7"}


@dataclass
class WebData:
    config: Config
    config_path: Path
    repo: Repository
    ids: dict[str, int]


def make_web_data(tmp_path: Path) -> WebData:
    """A SQLite database with the real reviews, the hostile post, raised alerts and the
    users ``kim`` (responder) and ``vic`` (viewer)."""
    config = make_config(tmp_path, f"sqlite:///{tmp_path / 'web.db'}")
    repo = open_repository(config)
    ids = load(repo)
    real = hn_mentions()[0]
    fields = {name: getattr(real, name) for name in Mention.__slots__}  # type: ignore[attr-defined]
    fields.update(
        external_id=f"{real.external_id}-hostile",
        text=HOSTILE_TEXT,
        url=HOSTILE_URL,
        author="mallory",
    )
    repo.save_mentions("hn", [Mention(**fields)])
    hostile = next(m for m in repo.mentions() if m.author == "mallory")
    repo.save_analyses([AnalysisInput(hostile.id, "negative", -0.9, 0.95, "en", "fixture@1")])
    ids["mallory"] = hostile.id
    raise_alerts(config, repo, now=NOW)
    users = UserStore(repo.engine)
    users.upsert("kim", role="responder", password_hash=hash_password(PASSWORDS["kim"]))
    users.upsert("vic", role="viewer", password_hash=hash_password(PASSWORDS["vic"]))
    return WebData(config, tmp_path / "brandpulse.toml", repo, ids)
