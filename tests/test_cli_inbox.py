"""The inbox commands end to end on a real SQLite file: inbox (table and JSON), handle,
assign, snooze, dismiss, reopen, history, training-data and spikes; exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from inbox_data import NOW, load, make_config
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.inbox import raise_alerts
from storage import Repository, init_db, make_engine

runner = CliRunner()


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'bp.db'}"
    config = make_config(tmp_path, url)
    engine = make_engine(url)
    init_db(engine)
    repo = Repository(engine)
    load(repo)
    raise_alerts(config, repo, now=NOW)
    engine.dispose()
    return tmp_path / "brandpulse.toml"


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"USER": "tester"})
    return result.exit_code, result.stdout, result.stderr


def records(config: Path, *extra: str) -> list[dict[str, object]]:
    code, out, err = run("inbox", "--format", "json", "--config", str(config), *extra)
    assert code == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_inbox_json_and_table(config_path: Path) -> None:
    open_items = records(config_path)
    assert open_items and {r["state"] for r in open_items} == {"open"}
    assert all(r["rating"] is None or r["rating"] < 4 for r in open_items)
    assert {"Twitter", "REALITY"} == {r["brand"] for r in open_items}
    # everything raised so far is older than its 24 h SLA (raised at NOW, in 2021)
    assert all(r["overdue"] for r in open_items)
    watch = records(config_path, "--state", "watch")
    assert {r["brand"] for r in watch} == {"Twitter", "Apple"}
    assert records(config_path, "--brand", "REALITY") and all(
        r["brand"] == "REALITY" for r in records(config_path, "--brand", "REALITY")
    )
    code, out, _ = run("inbox", "--config", str(config_path))
    assert code == 0
    assert out.startswith(f"Inbox: {len(open_items)} alerts (open), {len(open_items)} OVERDUE")
    assert max(len(line) for line in out.splitlines()[:-1]) <= 80
    assert "brandpulse handle ID" in out


def test_work_an_alert_through_the_commands(config_path: Path) -> None:
    first = records(config_path)[0]["id"]
    c = ("--config", str(config_path))
    assert run("assign", str(first), "--to", "maria", *c)[:2] == (
        0,
        f"alert {first} assigned to maria\n",
    )
    code, out, _ = run("snooze", str(first), "--until", "2h", *c)
    assert code == 0 and f"alert {first} snoozed until" in out
    assert first not in {r["id"] for r in records(config_path)}
    assert run("handle", str(first), "--note", "replied", *c)[:2] == (
        0,
        f"alert {first} handled by tester\n",
    )
    code, _, err = run("handle", str(first), *c)
    assert code == 1 and "is handled: cannot handle it" in err
    code, out, _ = run("history", str(first), *c)
    assert [line.split()[3:5] for line in out.splitlines()] == [
        ["brandpulse", "raised"],
        ["tester", "assign"],
        ["tester", "snooze"],
        ["tester", "handle"],
    ]
    assert run("reopen", str(first), *c)[1] == f"alert {first} is assigned again\n"


def test_dismiss_teaches_and_training_data_shows_it(config_path: Path) -> None:
    c = ("--config", str(config_path))
    apple = records(config_path, "--state", "watch", "--brand", "Apple")[0]
    code, out, _ = run("dismiss", str(apple["id"]), "--reason", "not-our-brand", "--by", "kim", *c)
    assert code == 0 and "kept as a negative example for Apple" in out
    twitter = records(config_path, "--brand", "Twitter")[0]
    code, out, _ = run("dismiss", str(twitter["id"]), "--reason", "not-negative", *c)
    assert code == 0 and "labelled neutral" in out
    code, out, _ = run("training-data", *c)
    rows = [json.loads(line) for line in out.splitlines()]
    assert {"text": twitter["text"], "label": "neutral"}.items() <= rows[0].items()
    assert rows[1]["task"] == "brand" and rows[1]["brand"] == "Apple"
    assert rows[1]["mention_id"] == apple["mention_id"] and rows[1]["match"] is False
    dismissed = records(config_path, "--state", "dismissed")
    assert {r["dismiss_reason"] for r in dismissed} == {"not-our-brand", "not-negative"}


def test_bad_values_exit_2_and_unknown_alerts_exit_1(config_path: Path) -> None:
    c = ("--config", str(config_path))
    code, _, err = run("snooze", "1", "--until", "soonish", *c)
    assert code == 2 and "expected a duration such as 2h" in err
    code, _, err = run("inbox", "--brand", "Nope", *c)
    assert code == 2 and "--brand 'Nope' is not one of the config's [[brands]]" in err
    code, _, err = run("dismiss", "1", "--reason", "boring", *c)
    assert code == 2
    code, _, err = run("handle", "4242", *c)
    assert code == 1 and "no alert with id 4242" in err


def test_spikes_command_without_history(config_path: Path) -> None:
    code, out, _ = run("spikes", "--at", "2021-01-20T12:00", "--config", str(config_path))
    assert code == 0 and out.startswith("No spikes at 2021-01-20 12:00 UTC")
    code, out, _ = run("spikes", "--format", "json", "--config", str(config_path))
    assert code == 0 and out == ""
