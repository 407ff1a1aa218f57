"""The one intake path: checks, brand assignment and storage shared by listeners and crawls.

Pages and items come from the saved real pages in tests/fixtures/pages (see its README)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from brandpulse.intake import Intake
from domain.records import InvalidRecord, Mention, SkipReason, check_mention
from domain.terms import BrandTerms
from storage import Repository

PAGES = Path(__file__).parent / "fixtures" / "pages"
BASE = Mention(source="s", external_id="R1", url="https://a.example/r", text="ok")


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    [
        ({"rating": 7.0}, SkipReason.INVALID, "outside 1-5"),
        ({"published_at": datetime(2024, 3, 1)}, SkipReason.INVALID, "no zone"),
        ({"text": " ", "title": ""}, SkipReason.DELETED, "deleted or empty"),
        ({"text": "[deleted]", "title": ""}, SkipReason.DELETED, "deleted or empty"),
        ({"text": "[removed]", "title": "Why I left"}, SkipReason.DELETED, "deleted"),
        ({"url": "ftp://x"}, SkipReason.INVALID, "not http"),
        ({"url": "javascript:alert(1)"}, SkipReason.INVALID, "not http"),
        ({"external_id": " "}, SkipReason.INVALID, "without an id"),
        ({"engagement": -1}, SkipReason.INVALID, "negative engagement"),
    ],
)
def test_check_rejects_with_a_reason(
    change: dict[str, Any], reason: SkipReason, message: str
) -> None:
    with pytest.raises(InvalidRecord, match=message) as caught:
        check_mention(replace(BASE, **change))
    assert caught.value.reason is reason


def test_check_cleans_what_would_break_storage_or_digests() -> None:
    dirty = replace(
        BASE,
        text="bad\x00 item \ud800 with \u202eoverride\ttab\nline",
        author="Eve\r\nBcc: x@y",
        published_at=datetime(2024, 3, 1, 12, tzinfo=UTC),
    )
    clean = check_mention(dirty)
    assert clean.text == "bad item \ufffd with override\ttab\nline"
    assert clean.author == "Eve Bcc: x@y"  # no line break survives in a one-line field
    long = check_mention(replace(BASE, text="x" * 100_001))
    assert len(long.text) == 100_000 and long.extra["truncated"] is True


def test_intake_fixes_review_brands_matches_articles_and_counts_skips(repo: Repository) -> None:
    repo.sync_brands([("Acme", True), ("Volta", False)])
    repo.sync_source("s", "crawl:article")
    intake = Intake(
        repo,
        [BrandTerms("Acme", ("Acme Energie", "Acme Energy")), BrandTerms("Volta", ("Volta",))],
    )
    records = [
        replace(BASE, external_id="a1", text="Acme Energie erhöht die Abschläge."),
        replace(BASE, external_id="a2", text="Nur Wetter heute."),
        replace(BASE, external_id="a3", text="[removed]"),
        replace(BASE, external_id="a4", text="Volta und Acme Energy im Test.", rating=9.0),
    ]
    report = intake.admit("s", records)
    assert (report.seen, report.stored, report.accepted) == (4, 1, 1)
    assert report.skipped == {
        SkipReason.OFF_BRAND: 1,
        SkipReason.DELETED: 1,
        SkipReason.INVALID: 1,
    }
    assert any("rating 9.0" in p for p in report.problems)
    assert [m.brands for m in repo.mentions()] == [("Acme",)]

    again = intake.admit("s", records[:1])  # a re-run stores nothing twice
    assert (again.stored, again.skipped[SkipReason.DUPLICATE]) == (0, 1)

    review = replace(BASE, external_id="r1", text="Rattles.", rating=2.0)
    fixed = intake.admit("s", [review], fixed_brand="Volta")
    assert fixed.stored == 1
    unbranded = replace(BASE, external_id="r2", text="Rattles too.", rating=1.0)
    assert intake.admit("s", [unbranded]).skipped == {SkipReason.OFF_BRAND: 1}
    kept = intake.admit("s", [unbranded], keep_unbranded=True)
    assert kept.stored == 1
    by_id = {m.external_id: m.brands for m in repo.mentions()}
    assert by_id["r1"] == ("Volta",) and by_id["r2"] == ()


def test_one_record_the_database_refuses_does_not_cost_the_others(repo: Repository) -> None:
    repo.sync_brands([("Acme", True)])
    repo.sync_source("s", "feed")
    intake = Intake(repo, [BrandTerms("Acme", ("Acme",))])
    good = replace(BASE, external_id="g1", text="Acme is fine.")
    # an upstream count no integer column holds (SQLite and PostgreSQL both refuse it)
    bad = replace(BASE, external_id="b1", text="Acme broke.", engagement=10**20)
    report = intake.admit("s", [good, bad], cursor={"since": "t1"})
    assert report.stored == 1 and report.skipped[SkipReason.INVALID] == 1
    assert report.error is None
    assert "b1" in report.problems[0] and "refused by the database" in report.problems[0]
    assert repo.get_cursor("s") == {"since": "t1"}  # the run still counts and moves on


def test_nul_and_surrogates_from_a_feed_are_stored_clean_on_both_databases(
    repo: Repository,
) -> None:
    """A NUL byte (PostgreSQL refuses it) or a lone surrogate (SQLite's UTF-8 codec refuses
    it) in one item used to crash the run before analysis; now the item is cleaned."""
    repo.sync_brands([("Acme", True)])
    repo.sync_source("s", "feed")
    intake = Intake(repo, [BrandTerms("Acme", ("Acme",))])
    hostile = replace(
        BASE,
        external_id="n1",
        title="Acme\x00 outage",
        text="Acme is down \ud83d again\x00",
        author="bot\x00",
        language="en\x00",
        extra={"raw": "a\x00b"},
    )
    report = intake.admit("s", [hostile])
    assert (report.stored, report.error) == (1, None)
    (stored,) = repo.mentions()
    assert stored.title == "Acme outage" and stored.text == "Acme is down \ufffd again"
    assert (stored.author, stored.language) == ("bot", "en")
