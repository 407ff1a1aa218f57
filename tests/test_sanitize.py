"""domain.sanitize (text and links from outside) and domain.redact (secrets)."""

from __future__ import annotations

import logging

import pytest

from domain.redact import (
    RedactingFilter,
    clear_secrets,
    redact,
    redact_url,
    register_secret,
)
from domain.sanitize import DEFAULT_MAX_TEXT_CHARS, clean_line, clean_text, safe_link


def test_clean_text_drops_nul_and_controls_keeps_newline_and_tab() -> None:
    assert clean_text("a\x00b\x07c\x1b[31md\te\nf\r\ng\x7f\x85") == "abc[31md\te\nf\ng"


def test_clean_text_replaces_lone_surrogates_so_utf8_can_encode_it() -> None:
    out = clean_text("ok \ud800 and \udfff end")
    assert out == "ok \ufffd and \ufffd end"
    out.encode("utf-8")  # would raise UnicodeEncodeError with a lone surrogate


def test_clean_text_strips_bidi_overrides() -> None:
    # "gpj.exe" shown reversed by U+202E is the classic spoofing trick
    spoof = "invoice\u202egpj.exe \u2066x\u2069 \u202a\u202b\u202c\u202d"
    assert clean_text(spoof) == "invoicegpj.exe x "


def test_clean_text_caps_length_and_handles_none() -> None:
    assert clean_text(None) == ""
    assert len(clean_text("x" * (DEFAULT_MAX_TEXT_CHARS + 50))) == DEFAULT_MAX_TEXT_CHARS
    assert clean_text("abcdef", max_chars=4) == "abc…"
    assert clean_text("abcdef", max_chars=None) == "abcdef"


def test_clean_line_is_one_line() -> None:
    assert clean_line("Mallory\r\nINJECTED: line\tx") == "Mallory INJECTED: line x"
    assert len(clean_line("y" * 900)) == 500


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox",
        "file:///etc/passwd",
        "//evil.example/x",
        "/relative/path",
        "http://",
        "https://exa\u202emple.com/",
        "",
        None,
    ],
)
def test_safe_link_refuses_everything_but_absolute_http(url: str | None) -> None:
    assert safe_link(url) is None


@pytest.mark.parametrize(
    "url",
    ["https://example.com/a?b=1#c", "http://127.0.0.1:8080/x", "HTTPS://Example.com/"],
)
def test_safe_link_keeps_http_and_https(url: str) -> None:
    assert safe_link(url) == url


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("postgresql://bp:hunter2hunter@db:5432/bp", "hunter2hunter"),
        ("slack://T000/B000/XXXXSECRETXXXX", "XXXXSECRETXXXX"),
        ("pbul://o.pushbullettoken123", "pushbullettoken123"),  # token in the host
        ("ifttt://iftttwebhookid99@event", "iftttwebhookid99"),
        ("mailtos://user:mailpassword1@smtp.example.com", "mailpassword1"),
        ("https://hooks.slack.com/services/T0/B0/slackhooksecret", "slackhooksecret"),
        ("https://discord.com/api/webhooks/1/discordsecret", "discordsecret"),
        ("GET /api?token=querytoken77&q=acme", "querytoken77"),
        ('{"client_secret": "jsonsecret42"}', "jsonsecret42"),
        ("Authorization: Bearer eyJhbGciOi.bearer", "eyJhbGciOi.bearer"),
    ],
)
def test_redact_removes_secrets(text: str, secret: str) -> None:
    out = redact(f"error talking to {text}: boom")
    assert secret not in out
    assert out.startswith("error talking to ") and out.endswith(": boom")


def test_apprise_urls_become_scheme_and_stable_hash() -> None:
    one = redact_url("slack://T000/B000/XXXX")
    assert one.startswith("slack://#") and len(one) == len("slack://#") + 8
    assert one == redact_url("slack://T000/B000/XXXX")
    assert one != redact_url("slack://T000/B000/YYYY")


def test_plain_text_and_feed_urls_untouched() -> None:
    text = "source 'news': HTTP 500 from https://example.com/feed.xml (the key is fine)"
    assert redact(text) == text
    assert redact("sources[0].client_secret: Field required") == (
        "sources[0].client_secret: Field required"
    )


def test_registered_secrets_are_replaced_anywhere() -> None:
    register_secret("s3cr3t-from-env")
    try:
        assert redact("got s3cr3t-from-env back") == "got *** back"
        register_secret("abc")  # too short to register: would blank ordinary words
        assert redact("abc") == "abc"
    finally:
        clear_secrets()


def test_logging_filter_redacts_message_args_and_traceback() -> None:
    record = logging.LogRecord(
        "apprise", logging.DEBUG, __file__, 1, "Notify URL: %s", ("slack://T/B/tok3n",), None
    )
    try:
        raise RuntimeError("failed for pbul://secrettoken")
    except RuntimeError:
        import sys

        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record)
    assert "tok3n" not in record.getMessage()
    assert record.exc_text and "secrettoken" not in record.exc_text
