"""Brand matching: terms, exclusions, word boundaries, case and language filters."""

from __future__ import annotations

from listeners.matching import BrandMatcher, BrandTerms

APPLE = BrandTerms("Apple", ("Apple", "iPhone"), exclude=("apple pie", "apple juice"))
SLACK = BrandTerms("Slack", ("Slack",), exclude=("automotive slack", "slack adjuster"))
DISCORD = BrandTerms("Discord", ("Discord",), case_sensitive=True)
ONLY_BG = BrandTerms("Acme", ("Acme", "Акме"), languages=("bg",))


def test_terms_exclusions_and_boundaries() -> None:
    m = BrandMatcher([APPLE, SLACK, DISCORD])
    assert m.match("I baked an apple pie") == ()
    assert m.match("apple pie, then my new iPhone") == ("Apple",)
    assert m.match("Apple pie and Apple's earnings") == ("Apple",)
    assert m.match("slacking off") == ()
    # Real Google Alerts titles from the "Slack" alert feed
    assert m.match("Global Automotive Slack Market Revenue Share by Players") == ()
    assert m.match("Latest research shows Microsoft Teams is stomping Slack") == ("Slack",)
    assert m.match("there was discord in the team") == ()
    assert m.match("Discord is down", "and Slack too") == ("Slack", "Discord")


def test_multi_word_terms_allow_any_whitespace() -> None:
    m = BrandMatcher([BrandTerms("Teams", ("Microsoft Teams",))])
    assert m.match("microsoft\n  teams crashed") == ("Teams",)
    assert m.match("Microsoft's teams") == ()


def test_language_filter() -> None:
    m = BrandMatcher([ONLY_BG])
    assert m.match("Акме е ужасна", language="bg") == ("Acme",)
    assert m.match("Acme is awful", language="en") == ()
    assert m.match("Acme is awful", language=None) == ()
