"""Locale-aware parsing helpers: ratings, dates and counts in several languages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spiders.extract import html_text, language_code, parse_count, parse_date, parse_rating


@pytest.mark.parametrize(
    ("text", "stars"),
    [
        ("4.0 out of 5 stars", 4.0),
        ("4,0 su 5 stelle", 4.0),
        ("5 von 5 Sternen", 5.0),
        ("4,5 de 5 estrellas", 4.5),
        ("5つ星のうち3.0", 3.0),
        ("Bewertet mit 2 von 5 Sternen", 2.0),
        ("8/10", 4.0),
        (3, 3.0),
        ("no stars here", None),
        ("0 out of 5", None),
    ],
)
def test_parse_rating(text: object, stars: float | None) -> None:
    assert parse_rating(text) == stars


@pytest.mark.parametrize(
    ("text", "languages", "day"),
    [
        ("Reviewed in the United States on March 3, 2024", ["en"], (2024, 3, 3)),
        ("Rezension aus Deutschland vom 5. März 2024", ["de"], (2024, 3, 5)),
        ("Recensito in Italia il 3 marzo 2024", ["it"], (2024, 3, 3)),
        ("Commenté en France le 12 février 2024", ["fr"], (2024, 2, 12)),
        ("Revisado en España el 7 de enero de 2024", ["es"], (2024, 1, 7)),
        ("Reviewed in Italy on February 20, 2024", ["de"], (2024, 2, 20)),  # hint is wrong
        ("2024-03-05T10:11:12.000Z", [], (2024, 3, 5)),
    ],
)
def test_parse_date_localized(text: str, languages: list[str], day: tuple[int, int, int]) -> None:
    parsed = parse_date(text, languages=languages)
    assert parsed is not None and parsed.tzinfo is not None
    assert parsed.utcoffset() == UTC.utcoffset(None)
    assert (parsed.year, parsed.month, parsed.day) == day


def test_parse_date_keeps_offset_as_utc_and_rejects_garbage() -> None:
    assert parse_date("2024-03-06T06:15:00+01:00") == datetime(2024, 3, 6, 5, 15, tzinfo=UTC)
    assert parse_date("not a date at all", languages=["en"]) is None
    assert parse_date("") is None


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("One person found this helpful", 1),
        ("12 people found this helpful", 12),
        ("1,234 people found this helpful", 1234),
        ("1.234 Personen fanden diese Informationen hilfreich", 1234),
        ("Eine Person fand diese Informationen hilfreich", 1),
        ("Una persona l'ha trovato utile", 1),
        ("Helpful", None),
        (None, None),
    ],
)
def test_parse_count(text: str | None, count: int | None) -> None:
    assert parse_count(text) == count


def test_html_text_and_language_code() -> None:
    assert html_text("<p>a&nbsp;b<br>c</p><p>d</p>") == "a b\nc\nd"
    assert language_code("de-DE") == "de" and language_code("it_IT") == "it"
    assert language_code("") is None
