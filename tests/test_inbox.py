"""The alert inbox on real reviews and posts: which alerts are raised (the rating rule,
the confidence floor), their reasons and SLA clocks, the lifecycle with its history,
learning from dismissals, and escalation hooks. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from inbox_data import NOW, load, make_config

from brandpulse.inbox import Inbox, InboxError, brand_training_rows, parse_when, raise_alerts
from domain.text import model_text
from storage import Repository
from storage.inbox import InboxStore


@pytest.fixture
def loaded(repo: Repository, tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    config = make_config(tmp_path, database_url)
    ids = load(repo)
    raised = raise_alerts(config, repo, now=NOW)
    box = Inbox(config, repo, now=lambda: NOW)
    return config, repo, ids, raised, box


def by_mention(box: Inbox, state: str = "all") -> dict[int, object]:
    return {i.mention.id: i for i in box.items(state=state)}


def test_alerts_follow_the_rating_rule_and_the_confidence_floor(loaded) -> None:  # type: ignore[no-untyped-def]
    _config, _repo, ids, raised, box = loaded
    items = by_mention(box)
    assert ids["hayzel"] not in items, "a 5-star review never raises an alert"
    assert ids["神アプリ"] not in items
    crazy = items[ids["Crazy Diamond"]]
    assert (crazy.state, crazy.label, crazy.source_kind) == ("open", "negative", "review")
    dexy = items[ids["Dexydexa"]]
    assert (dexy.state, dexy.label) == ("open", "negative"), "1 star: negative, neutral text"
    assert dexy.reasons[0] == "rated 1/5: a negative review"
    aeo = items[ids["Aeo P"]]
    assert (aeo.state, aeo.label, aeo.mismatch) == ("watch", "positive", True)
    assert "clearly positive" in (aeo.watch_reason or "")
    stalking = items[ids["ストーキング機能を消して…"]]
    assert stalking.state == "open", "stars decide: the confidence floor does not hold it"
    hn = items[ids["bhickey"]]
    assert hn.state == "watch" and "low confidence (0.42 < 0.50)" in (hn.watch_reason or "")
    assert hn.sla_due_at is None
    assert raised == 7
    # the open queue: no watch items, no 4-5 star reviews, most urgent first
    open_items = box.items(state="open")
    assert {i.state for i in open_items} == {"open"}
    assert all((i.mention.rating or 0) < 4 for i in open_items)
    urgencies = [i.urgency for i in open_items]
    assert urgencies == sorted(urgencies, reverse=True)


def test_each_alert_says_why_and_when_it_is_due(loaded) -> None:  # type: ignore[no-untyped-def]
    _config, _repo, ids, _raised, box = loaded
    crazy = by_mention(box)[ids["Crazy Diamond"]]
    assert crazy.sla_due_at == NOW + timedelta(hours=24)
    assert not crazy.overdue
    assert "rated 2/5: a negative review" in crazy.reasons
    assert any(r.startswith("reach 2,092") for r in crazy.reasons)
    assert "review (public, permanent)" in crazy.reasons
    c = crazy.components
    assert c["source"] == 1.2 and c["rating"] == 0.3 and c["reach"] > 4
    expected = c["negativity"] * c["reach"] * c["freshness"] * c["velocity"] * c["source"] * 100
    assert crazy.urgency == pytest.approx(expected, rel=1e-3)
    later = Inbox(box.config, box.repo, now=lambda: NOW + timedelta(hours=25))
    overdue = later.items(state="open")
    assert overdue and all(i.overdue for i in overdue if i.sla_due_at is not None)
    assert "OVERDUE" in overdue[0].due_text()


def test_the_lifecycle_is_recorded_with_who_did_what(loaded) -> None:  # type: ignore[no-untyped-def]
    _config, _repo, ids, _raised, box = loaded
    alert = by_mention(box)[ids["Crazy Diamond"]].alert_id
    box.assign(alert, to="maria", by="kim")
    snoozed = box.snooze(alert, until=NOW + timedelta(hours=2), by="maria")
    assert snoozed.state == "snoozed" and alert not in {i.alert_id for i in box.items()}
    assert alert in {i.alert_id for i in box.items(state="snoozed")}
    # the snooze ends: back to the person who had it
    later = Inbox(box.config, box.repo, now=lambda: NOW + timedelta(hours=3))
    back = later.item(alert)
    assert (back.state, back.assignee) == ("assigned", "maria")
    done = later.handle(alert, by="maria", note="replied on Google Play, ticket 4411")
    assert (done.state, done.closed_by, done.note) == ("handled", "maria", done.note)
    with pytest.raises(InboxError, match="is handled: cannot handle it"):
        later.handle(alert, by="maria")
    with pytest.raises(InboxError, match="no alert with id 999"):
        later.assign(999, to="x", by="kim")
    history = [(e.actor, e.action) for e in later.history(alert)]
    assert history == [
        ("brandpulse", "raised"),
        ("kim", "assign"),
        ("maria", "snooze"),
        ("brandpulse", "woke"),
        ("maria", "handle"),
    ]
    assert later.history(alert)[-1].details == {"note": "replied on Google Play, ticket 4411"}
    reopened = later.reopen(alert, by="kim")
    assert reopened.state == "assigned" and reopened.closed_by is None


def test_dismissals_teach_labels_and_brand_terms(loaded) -> None:  # type: ignore[no-untyped-def]
    _config, repo, ids, _raised, box = loaded
    items = by_mention(box)
    box.dismiss(items[ids["Dexydexa"]].alert_id, reason="not-negative", by="kim", label="neutral")
    corrected = repo.mentions(ids=[ids["Dexydexa"]])[0]
    assert corrected.overridden and corrected.label == "neutral"
    hn = items[ids["bhickey"]]
    dismissed = box.dismiss(hn.alert_id, reason="not-our-brand", by="kim", note="poker talk")
    assert (dismissed.state, dismissed.dismiss_reason) == ("dismissed", "not-our-brand")
    rows = brand_training_rows(repo)
    assert [(r["task"], r["brand"], r["match"], r["mention_id"]) for r in rows] == [
        ("brand", "Apple", False, ids["bhickey"])
    ]
    assert box.items(state="dismissed")[0].dismiss_reason in ("not-negative", "not-our-brand")
    with pytest.raises(InboxError, match="choose from"):
        box.dismiss(items[ids["Crazy Diamond"]].alert_id, reason="boring", by="kim")


def test_exclude_suggestions_read_the_text_the_brand_matcher_read(  # type: ignore[no-untyped-def]
    loaded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Title and text are joined once (domain.text.model_text): the learning from
    dismissals used its own "title text" join, unlike the matcher it corrects."""
    import brandpulse.inbox

    _config, repo, ids, _raised, box = loaded
    hn = by_mention(box)[ids["bhickey"]]
    box.dismiss(hn.alert_id, reason="not-our-brand", by="kim")
    seen: list[tuple[int, str]] = []

    def spy(brand, terms, dismissed, kept, **kwargs):  # type: ignore[no-untyped-def]
        seen.extend(dismissed)
        return []

    monkeypatch.setattr(brandpulse.inbox, "suggest_excludes", spy)
    assert box.exclude_suggestions("Apple") == []
    (mention,) = repo.mentions(ids=[ids["bhickey"]])
    assert mention.title and seen == [(mention.id, model_text(mention.title, mention.text))]


def test_escalation_hooks_for_the_delivery_step(loaded) -> None:  # type: ignore[no-untyped-def]
    _config, repo, _ids, _raised, box = loaded
    store = InboxStore(repo.engine)
    assert store.overdue_unescalated(NOW) == []
    late = NOW + timedelta(hours=30)
    due = store.overdue_unescalated(late)
    assert due and {s.state for s in due} == {"open"}
    assert all(s.sla_due_at is not None and s.sla_due_at <= late for s in due)
    first = due[0].alert_id
    assert store.mark_escalated(first, now=late) is True
    assert store.mark_escalated(first, now=late) is False, "escalated once"
    assert first not in {s.alert_id for s in store.overdue_unescalated(late)}
    box.handle(due[1].alert_id, by="kim")
    assert due[1].alert_id not in {s.alert_id for s in store.overdue_unescalated(late)}


def test_nothing_is_raised_twice(loaded) -> None:  # type: ignore[no-untyped-def]
    config, repo, _ids, _raised, _box = loaded
    assert raise_alerts(config, repo, now=NOW) == 0
    assert raise_alerts(config, repo, now=NOW + timedelta(hours=1)) == 0


def test_exclude_suggestion_from_not_our_brand_dismissals() -> None:
    from digest.inbox import suggest_excludes

    dismissed = [
        (1, "Bought an Apple pie at the market, best apple pie in town"),
        (2, "Grandma's apple pie recipe with cinnamon"),
        (3, "Apple cider season is here"),
    ]
    kept = ["Apple released a new iPhone", "The Apple store was busy", "apple watch strap broke"]
    found = suggest_excludes("Apple", ["Apple"], dismissed, kept)
    assert found[0].phrase == "apple pie" and found[0].dismissed == 2 and found[0].kept == 0
    assert found[0].example_ids == (1, 2)
    assert "apple store" not in {s.phrase for s in found}
    assert (
        suggest_excludes("Apple", ["Apple"], dismissed, kept, existing=["apple pie"])[0].phrase
        != "apple pie"
    )


def test_parse_when() -> None:
    assert parse_when("2h", now=NOW) == NOW + timedelta(hours=2)
    assert parse_when("1d12h", now=NOW) == NOW + timedelta(days=1, hours=12)
    assert parse_when("1w", now=NOW) == NOW + timedelta(weeks=1)
    assert parse_when("2021-01-22T09:00", now=NOW).isoformat() == "2021-01-22T09:00:00+00:00"
    with pytest.raises(InboxError, match="duration such as 2h"):
        parse_when("tomorrow-ish", now=NOW)
    with pytest.raises(InboxError, match="not in the future"):
        parse_when("2020-01-01", now=NOW)


def test_training_data_lines_for_brands_are_skipped_by_sentiment_training(tmp_path: Path) -> None:
    from sentiment.datasets import load_jsonl_labels

    path = tmp_path / "corrections.jsonl"
    rows = [
        {"text": "great", "label": "positive", "language": "en", "mention_id": 1, "source": "x"},
        {"task": "brand", "text": "apple pie", "brand": "Apple", "match": False},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert load_jsonl_labels(path).texts == ("great",)
