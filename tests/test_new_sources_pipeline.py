"""The four new sources (Bluesky, GitHub, Stack Exchange, YouTube) through the whole
pipeline, each on its real recording served from 127.0.0.1 (see the fixture READMEs):
stored once, off-brand items counted, nothing repeated on a second run, and the GitHub
token and YouTube key nowhere in the database, the digest or the health table."""

from __future__ import annotations

import json
from pathlib import Path

from replay_server import ReplayServer, load_vcr_yaml

from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline
from sentiment import VaderAnalyzer

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "ghp_PIPELINESECRET0123456789abcdefghijkl"
KEY = "AIzaPIPELINESECRET-0123456789abcdefghij"

CONFIG = """
[database]
url = "sqlite:///{db}"
[[brands]]
name = "Redistricting"
own = true
[[brands]]
name = "Sesame"
[[brands]]
name = "Rails"
[[sources]]
name = "bsky"
type = "bluesky"
base_url = "{base}"
[[sources]]
name = "gh"
type = "github"
base_url = "{base}"
token = "${{GITHUB_TOKEN}}"
[[sources]]
name = "so"
type = "stackexchange"
base_url = "{base}/2.3"
filter = "default"
[[sources]]
name = "yt"
type = "youtube"
base_url = "{base}/youtube/v3"
api_key = "${{YOUTUBE_API_KEY}}"
video_ids = ["HthY7qxV8q0"]
brand = "Sesame"
[alerts]
max_age_hours = 1000000
[digest]
output_dir = "{out}"
period_days = 100000
"""


def routes() -> dict[tuple[str, str], list[tuple[int, dict[str, str], str]]]:
    ((bsky,),) = load_vcr_yaml(FIXTURES / "bluesky" / "f_search.yml").values()
    (github,) = json.loads(
        (FIXTURES / "github" / "search-issues.normalized-fixture.json").read_text()
    )
    return {
        ("GET", "/xrpc/app.bsky.feed.searchPosts"): [bsky],
        ("GET", "/search/issues"): [(200, github["headers"], json.dumps(github["response"]))],
        ("GET", "/2.3/search/advanced"): [
            (200, {}, (FIXTURES / "stackexchange" / "questions.json").read_text())
        ],
        ("GET", "/youtube/v3/commentThreads"): [
            (200, {}, (FIXTURES / "youtube" / "test_comment_api_response.json").read_text())
        ],
    }


def test_new_sources_run_through_the_pipeline_without_leaking_secrets(tmp_path: Path) -> None:
    env = {"GITHUB_TOKEN": TOKEN, "YOUTUBE_API_KEY": KEY}
    with ReplayServer(routes()) as server:
        path = tmp_path / "bp.toml"
        path.write_text(CONFIG.format(db=tmp_path / "bp.db", base=server.url, out=tmp_path / "out"))
        pipeline = Pipeline(load_config(path, env=env), analyzer=VaderAnalyzer())
        report = pipeline.run_once()
        again = pipeline.run_once()
        sent = server.requests

    runs = {r.name: r for r in report.sources}
    assert all(r.ok for r in runs.values()), [r.error for r in runs.values()]
    # Bluesky: 25 posts, 4 by authors who opted out of logged-out viewing, all 21 others
    # name redistricting; GitHub: both issues say sesame; Stack Overflow: 5 of the 10
    # titles name Rails; YouTube: fixed to a brand, the comment and its reply
    assert {n: r.inserted for n, r in runs.items()} == {"bsky": 21, "gh": 2, "so": 5, "yt": 2}
    assert runs["so"].skipped == {"off_brand": 5}
    stored = pipeline.repo.mentions()
    assert len(stored) == 30 and len({(m.source, m.external_id) for m in stored}) == 30
    health = {h.name: h for h in pipeline.repo.source_health()}
    assert {health[n].kind for n in runs} == {"bluesky", "github", "stackexchange", "youtube"}
    assert all(health[n].last_error is None for n in runs)
    # the second run asks from the cursors and stores nothing twice
    assert {r.name: r.inserted for r in again.sources} == {"bsky": 0, "gh": 0, "so": 0, "yt": 0}
    assert len(pipeline.repo.mentions()) == 30
    searches = [r.query["q"] for r in sent if r.path == "/search/issues"]
    assert len(searches) > 3  # the first run: one page for each of the 3 brands ...
    assert not any("updated:>=" in q for q in searches[:3])
    # ... the second asks GitHub only for what was updated since
    assert all("updated:>=2017-10-10T16:00:00Z" in q for q in searches[3:])
    # the secrets went only where they belong: request headers
    assert any(r.headers.get("Authorization") == f"Bearer {TOKEN}" for r in sent)
    assert any(r.headers.get("X-Goog-Api-Key") == KEY for r in sent)
    assert not any(TOKEN in r.target or KEY in r.target for r in sent)
    outputs = sorted((tmp_path / "out").rglob("*.*"))
    assert any(f.name == "digest.html" for f in outputs)
    for file in [*tmp_path.glob("bp.db*"), *outputs]:
        data = file.read_bytes()
        assert TOKEN.encode() not in data and KEY.encode() not in data, file
    for h in health.values():
        assert TOKEN not in repr(h) and KEY not in repr(h)
