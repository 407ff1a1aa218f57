"""Adding a source is one module and one registry line (CONTRIBUTING.md): the toy source
in tests/toy_listener.py, registered here with one ``SourceKind``, goes through the whole
pipeline like a built-in one (intake, analysis, alerts, digest, health, export)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DEMO_FEEDS
from replay_server import ReplayServer

from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline
from digest.replies import mention_kind, reply_outline
from domain import kinds
from domain.kinds import SourceKind, Voice
from listeners import listener_class
from sentiment import VaderAnalyzer

FEED = DEMO_FEEDS / "json_feed.json"

CONFIG = """
[database]
url = "sqlite:///{db}"
[[brands]]
name = "Frontier"
own = true
[[brands]]
name = "OmniOutliner"
[[sources]]
name = "inessential"
type = "toy"
base_url = "{base}/feed.json"
[alerts]
max_age_hours = 1000000
[digest]
output_dir = "{out}"
period_days = 100000
"""


@pytest.fixture
def toy_registered(monkeypatch: pytest.MonkeyPatch) -> SourceKind:
    """The one registry line a contributor adds."""
    toy = SourceKind("toy", "Toy JSON Feed", Voice.ARTICLE, "listener", "toy_listener:ToyListener")
    monkeypatch.setitem(kinds.SOURCE_KINDS, "toy", toy)
    return toy


def test_a_new_source_goes_through_the_whole_pipeline(
    toy_registered: SourceKind, tmp_path: Path
) -> None:
    items = json.loads(FEED.read_text(encoding="utf-8"))["items"]
    expected = {
        str(i["id"])
        for i in items
        if "Frontier" in f"{i.get('title')} {i.get('content_html')}"
        or "OmniOutliner" in f"{i.get('title')} {i.get('content_html')}"
    }
    assert listener_class("toy").__name__ == "ToyListener"
    with ReplayServer({("GET", "/feed.json"): [(200, {}, FEED.read_bytes())]}) as server:
        path = tmp_path / "bp.toml"
        path.write_text(CONFIG.format(db=tmp_path / "bp.db", base=server.url, out=tmp_path / "out"))
        pipeline = Pipeline(load_config(path, env={}), analyzer=VaderAnalyzer())
        report = pipeline.run_once()
        again = pipeline.run_once()

    (run,) = report.sources
    assert run.ok and run.inserted == len(expected) > 5
    assert run.skipped == {"off_brand": len(items) - len(expected)}
    stored = pipeline.repo.mentions()
    assert {m.external_id for m in stored} == expected
    assert report.analyzed == len(expected)
    health = {h.name: h for h in pipeline.repo.source_health()}["inessential"]
    assert health.kind == "toy" and health.last_error is None and health.total_mentions
    # the kind's voice decides the reply: an article gets the press routine, no apology
    assert {mention_kind(m, health.kind) for m in stored} == {"article"}
    outline = reply_outline(stored[0], kind=mention_kind(stored[0], health.kind))
    assert outline[1].step == "Verify"
    digest = (tmp_path / "out" / "digest.txt").read_text(encoding="utf-8")
    # ... and its positive articles are not thanked like customers (the list is people's
    # posts and reviews)
    assert "SAY THANK YOU" in digest and "inessential" not in digest
    (second,) = again.sources
    assert second.inserted == 0 and again.alerts_raised == 0
