"""The helpers the JSON listeners share: API timestamps, cursor de-duplication and the
shape check of a reply's record list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from listeners.payload import require_records
from listeners.timefmt import iso_z, parse_time, seen_before

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
