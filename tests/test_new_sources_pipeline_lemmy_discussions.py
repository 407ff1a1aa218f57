"""Lemmy and GitHub Discussions through the whole pipeline, each on its real recording
served from 127.0.0.1 (see tests/fixtures/lemmy/README.md and tests/fixtures/github/
README.md): brands matched, off-brand items counted, nothing repeated on a second run,
and the GitHub token nowhere in the database, the digest or the health table."""

from __future__ import annotations

from pathlib import Path

from replay_server import ReplayServer

from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline
from sentiment import VaderAnalyzer

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "github_pat_PIPELINESECRET0123456789abcdef"

CONFIG = """
[database]
url = "sqlite:///{db}"
[[brands]]
name = "Live recording"
own = true
[[brands]]
name = "PyGithub"
[[sources]]
name = "lemmy"
type = "lemmy"
base_url = "{base}"
kinds = ["Posts"]
[[sources]]
name = "ghd"
type = "github_discussions"
graphql_url = "{base}/graphql"
token = "${{GITHUB_TOKEN}}"
[alerts]
max_age_hours = 1000000
[digest]
output_dir = "{out}"
period_days = 100000
"""


def test_lemmy_and_discussions_run_through_the_pipeline(tmp_path: Path) -> None:
    posts = (FIXTURES / "lemmy" / "post_list_test1.lemmy.ddenis.info.json").read_text("utf-8")
    page = (FIXTURES / "github" / "Repository.testGetDiscussions.page1-reply.json").read_text(
        "utf-8"
    )
    routes = {
        # one search per brand, on each source, per run
        ("GET", "/api/v3/search"): [(200, {}, posts)] * 4,
        ("POST", "/graphql"): [(200, {}, page)] * 4,
    }
    with ReplayServer(routes) as server:
        path = tmp_path / "bp.toml"
        path.write_text(CONFIG.format(db=tmp_path / "bp.db", base=server.url, out=tmp_path / "out"))
        pipeline = Pipeline(
            load_config(path, env={"GITHUB_TOKEN": TOKEN}), analyzer=VaderAnalyzer()
        )
        report = pipeline.run_once()
        again = pipeline.run_once()
        sent = server.requests

    runs = {r.name: r for r in report.sources}
    assert all(r.ok for r in runs.values()), [r.error for r in runs.values()]
    # Lemmy: 2 of the 3 posts are "Live recording (thread N)"; the recorded page holds
    # 3 discussion titles naming PyGithub
    assert {n: r.inserted for n, r in runs.items()} == {"lemmy": 2, "ghd": 3}
    stored = {m.title: m for m in pipeline.repo.mentions()}
    assert stored["Live recording (thread 8)"].brands == ("Live recording",)
    assert stored["How do I create a new branch with PyGithub?"].author == ""
    health = {h.name: h for h in pipeline.repo.source_health()}
    assert {health[n].kind for n in runs} == {"lemmy", "github_discussions"}
    # the second run repeats nothing (Lemmy: by cursor; the discussions page has no
    # updatedAt, so the intake's duplicate check keeps them from being stored twice)
    assert {r.name: r.inserted for r in again.sources} == {"lemmy": 0, "ghd": 0}
    assert any(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in sent)
    assert not any(TOKEN in r.target for r in sent)
    for file in [*tmp_path.glob("bp.db*"), *sorted((tmp_path / "out").rglob("*.*"))]:
        assert TOKEN.encode() not in file.read_bytes(), file
    for h in health.values():
        assert TOKEN not in repr(h)
