"""Per-brand (target) sentiment planning on real multi-brand sentences (no model needed).

Sentences come from tests/fixtures/sentiment_targets/targets.jsonl (sources in its README).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sentiment.targets import (
    Polarity,
    find_spans,
    plan_targets,
    resolve_targets,
    segments_to_classify,
    split_sentences,
)

FIXTURE = Path(__file__).parent / "fixtures" / "sentiment_targets" / "targets.jsonl"
ITEMS = {
    item["id"]: item
    for item in (json.loads(line) for line in FIXTURE.read_text("utf-8").splitlines() if line)
}


def plans_for(item_id: str):  # type: ignore[no-untyped-def]
    item = ITEMS[item_id]
    spans = find_spans(item["text"], {t["brand"]: t["terms"] for t in item["targets"]})
    return plan_targets(item["text"], spans)


def resolve(plans, label: str, score: float, mention: str = "neutral"):  # type: ignore[no-untyped-def]
    classified = {key: Polarity(label, score) for key in segments_to_classify(plans)}
    return resolve_targets(plans, classified, mention=Polarity(mention, 0.0))


def test_fixture_is_real_multi_brand_text_with_our_labels() -> None:
    assert 40 <= len(ITEMS) <= 80
    for item in ITEMS.values():
        assert len(item["targets"]) >= 2 and item["source"] and item["source_id"]
        spans = find_spans(item["text"], {t["brand"]: t["terms"] for t in item["targets"]})
        assert all(spans.values()), f"{item['id']}: a target's terms are not in its text"
        assert {t["label"] for t in item["targets"]} <= {"negative", "neutral", "positive"}


def test_better_than_ranks_winner_and_loser_and_a_neutral_sentence_follows_the_cue() -> None:
    plans = plans_for("movieReviewSnippets-2702")  # "The Scorpion King is more fun than Conan"
    king, conan = plans["The Scorpion King"], plans["Conan the Barbarian"]
    assert (king.method, king.role, conan.role) == ("comparative", "winner", "loser")
    assert king.segment_key == conan.segment_key, "one sentence, classified once"
    for label, score in (("positive", 0.6), ("neutral", 0.01)):
        out = resolve(plans, label, score)
        assert out["The Scorpion King"].label == "positive"
        assert out["Conan the Barbarian"].label == "negative"
        assert out["Conan the Barbarian"].score < 0 < out["The Scorpion King"].score
    # The sentence's polarity belongs to the subject, the other side gets the opposite.
    out = resolve(plans, "negative", -0.7)
    assert (out["The Scorpion King"].label, out["Conan the Barbarian"].label) == (
        "negative",
        "positive",
    )


@pytest.mark.parametrize(
    ("item_id", "winner", "loser", "cue"),
    [
        ("google-feed:13546348949071100939", "Microsoft Teams", "Slack", "X beats Y"),
        ("amazonReviewSnippets-225_2", "Zen", "iPod", "prefer X over Y"),
        ("amazonReviewSnippets-142_1", "Canon", "Nikon", "X beats Y"),
        ("amazonReviewSnippets-226_5", "Zen", "iPod", "Y pales in comparison / loses to X"),
        ("amazonReviewSnippets-107_6", "Canon", "Olympus", "X is not as good as Y"),
        ("movieReviewSnippets-4871", "Soderbergh", "Tarkovsky", "prefer X over Y"),
        ("movieReviewSnippets-6020", "Ash Wednesday", "Mean Streets", "unlike Y, X ..."),
    ],
)
def test_comparative_cues_on_real_sentences(
    item_id: str, winner: str, loser: str, cue: str
) -> None:
    plans = plans_for(item_id)
    assert (plans[winner].role, plans[loser].role) == ("winner", "loser")
    assert plans[winner].cue == cue


def test_y_pales_in_comparison_gives_the_sentence_polarity_to_the_loser() -> None:
    plans = plans_for("amazonReviewSnippets-226_5")  # "... the ipod simply pales in comparison."
    out = resolve(plans, "negative", -0.5)
    assert (out["iPod"].label, out["Zen"].label) == ("negative", "positive")


def test_a_list_after_than_loses_and_the_unnamed_subject_wins() -> None:
    plans = plans_for("amazonReviewSnippets-193_6")  # "... better than my samsung, motorolla, sony"
    out = resolve(plans, "positive", 0.4)
    assert {b: r.label for b, r in out.items()} == {
        "Samsung": "negative",
        "Motorola": "negative",
        "Sony Ericsson": "negative",
    }


def test_several_comparisons_split_at_semicolons() -> None:
    plans = plans_for("movieReviewSnippets-2344")  # better than X; falls short of Y; ahead of Z
    assert plans["Insurrection"].role == "loser"
    assert plans["First Contact"].role == "winner"
    assert plans["Generations"].role == "loser"
    assert len(segments_to_classify(plans)) == 3


def test_separate_clauses_are_classified_per_brand() -> None:
    plans = plans_for("amazonReviewSnippets-18_10")  # "i hate apex but love amazon, ..."
    assert plans["Apex"].method == plans["Amazon"].method == "segment"
    assert plans["Apex"].segment == "i hate apex"
    assert plans["Amazon"].segment.startswith("but love amazon")
    texts = segments_to_classify(plans)
    classified = {
        plans["Apex"].segment_key: Polarity("negative", -0.8),
        plans["Amazon"].segment_key: Polarity("positive", 0.7),
    }
    assert set(texts) == set(classified)
    out = resolve_targets(plans, classified, mention=Polarity("neutral", 0.0))
    assert (out["Apex"].label, out["Amazon"].label) == ("negative", "positive")
    assert out["Apex"].method == "segment"


def test_brands_in_one_clause_without_a_cue_keep_the_mention_label() -> None:
    plans = plans_for("amazonReviewSnippets-268_3")  # "ipod integrates perfectly with itunes"
    assert {p.method for p in plans.values()} == {"mention"}
    assert segments_to_classify(plans) == {}
    out = resolve(plans, "negative", -1.0, mention="positive")
    assert {r.label for r in out.values()} == {"positive"}
    assert {r.method for r in out.values()} == {"mention"}


def test_a_pure_contrast_read_as_neutral_stays_neutral() -> None:
    plans = plans_for("amazonReviewSnippets-222_10")  # "unlike the ipod, this is ..."
    assert not plans["iPod"].directed
    out = resolve(plans, "neutral", 0.0)
    assert out["iPod"].label == "neutral"


def test_the_brief_example_and_negated_comparisons() -> None:
    text = "Switched from Slack to Teams, Teams is so much better"
    plans = plan_targets(text, find_spans(text, {"Slack": ["slack"], "Teams": ["teams"]}))
    assert (plans["Teams"].role, plans["Slack"].role) == ("winner", "loser")
    negated = "Teams is not better than Slack"
    plans = plan_targets(negated, find_spans(negated, {"Slack": ["slack"], "Teams": ["teams"]}))
    assert {p.method for p in plans.values()} == {"mention"}


def test_overlapping_terms_go_to_the_longest_match() -> None:
    text = ITEMS["amazonReviewSnippets-193_6"]["text"]
    spans = find_spans(text, {"Sony": ["sony"], "Sony Ericsson": ["sony ericsson"]})
    assert spans["Sony"] == [] and len(spans["Sony Ericsson"]) == 1


def test_sentence_splitting_is_punctuation_based_and_multilingual() -> None:
    def pieces(text: str) -> list[str]:
        return [text[a:b] for a, b in split_sentences(text)]

    assert pieces("Slack vs. Teams on Amazon.com: v2.0 wins. Really!") == [
        "Slack vs. Teams on Amazon.com: v2.0 wins.",
        "Really!",
    ]
    assert pieces("خدمة سيئة؟ نعم جدا") == ["خدمة سيئة؟", "نعم جدا"]
    assert pieces("服务很好。价格太贵！") == ["服务很好。", "价格太贵！"]
    assert pieces("get an ipod &amp; avoided the zen") == ["get an ipod &amp; avoided the zen"]


def test_case_sensitive_brands_match_case_exactly() -> None:
    text = "Discord is better than Slack. Cut me some slack, it was a long week."
    terms = {"Slack": ["Slack"], "Discord": ["Discord"]}
    loose = find_spans(text, terms)
    strict = find_spans(text, terms, case_sensitive={"Slack"})
    assert len(loose["Slack"]) == 2
    assert strict["Slack"] == [(text.index("Slack"), text.index("Slack") + len("Slack"))]
    assert strict["Discord"] == loose["Discord"]
