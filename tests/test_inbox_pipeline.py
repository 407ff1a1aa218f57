"""The inbox inside a cycle: the digest's worth-a-look and spike sections, alerts handled
in the inbox left out of the digest, spikes found in stored mentions with a cooldown."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from inbox_data import NOW, googleplay_mentions, load, make_config

from brandpulse.inbox import Inbox, digest_spikes, find_spikes, raise_alerts, record_spikes
from brandpulse.pipeline import Pipeline
from digest.build import SpikeNote, build_alert_digest
from digest.render import render_alert_digest
from storage import Mention, Repository
from storage.repo import AnalysisInput


def test_digest_sections_for_worth_a_look_and_handled_alerts(
    repo: Repository, tmp_path: Path, database_url: str
) -> None:
    config = make_config(tmp_path, database_url)
    ids = load(repo)
    raise_alerts(config, repo, now=NOW)
    box = Inbox(config, repo, now=lambda: NOW)
    items = {i.mention.id: i for i in box.items(state="all")}
    box.handle(items[ids["ラグが酷すぎる"]].alert_id, by="kim", note="answered")
    pipeline = Pipeline(config, repo=repo, now=lambda: NOW)
    count, _outcomes, _files = pipeline.deliver()
    text = (tmp_path / "out" / "digest.txt").read_text(encoding="utf-8")
    html = (tmp_path / "out" / "digest.html").read_text(encoding="utf-8")
    replies = text.split("NEEDS A PUBLIC REPLY", 1)[1].split("WORTH A LOOK", 1)[0]
    look = text.split("WORTH A LOOK", 1)[1].split("SAY THANK YOU", 1)[0]
    assert "Twitter is just very buggy application" in replies
    assert "そのままだけどラグが酷い" not in text, "handled in the inbox: not in the digest"
    assert "The app keeps crashing" in look and "There's a bit more to it" in look
    assert "The app keeps crashing" not in replies
    assert "<h2>Worth a look</h2>" in html and "brandpulse inbox --state watch" in html
    assert count == 7, "every pending alert counts as delivered, handled ones included"
    pipeline.deliver()
    again = (tmp_path / "out" / "digest.txt").read_text(encoding="utf-8")
    assert "WORTH A LOOK" not in again and "No new negative mentions" in again


def test_spike_and_opportunity_sections_are_escaped() -> None:
    digest = build_alert_digest(
        title="t",
        alerts=[],
        thank_you=[],
        health=[],
        silent=[],
        now=NOW,
        spikes=[
            SpikeNote("risk", "Acme: 40 mentions <b>now</b>"),
            SpikeNote("opportunity", "Opportunity — Globex (competitor): 70% negative"),
        ],
    )
    doc = render_alert_digest(digest)
    assert "SPIKES" in doc.text and "! Acme: 40 mentions <b>now</b>" in doc.text
    assert "+ Opportunity — Globex" in doc.text
    assert "&lt;b&gt;now&lt;/b&gt;" in doc.html and "<b>now</b>" not in doc.html
    assert '<li class="opportunity"><strong>Opportunity:</strong>' in doc.html


def test_spikes_in_stored_mentions_with_cooldown(
    repo: Repository, tmp_path: Path, database_url: str
) -> None:
    """Four weeks with two mentions in the same Wednesday hours, then a burst of twelve
    1-2 star reviews (real texts, stored under new ids) in the last hours."""
    config = make_config(tmp_path, database_url)
    repo.sync_brands([("Twitter", True), ("REALITY", True), ("Apple", False)])
    repo.sync_source("googleplay-twitter", "googleplay")
    reviews = [m for m in googleplay_mentions() if (m.rating or 5) <= 2]
    stored: list[Mention] = []
    for week in range(1, 5):
        for k in range(2):
            base = reviews[k % len(reviews)]
            stored.append(
                Mention(
                    **{
                        **{n: getattr(base, n) for n in Mention.__slots__},  # type: ignore[attr-defined]
                        "external_id": f"{base.external_id}-w{week}-{k}",
                        "published_at": NOW - timedelta(weeks=week, hours=1 + k),
                    }
                )
            )
    for k in range(12):
        base = reviews[k % len(reviews)]
        stored.append(
            Mention(
                **{
                    **{n: getattr(base, n) for n in Mention.__slots__},  # type: ignore[attr-defined]
                    "external_id": f"{base.external_id}-now-{k}",
                    "published_at": NOW - timedelta(minutes=10 + 12 * k),
                }
            )
        )
    repo.save_mentions("googleplay-twitter", stored)
    repo.save_analyses(
        [
            AnalysisInput(m.id, "negative", -0.7, 0.9, "en", "fixture@1")
            for m in repo.mentions()
            if "-now-" in m.external_id
        ]
        + [
            AnalysisInput(m.id, "neutral", 0.0, 0.9, "en", "fixture@1")
            for m in repo.mentions()
            if "-w" in m.external_id
        ]
    )
    findings = find_spikes(config, repo, now=NOW)
    assert {(f.brand, f.source, f.kind) for f in findings} == {
        ("Twitter", "*", "volume"),
        ("Twitter", "*", "negative_share"),
    }
    volume = next(f for f in findings if f.kind == "volume")
    # the oldest week starts before the first stored mention: it is not counted as history
    assert volume.now_count == 12 and volume.baseline_mean == 2.0 and volume.weeks == 3
    assert {"crashing", "app"} & set(volume.top_terms)
    assert record_spikes(config, repo, now=NOW) == findings
    assert record_spikes(config, repo, now=NOW + timedelta(hours=1)) == [], "cooldown"
    notes = digest_spikes(repo, now=NOW + timedelta(hours=1))
    assert [n.category for n in notes] == ["risk", "risk"]
    assert any("12 mentions in the last 3 h on all sources" in n.summary for n in notes)
