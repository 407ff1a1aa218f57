"""Correcting a label from the inbox (the web queue's "correct the label"): the human label
wins, the alert keeps its state, and the history says who did it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from inbox_data import NOW, load, make_config

from brandpulse.inbox import Inbox, InboxError, raise_alerts
from storage import Repository


def test_relabel_is_recorded_and_wins(repo: Repository, tmp_path: Path, database_url: str) -> None:
    config = make_config(tmp_path, database_url)
    ids = load(repo)
    raise_alerts(config, repo, now=NOW)
    box = Inbox(config, repo, now=lambda: NOW)
    item = next(i for i in box.items(state="all") if i.mention.id == ids["Dexydexa"])
    assert item.label == "negative"
    after = box.relabel(item.alert_id, label="neutral", by="kim", note="a question")
    assert (after.label, after.state) == ("neutral", item.state)
    last = box.history(item.alert_id)[-1]
    assert (last.actor, last.action, last.details["label"], last.details["was"]) == (
        "kim",
        "relabel",
        "neutral",
        "negative",
    )
    assert "relabel" in [e.action for e in box.changes_since(NOW - timedelta(seconds=1))]
    assert box.changes_since(NOW) == []
    with pytest.raises(InboxError, match="choose from"):
        box.relabel(item.alert_id, label="angry", by="kim")
    with pytest.raises(InboxError, match="no alert"):
        box.relabel(999_999, label="neutral", by="kim")
