"""Digest building and rendering: ranking, HEARD outlines, escaping of scraped text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from digest.build import build_alert_digest, snippet
from digest.deliver import target_key, write_files
from digest.render import render_alert_digest
from digest.replies import mention_kind, reply_outline
from digest.urgency import urgency
from storage.records import AlertItem, SourceHealth, StoredMention

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def stored(**overrides: object) -> StoredMention:
    values: dict[str, object] = dict(
        id=7,
        source="reddit",
        external_id="t3_x",
        url="https://example.com/p?a=1&b=2",
        author="kim",
        title="",
        text="Acme lost my order. Support never answered!",
        published_at=NOW - timedelta(hours=2),
        collected_at=NOW,
        brands=("Acme",),
        rating=None,
        engagement=None,
        comment_count=None,
        author_followers=None,
        content_hash="h",
        language="en",
        label="negative",
        score=-0.7,
        confidence=0.9,
        model="vader@3.3.2",
        topic=None,
        overridden=False,
    )
    values.update(overrides)
    return StoredMention(**values)  # type: ignore[arg-type]


def test_urgency_ranks_reach_freshness_and_bad_ratings() -> None:
    base = urgency(stored(), now=NOW)
    assert urgency(stored(engagement=5000, comment_count=300), now=NOW) > base
    assert urgency(stored(published_at=NOW - timedelta(days=5)), now=NOW) < base
    assert urgency(stored(rating=1.0), now=NOW) > base
    assert urgency(stored(score=-0.1, confidence=0.3), now=NOW) < base


def test_reply_outline_follows_heard_and_language() -> None:
    steps = reply_outline(stored(language="bg", text="Ужасно обслужване. Никога повече."))
    assert [s.step for s in steps] == ["Hear", "Empathize", "Apologize", "Resolve", "Diagnose"]
    assert "Ужасно обслужване." in steps[0].advice
    assert "Reply in Bulgarian" in steps[3].advice


def health(name: str, kind: str) -> SourceHealth:
    return SourceHealth(name, kind, True, None, NOW, NOW, 10, None, None, 0, 3600)


def test_kind_of_mention_follows_rating_then_source_type() -> None:
    assert mention_kind(stored(), "reddit") == "post"
    assert mention_kind(stored(), "feed") == "article"
    assert mention_kind(stored(), "crawl:article") == "article"
    assert mention_kind(stored(), "crawl:trustpilot") == "review"
    assert mention_kind(stored(rating=2.0), "feed") == "review"  # rated: a review anywhere
    assert mention_kind(stored(), None) == "post"  # unknown: someone to answer
    assert mention_kind(stored(), "crawl:reviews") == "review"
    # a rated crawled article is a journalist's verdict, never a customer to apologise to
    assert mention_kind(stored(rating=2.0), "crawl:article") == "article"


def test_review_outline_names_where_to_answer_and_the_rating() -> None:
    steps = reply_outline(stored(rating=1.0), kind="review", source_type="googleplay")
    assert [s.step for s in steps] == ["Hear", "Empathize", "Apologize", "Resolve", "Diagnose"]
    assert "rated you 1/5" in steps[0].advice
    assert "Google Play Console" in steps[3].advice


def test_articles_get_a_press_routine_not_a_public_apology() -> None:
    # Real Google Alerts entry (brandpulse/demo_data/feeds/google_alerts_atom.xml).
    article = stored(
        source="google-alerts-slack",
        author="",
        title="Latest research shows Microsoft Teams is stomping Slack",
        text="A new survey by market research firm ETR has shown that enterprise "
        "collaboration software Slack is losing ground to Microsoft Teams, especially with ...",
    )
    digest = build_alert_digest(
        title="T",
        alerts=[
            AlertItem(1, "Slack", 50.0, NOW, article),
            AlertItem(2, "Slack", 40.0, NOW, stored(id=8)),
        ],
        thank_you=[],
        health=[health("google-alerts-slack", "feed"), health("reddit", "reddit")],
        silent=[],
        now=NOW,
    )
    press, post = (a.reply_outline for a in digest.alerts)
    assert [s.step for s in press] == ["Read", "Verify", "Respond", "Brief", "Track"]
    assert not any("Apologize" in s.step for s in press)
    assert "Do not apologise in public" in press[1].advice
    assert "Slack is losing ground" in press[0].advice
    assert [s.step for s in post][2] == "Apologize"
    assert "same thread" in post[3].advice
    assert "from example.com" in press[0].advice  # the outlet, from the article's URL

    doc = render_alert_digest(digest)
    assert doc.subject == "T: 1 negative mention to answer, 1 negative article to check"
    replies, coverage = doc.text.split("NEGATIVE PRESS AND BLOG COVERAGE TO CHECK")
    assert "Acme lost my order" in replies and "stomping" not in replies
    assert "stomping Slack" in coverage and "Acme lost my order" not in coverage
    assert "Negative press and blog coverage to check" in doc.html
    only_press = build_alert_digest(
        title="T",
        alerts=[AlertItem(1, "Slack", 50.0, NOW, article)],
        thank_you=[],
        health=[health("google-alerts-slack", "feed")],
        silent=[],
        now=NOW,
    )
    text = render_alert_digest(only_press).text
    assert "No customer post or review needs a reply." in text
    assert "No new negative mentions" not in text


def test_snippet_cuts_on_a_word() -> None:
    text = "word " * 100
    cut = snippet(stored(text=text), limit=50)
    assert len(cut) <= 52 and cut.endswith("…") and "wor …" not in cut


def test_html_escapes_scraped_text_but_text_keeps_it() -> None:
    evil = stored(text='<script>alert("x")</script> Acme is broken', author="<img src=x onerror=1>")
    digest = build_alert_digest(
        title="T",
        alerts=[AlertItem(1, "Acme", 80.0, NOW, evil)],
        thank_you=[stored(id=8, label="positive", score=0.9, text="Love <b>Acme</b>")],
        health=[],
        silent=[],
        now=NOW,
    )
    doc = render_alert_digest(digest)
    assert "<script>" not in doc.html and "&lt;script&gt;" in doc.html
    assert "<img src=x" not in doc.html
    assert "<b>Acme</b>" not in doc.html
    assert '<script>alert("x")</script>' in doc.text
    assert "https://example.com/p?a=1&amp;b=2" in doc.html
    assert doc.subject == "T: 1 negative mention to answer"
    assert "Hear:" in doc.text and "Diagnose" in doc.html


def test_source_warnings_reach_the_digest() -> None:
    health = [
        SourceHealth(
            "reddit",
            "reddit",
            False,
            "REDDIT_CLIENT_ID not set",
            None,
            None,
            None,
            None,
            None,
            0,
            1800,
        ),
        SourceHealth(
            "news", "feed", True, None, NOW, NOW - timedelta(days=1), 0, "HTTP 503", NOW, 4, 1800
        ),
        SourceHealth(
            "blog", "feed", True, None, NOW, NOW - timedelta(days=2), 3, None, None, 0, 1800
        ),
    ]
    digest = build_alert_digest(
        title="T", alerts=[], thank_you=[], health=health, silent=["blog"], now=NOW
    )
    text = render_alert_digest(digest).text
    assert "reddit: disabled — REDDIT_CLIENT_ID not set" in text
    assert "news: failing (4 run(s) in a row) — HTTP 503" in text
    assert "blog: no successful run for longer than expected" in text
    assert "No new negative mentions" in text


def test_files_are_written_with_archive(tmp_path) -> None:  # type: ignore[no-untyped-def]
    doc = render_alert_digest(
        build_alert_digest(title="D", alerts=[], thank_you=[], health=[], silent=[], now=NOW)
    )
    paths = write_files(doc, output_dir=tmp_path, stem="digest", now=NOW)
    assert [p.name for p in paths] == ["digest.html", "digest.txt"]
    assert (tmp_path / "archive" / "digest-20261122T120000Z.txt").exists()


def test_target_key_hides_secrets() -> None:
    key = target_key("slack://TokenA/TokenB/TokenC/#general")
    assert "Token" not in key and key.startswith("slack://")
    assert target_key("mailto://user:pw@example.com") != target_key("mailto://other:pw@example.com")
