"""Training-data hygiene and offset calibration (no model fit: scikit-learn is not needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sentiment.datasets import rating_to_label, text_fingerprint
from sentiment.train import choose_offsets, collect_training_data


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def test_validation_texts_never_reach_training(tmp_path: Path) -> None:
    root = tmp_path / "sentiment"
    _write(root / "tweeteval" / "val_text.txt", ["Seen in val", "Also in  VAL"])
    _write(root / "tweeteval" / "val_labels.txt", ["1", "2"])
    # English train: two copies of val texts (case/space variants) + two negatives.
    _write(
        root / "xlm-t" / "english" / "train_text.txt",
        ["seen in val", "also in val", "awful", "terrible"],
    )
    _write(root / "xlm-t" / "english" / "train_labels.txt", ["1", "2", "0", "0"])
    _write(root / "xlm-t" / "arabic" / "train_text.txt", ["سيء", "عادي", "رائع", "Seen in val"])
    _write(root / "xlm-t" / "arabic" / "train_labels.txt", ["0", "1", "2", "1"])
    _write(root / "bulgarian" / "train.csv", ["0,Лош филм", "1,Чудесен филм", "1,Добър"])
    texts, y, w, groups, report = collect_training_data(tmp_path, vader_weight=0.3)
    assert "Seen in val" not in texts and "seen in val" not in texts
    assert report["xlm-t/english"]["dropped_overlapping_validation"] == 2
    assert report["xlm-t/english"]["used"] == 0  # only negatives left: skipped
    assert report["xlm-t/arabic"]["used"] == 3
    assert sorted(texts) == sorted(["سيء", "عادي", "رائع", "Лош филм", "Чудесен филм", "Добър"])
    # Bulgarian classes balanced inside the set: 1 negative weighs as much as 2 positives.
    bg = [i for i, t in enumerate(texts) if t in ("Лош филм", "Чудесен филм", "Добър")]
    neg = [i for i in bg if y[i] == 0]
    pos = [i for i in bg if y[i] == 2]
    assert w[neg].sum() == np.float64(w[pos].sum()) and len(set(groups[bg])) == 1


def test_vader_rating_band() -> None:
    assert [rating_to_label(r) for r in (-2.0, -0.5, -0.49, 0.0, 0.49, 0.5, 3.1)] == [
        0,
        0,
        1,
        1,
        1,
        2,
        2,
    ]


def test_choose_offsets_prefers_the_negative_boost_when_negatives_are_under_called() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1, 2], 100)
    probs = np.full((300, 3), 1 / 3)
    probs[y == 0] = [0.30, 0.40, 0.30]  # negatives look slightly neutral
    probs[y == 1] = [0.10, 0.80, 0.10]
    probs[y == 2] = [0.10, 0.20, 0.70]
    probs += rng.uniform(0, 0.01, probs.shape)
    probs /= probs.sum(axis=1, keepdims=True)
    offset, score = choose_offsets(probs, y, np.zeros(300, dtype=int))
    assert offset[0] > 0.2 and offset[1] == 0.0
    assert score > 0.95


def test_extra_corrections_are_added_unbalanced_and_never_skipped(tmp_path: Path) -> None:
    import json

    import pytest

    from sentiment.datasets import load_jsonl_labels

    root = tmp_path / "data"
    _write(root / "tweeteval" / "val_text.txt", ["in val"])
    _write(root / "tweeteval" / "val_labels.txt", ["1"])
    rows = [{"text": "Service down again", "label": "negative"}, {"text": "in val", "label": 1}]
    extra = tmp_path / "corrections.jsonl"
    extra.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    texts, y, w, _, report = collect_training_data(root, vader_weight=0.3, extra=[extra])
    assert texts == ["Service down again"] and y.tolist() == [0] and w.tolist() == [1.0]
    assert report["extra/corrections.jsonl"]["used"] == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "angry"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        load_jsonl_labels(bad)


def test_set_weights_override_the_vader_scale_for_named_sets(tmp_path: Path) -> None:
    root = tmp_path / "sentiment" / "vader-icwsm2014"
    rows = ["1\t-2.0\tawful", "2\t0.1\tok", "3\t2.5\tgreat"]
    _write(root / "tweets_GroundTruth.txt", rows)
    _write(root / "movieReviewSnippets_GroundTruth.txt", rows)
    texts, _, w, groups, report = collect_training_data(
        tmp_path, vader_weight=0.3, set_weights={"vader/tweets": 1.0}
    )
    assert report["vader/tweets"]["weight"] == 1.0
    assert report["vader/movieReviewSnippets"]["weight"] == 0.3
    # Three balanced classes: weight 1 per text, times the set's scale.
    assert sorted(w.tolist()) == pytest.approx([0.3, 0.3, 0.3, 1.0, 1.0, 1.0])
    assert len(texts) == 6 and len(set(groups.tolist())) == 2


def test_recipe_use_weight_round_trips_and_defaults_for_old_metadata() -> None:
    from sentiment.features import FeatureRecipe

    recipe = FeatureRecipe(use_weight=3.0)
    assert FeatureRecipe.from_dict(recipe.to_dict()) == recipe
    old = {k: v for k, v in recipe.to_dict().items() if k != "use_weight"}
    assert FeatureRecipe.from_dict(old).use_weight == 1.0


def test_allowed_validation_overlap_is_trained_on_and_listed(tmp_path: Path) -> None:
    root = tmp_path / "sentiment"
    _write(root / "tweeteval" / "val_text.txt", ["Seen in val", "Also in  VAL", "never trained"])
    _write(root / "tweeteval" / "val_labels.txt", ["1", "2", "0"])
    _write(
        root / "xlm-t" / "english" / "train_text.txt",
        ["seen in val", "also in val", "awful", "terrible"],
    )
    _write(root / "xlm-t" / "english" / "train_labels.txt", ["1", "2", "0", "0"])
    _write(root / "xlm-t" / "english" / "val_text.txt", ["awful"])  # other val sets: held out
    _write(root / "xlm-t" / "english" / "val_labels.txt", ["0"])
    texts, _y, _w, _g, report = collect_training_data(
        tmp_path, vader_weight=0.3, may_overlap=("tweeteval",)
    )
    assert sorted(texts) == sorted(["seen in val", "also in val", "terrible"])
    assert report["seen_validation"] == {
        "tweeteval": sorted([text_fingerprint("Seen in val"), text_fingerprint("Also in  VAL")])
    }
