"""The helpers the JSON listeners share: API timestamps, cursor de-duplication and the
shape check of a reply's record list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from listeners.payload import require_records
from listeners.timefmt import advance_cursor, iso_z, parse_time, seen_before

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def test_parse_time_reads_z_and_offsets_as_utc() -> None:
    assert parse_time("2026-12-01T06:00:00Z") == T0
    assert parse_time("2026-12-01T06:00:00.000Z") == T0
    assert parse_time("2026-12-01T08:00:00+02:00") == T0
    assert parse_time("2026-12-01T08:00:00+02:00").tzinfo is UTC  # type: ignore[union-attr]
    for bad in (None, 1733032800, "", "yesterday", "2026-13-01T00:00:00Z"):
        assert parse_time(bad) is None


def test_iso_z_is_utc_whole_seconds() -> None:
    plus_two = timezone(timedelta(hours=2))
    moment = datetime(2026, 12, 1, 8, 0, 0, 999_999, tzinfo=plus_two)
    assert iso_z(moment) == "2026-12-01T06:00:00Z"
    assert parse_time(iso_z(T0)) == T0


def test_seen_before_keeps_new_and_unstamped_items() -> None:
    seen = {"a"}
    assert seen_before(T0 - timedelta(seconds=1), T0, "z", seen)
    assert seen_before(T0, T0, "a", seen)
    assert not seen_before(T0, T0, "b", seen)
    assert not seen_before(T0 + timedelta(seconds=1), T0, "a", seen)
    assert not seen_before(None, T0, "a", seen)
    assert not seen_before(T0 - timedelta(days=1), None, "a", seen)


def test_require_records_returns_the_list_or_names_what_is_missing() -> None:
    payload = {"items": [{"id": 1, "updated_at": "x"}, {"id": 2, "updated_at": "y", "n": 0}]}
    assert require_records(payload, "items", ("id", "updated_at")) == payload["items"]
    assert require_records({"items": []}, "items", ("id",)) == []
    with pytest.raises(TypeError, match=r"^items without id/updated_at$"):
        require_records({"items": [{"id": 1}]}, "items", ("id", "updated_at"))
    with pytest.raises(TypeError, match=r"^posts without uri/indexedAt$"):
        require_records({"posts": {"uri": 1}}, "posts", ("uri", "indexedAt"))
    with pytest.raises(TypeError):
        require_records({"hits": ["not an object"]}, "hits", ("objectID",))
    with pytest.raises(KeyError):
        require_records({}, "items", ("id",))
    with pytest.raises(TypeError):
        require_records([], "items", ("id",))


def test_advance_cursor_keeps_the_newest_stamp_and_its_keys() -> None:
    t0 = datetime(2024, 5, 1, 12, tzinfo=UTC)
    t1 = t0 + timedelta(seconds=1)
    pairs = [(t0, "a"), (t1, "c"), (t1, "b")]
    assert advance_cursor(pairs, None, set()) == (t1, ["b", "c"])
    # the newest stamp is the old cursor's: the keys seen then stay in the cursor
    assert advance_cursor(pairs, t1, {"z"}) == (t1, ["b", "c", "z"])
    # a newer stamp starts a new set of keys
    assert advance_cursor(pairs, t0, {"z"}) == (t1, ["b", "c"])
    # nothing stamped, or everything older than the cursor: keep the old cursor
    assert advance_cursor([], t0, {"z"}) is None
    assert advance_cursor(pairs, t1 + timedelta(seconds=1), set()) is None
    # epoch seconds and integer keys (Stack Exchange)
    assert advance_cursor([(5, 2), (7, 9), (7, 3)], 7, {1}) == (7, [1, 3, 9])
