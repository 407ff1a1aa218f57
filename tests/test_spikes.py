"""Spike detection on generated hourly series with a weekly rhythm (digest.spikes).

The series follow a working week (busy weekday office hours, quiet nights and weekends)
with Poisson noise. A burst injected into the last hours is found, with its explanation;
the weekly rhythm alone, at any hour of the week, is not — although a flat average over
all hours would call every weekday morning a spike.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from digest.spikes import ALL_SOURCES, Post, SpikeSettings, detect_spikes, top_terms

# A Monday, noon: the window (09:00-12:00) is the busiest time of the week.
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
WEEKS = 5
TEXTS = (
    "love the new dark mode",
    "how do I export my data",
    "the app is fine I guess",
    "support answered quickly, thanks",
    "pricing page is confusing",
)


def hourly_rate(at: datetime) -> float:
    """Expected mentions per hour for one source: office hours busy, nights quiet."""
    if at.weekday() >= 5:
        return 0.6
    if 9 <= at.hour < 17:
        return 4.0
    if 7 <= at.hour < 22:
        return 1.2
    return 0.2


def weekly_series(
    seed: int, *, brand: str = "Acme", end: datetime = NOW, negative_share: float = 0.15
) -> list[Post]:
    rng = np.random.default_rng(seed)
    posts: list[Post] = []
    start = end - timedelta(weeks=WEEKS)
    hours = int((end - start).total_seconds() // 3600)
    next_id = 1
    for h in range(hours):
        at = start + timedelta(hours=h)
        for source in ("reddit", "appstore"):
            for k in range(int(rng.poisson(hourly_rate(at)))):
                posts.append(
                    Post(
                        next_id,
                        brand,
                        source,
                        at + timedelta(minutes=int(rng.integers(0, 60))),
                        bool(rng.random() < negative_share),
                        TEXTS[(next_id + k) % len(TEXTS)],
                    )
                )
                next_id += 1
    return posts


def burst(
    brand: str, count: int, *, negative: float, start_id: int = 100_000, end: datetime = NOW
) -> list[Post]:
    """``count`` posts spread over the last two hours, ``negative`` of them negative."""
    return [
        Post(
            start_id + i,
            brand,
            "reddit",
            end - timedelta(minutes=5 + (i * 110) // count),
            i < round(negative * count),
            "Acme outage again, cannot login since the update" if i % 2 else "login down, outage",
        )
        for i in range(count)
    ]


def test_the_weekly_rhythm_alone_is_not_a_spike() -> None:
    for seed in range(6):
        assert detect_spikes(weekly_series(seed), now=NOW, own_brands={"Acme"}) == []


def test_false_alarms_are_rare_at_every_hour_of_the_week() -> None:
    """432 checks (6 series, every 7 hours of a week, the brand and each source): a steady
    series with Poisson noise gives at most one finding (measured: one, a 16-mention
    window on one source where the usual is about 6, chance about 1 in 1,000)."""
    found = []
    checks = 0
    for seed in range(6):
        series = weekly_series(seed, end=NOW + timedelta(days=7))  # later posts are ignored
        for step in range(0, 7 * 24, 7):  # every 7 hours: every hour of the day over the week
            end = NOW + timedelta(hours=step)
            found += detect_spikes(series, now=end, own_brands={"Acme"})
            checks += 3
    assert checks == 432 and len(found) <= 1, found


def test_a_flat_baseline_would_have_called_monday_morning_a_spike() -> None:
    """The test above has teeth: the window really is far above the average hour."""
    posts = weekly_series(1)
    window = [p for p in posts if NOW - timedelta(hours=3) <= p.at < NOW]
    flat_mean = len(posts) / (WEEKS * 7 * 24) * 3
    assert len(window) > 2 * flat_mean and len(window) > flat_mean + 3 * flat_mean**0.5
    assert detect_spikes(posts, now=NOW, own_brands={"Acme"}) == []


def test_a_burst_of_complaints_is_found_and_explains_itself() -> None:
    posts = weekly_series(2) + burst("Acme", 45, negative=0.7)
    findings = detect_spikes(posts, now=NOW, own_brands={"Acme"}, brand_terms={"Acme": ["Acme"]})
    kinds = {(f.source, f.kind) for f in findings}
    assert kinds == {(ALL_SOURCES, "volume"), (ALL_SOURCES, "negative_share")}, findings
    volume = next(f for f in findings if f.kind == "volume")
    assert volume.category == "risk" and volume.weeks == 4
    assert volume.now_count >= 45 and volume.baseline_mean < volume.now_count / 2
    assert {"outage", "login"} <= set(volume.top_terms) and "acme" not in volume.top_terms
    negatives = {p.mention_id for p in posts if p.negative}
    assert len(volume.example_ids) == 3 and set(volume.example_ids) <= negatives
    text = volume.summary
    assert "at this hour of the week over 4 weeks" in text and "top terms: " in text
    share = next(f for f in findings if f.kind == "negative_share")
    assert share.now_share > share.baseline_share + 0.25
    assert "negative (" in share.summary and "Opportunity" not in share.summary


def test_a_competitors_spike_is_an_opportunity_never_an_apology() -> None:
    posts = weekly_series(3, brand="Globex") + burst("Globex", 45, negative=0.7)
    findings = detect_spikes(posts, now=NOW, own_brands={"Acme"})
    assert findings and {f.category for f in findings} == {"opportunity"}
    for f in findings:
        assert f.summary.startswith("Opportunity — Globex (competitor)")
        assert "apolog" not in f.summary.lower() and "never gloat" in f.summary


def test_one_source_spiking_is_reported_for_that_source_when_the_brand_total_is_not() -> None:
    settings = SpikeSettings(min_volume=8)
    posts = weekly_series(4)
    quiet_source = [
        Post(200_000 + i, "Acme", "trustpilot", NOW - timedelta(minutes=10 + i * 9), True, "refund")
        for i in range(12)
    ]
    # trustpilot never had a mention at this hour before: a new source of talk
    history = [
        Post(300_000 + w, "Acme", "trustpilot", NOW - timedelta(weeks=w, hours=30), False, "ok")
        for w in range(1, 5)
    ]
    findings = detect_spikes(
        posts + quiet_source + history, now=NOW, own_brands={"Acme"}, settings=settings
    )
    assert ("trustpilot", "volume") in {(f.source, f.kind) for f in findings}


def test_cooldown_and_too_little_history() -> None:
    posts = weekly_series(5) + burst("Acme", 45, negative=0.7)
    first = detect_spikes(posts, now=NOW, own_brands={"Acme"})
    assert first
    last = {f.key: NOW - timedelta(hours=2) for f in first}
    assert detect_spikes(posts, now=NOW, own_brands={"Acme"}, last_reported=last) == []
    later = {f.key: NOW - timedelta(hours=30) for f in first}
    assert detect_spikes(posts, now=NOW, own_brands={"Acme"}, last_reported=later)
    one_week = [p for p in posts if p.at >= NOW - timedelta(days=8)]
    assert detect_spikes(one_week, now=NOW, own_brands={"Acme"}) == [], "no baseline yet"


@pytest.mark.parametrize("limit", [1, 3])
def test_top_terms_skip_stop_words_and_the_brand(limit: int) -> None:
    texts = ["The Acme app crashes", "Acme crashes at login", "login crashes the app"]
    assert (
        top_terms(texts, exclude=["Acme"], limit=limit) == ["app", "crashes", "login"][:limit]
        or top_terms(texts, exclude=["Acme"], limit=limit)[0] == "crashes"
    )
