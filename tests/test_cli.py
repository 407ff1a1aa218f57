"""The command-line contracts: demo, export, classify, sources, label, exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from brandpulse.cli import EXPORT_FIELDS, app

runner = CliRunner()
CONTRACT_FIELDS = {
    "id",
    "brand",
    "source",
    "external_id",
    "url",
    "author",
    "title",
    "text",
    "published_at",
    "collected_at",
    "rating",
    "language",
    "label",
    "score",
    "model",
}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = runner.invoke(app, ["demo", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Slack (you)" in result.output and "Alerts:" in result.output
    return out


def demo_config(demo_dir: Path) -> Path:
    """The follow-up config the demo writes next to its database."""
    return demo_dir / "brandpulse.toml"


def test_demo_writes_digests_and_second_run_adds_nothing(demo_dir: Path) -> None:
    digests = demo_dir / "digests"
    for name in (
        "digest.html",
        "digest.txt",
        "competitors.html",
        "competitors.txt",
        "competitors.pdf",
        "competitors.json",
    ):
        assert (digests / name).stat().st_size > 200, name
    first_text = (digests / "digest.txt").read_text()
    assert "NEEDS A PUBLIC REPLY" in first_text and "Slack has a Snap problem" in first_text
    before = export_rows(demo_dir)
    again = runner.invoke(app, ["demo", "--output", str(demo_dir)])
    assert again.exit_code == 0, again.output
    assert "Alerts: 0 raised this run, 0 in this digest" in again.output
    assert "near-duplicates" not in again.output, "stories already grouped are not recounted"
    assert len(export_rows(demo_dir)) == len(before)
    assert "No new negative mentions" in (digests / "digest.txt").read_text()


def test_report_writes_the_competitor_summary_for_any_period(demo_dir: Path) -> None:
    config = str(demo_config(demo_dir))
    everything = runner.invoke(app, ["report", "--days", "100000", "--config", config])
    assert everything.exit_code == 0, everything.output
    slack = next(line for line in everything.output.splitlines() if line.startswith("Slack (you)"))
    assert slack.split()[2] == "15"  # all 15 Slack mentions of the recorded feeds
    assert "competitors.txt" in everything.output
    assert (demo_dir / "digests" / "competitors.txt").read_text() in everything.output
    # The recorded feeds are from 2019: nothing in the last day, every brand at zero.
    last_day = runner.invoke(app, ["report", "--days", "1", "--config", config])
    assert last_day.exit_code == 0, last_day.output
    slack = next(line for line in last_day.output.splitlines() if line.startswith("Slack (you)"))
    assert slack.split()[2] == "0"
    bad = runner.invoke(app, ["report", "--days", "0", "--config", config])
    assert bad.exit_code == 2


def export_rows(demo_dir: Path) -> list[dict]:
    result = runner.invoke(
        app, ["export", "--format", "jsonl", "--config", str(demo_config(demo_dir))]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_export_jsonl_and_csv_follow_the_contract(demo_dir: Path) -> None:
    rows = export_rows(demo_dir)
    assert len(rows) >= 15
    for row in rows:
        assert row.keys() >= CONTRACT_FIELDS
        assert row["label"] in ("negative", "neutral", "positive")
        assert -1.0 <= row["score"] <= 1.0 and row["model"]
    assert len({(r["source"], r["external_id"]) for r in rows}) == len(rows)
    result = runner.invoke(
        app, ["export", "--format", "csv", "--config", str(demo_config(demo_dir))]
    )
    assert result.exit_code == 0
    parsed = list(csv.DictReader(io.StringIO(result.output)))
    assert len(parsed) == len(rows) and list(parsed[0].keys()) == list(EXPORT_FIELDS)


def test_label_correction_wins_and_exports(demo_dir: Path) -> None:
    config = str(demo_config(demo_dir))
    row = export_rows(demo_dir)[0]
    flipped = "negative" if row["label"] != "negative" else "positive"
    result = runner.invoke(app, ["label", str(row["id"]), flipped, "--config", config])
    assert result.exit_code == 0, result.output
    after = {r["id"]: r for r in export_rows(demo_dir)}[row["id"]]
    assert (after["label"], after["model"], after["overridden"]) == (flipped, "human", True)
    exported = runner.invoke(app, ["training-data", "--config", config])
    assert exported.exit_code == 0, exported.output
    (training_row,) = [json.loads(x) for x in exported.output.splitlines()]
    assert (training_row["mention_id"], training_row["label"]) == (row["id"], flipped)
    assert row["text"] in training_row["text"]
    assert (
        runner.invoke(app, ["label", str(row["id"]), "--clear", "--config", config]).exit_code == 0
    )
    assert {r["id"]: r for r in export_rows(demo_dir)}[row["id"]]["label"] == row["label"]
    assert runner.invoke(app, ["training-data", "--config", config]).output == ""
    bad = runner.invoke(app, ["label", str(row["id"]), "meh", "--config", config])
    assert bad.exit_code == 2


def test_sources_shows_health(demo_dir: Path) -> None:
    result = runner.invoke(app, ["sources", "--config", str(demo_config(demo_dir))])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.output.splitlines() if ln.startswith("google-alerts-slack"))
    _name, kind, status, _day, _time, _items, fails, stored = line.split()
    # 15 of the feed's 20 entries are about Slack (" 16" once matched the clock, 16:41).
    # Items of the last run are 20, or 0 after the demo's second run (HTTP 304).
    assert (kind, status, fails, stored) == ("feed", "ok", "0", "15")
    # The demo replays Reddit's OAuth token and listings, so Reddit runs like the rest.
    reddit = next(ln for ln in result.output.splitlines() if ln.startswith("reddit "))
    assert reddit.split()[1:3] == ["reddit", "ok"], reddit


def test_classify_contract_and_bad_lines() -> None:
    lines = "\n".join(
        [
            json.dumps({"id": 1, "text": "I love this, thank you!"}),
            "{not json",
            json.dumps({"id": "b", "text": "This is the worst service ever. Awful."}),
            json.dumps({"text": "no id"}),
            json.dumps({"id": 3, "text": "The meeting is at 3 pm."}),
        ]
    )
    result = runner.invoke(app, ["classify", "--backend", "vader", "--lang", "en"], input=lines)
    assert result.exit_code == 1
    out = [json.loads(x) for x in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b", 3]
    assert [o["label"] for o in out] == ["positive", "negative", "neutral"]
    for o in out:
        assert set(o) == {"id", "label", "score", "confidence", "language", "model"}
        assert -1 <= o["score"] <= 1 and 0 <= o["confidence"] <= 1 and o["language"] == "en"
        assert (o["score"] < 0) == (o["label"] == "negative")
    assert "line 2: not valid JSON" in result.stderr
    assert 'line 4: missing "id"' in result.stderr


def test_invalid_config_exits_2_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[brands]]\nname = "A"\n[[sources]]\nname = "x"\ntype = "feed"\n')
    result = runner.invoke(app, ["run", "--once", "--config", str(bad)])
    assert result.exit_code == 2
    assert "sources[0] (name='x').url: Field required" in result.stderr


def test_evaluate_prints_figures_for_each_backend_and_vader(tmp_path: Path) -> None:
    fixtures = Path(__file__).parent / "fixtures" / "sentiment"
    out = tmp_path / "eval.json"
    result = runner.invoke(
        app,
        ["evaluate", "--data", str(fixtures), "--backend", "multilingual", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "multilingual@" in result.output and "vader@" in result.output
    for column in ("macro_f1", "macro_recall", "negP", "negR", "texts/s"):
        assert column in result.output
    figures = json.loads(out.read_text())
    assert figures, "the JSON report holds the figures"
    missing = runner.invoke(app, ["evaluate", "--data", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "is not a folder" in missing.stderr
