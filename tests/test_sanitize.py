"""domain.sanitize (text and links from outside) and domain.redact (secrets)."""

from __future__ import annotations

import logging

import pytest

from domain.redact import (
    RedactingFilter,
    clear_secrets,
    mask_userinfo,
    redact,
    redact_url,
    register_secret,
    register_url_password,
    userinfo_needs_encoding,
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


#: URLs whose password holds a raw ``/``, ``@``, ``:`` or ``?`` (not percent-encoded), with
#: the password's pieces and what :func:`mask_userinfo` keeps.
RAW_USERINFO = [
    (
        "postgresql://bp:Pq7/Zx9@Wv4@db:5432/x",
        ["Pq7", "Zx9", "Wv4"],
        "postgresql://bp:***@db:5432/x",
    ),
    ("redis://:Kj3@Rt5/Yu8@host:6379/0", ["Kj3", "Rt5", "Yu8"], "redis://:***@host:6379/0"),
    ("postgresql+psycopg://bp:Pq7@Zx9@db/x", ["Pq7", "Zx9"], "postgresql+psycopg://bp:***@db/x"),
    ("https://u:Pq7/Zx9@Wv4:Kj3@h/x?q=1", ["Pq7", "Zx9", "Wv4", "Kj3"], "https://u:***@h/x?q=1"),
    ("amqp://g:Pq7/Zx9@Wv4@mq:5672//", ["Pq7", "Zx9", "Wv4"], "amqp://g:***@mq:5672//"),
    ("mysql://root:Pq7?Zx9@db/x", ["Pq7", "Zx9"], "mysql://root:***@db/x"),
    ("rediss://:Pq7@Zx9@[::1]:6380/1", ["Pq7", "Zx9"], "rediss://:***@[::1]:6380/1"),
    ("postgresql://bp:***@Wv4@127.0.0.1:1/x", ["Wv4"], "postgresql://bp:***@127.0.0.1:1/x"),
]


@pytest.mark.parametrize(("url", "pieces", "masked"), RAW_USERINFO)
def test_a_password_with_a_raw_slash_or_at_is_masked_whole(
    url: str, pieces: list[str], masked: str
) -> None:
    """Everything between the user name and the LAST ``@`` before the host is masked, for
    any scheme, wherever the URL sits in a message (the redaction layer, status output)."""
    assert mask_userinfo(url) == masked
    for text in (url, f"error: cannot connect to {url}: refused", f"url='{url}', retrying"):
        out = redact(text)
        assert "***" in out or "#" in out, out
        for piece in pieces:
            assert piece not in out, (piece, out)
    assert userinfo_needs_encoding(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://mastodon.social/@acme/1234",
        "https://www.youtube.com/@acme",
        "https://example.com/search?q=support@acme.example",
        "postgresql://bp@db:5432/bp",
        "postgresql://bp:p%2Fss%40w@db:5432/bp",
        "sqlite:////var/lib/brand@pulse/bp.db",
        "postgresql://bp:pw@/bp?host=/run/postgresql",
    ],
)
def test_at_signs_outside_the_userinfo_are_left_alone(url: str) -> None:
    assert not userinfo_needs_encoding(url)
    if ":" not in url.split("://", 1)[1].split("@", 1)[0]:
        assert redact(url) == url and mask_userinfo(url) == url


def test_the_pieces_of_a_raw_password_are_masked_where_a_driver_prints_them() -> None:
    """libpq splits ``bp:pa55/w0rd1@host@db`` at the first ``@`` and reports the host
    ``host@db``: each piece of 6 or more characters is registered too."""
    register_url_password("postgresql://bp:left-piece/right-piece@db-host@db:5432/x")
    try:
        out = redact("failed to resolve host 'right-piece@db-host@db'; user bp left-piece")
        assert "left-piece" not in out and "right-piece" not in out, out
    finally:
        clear_secrets()


def test_status_output_masks_a_raw_password_and_keeps_the_host() -> None:
    from brandpulse.config_engine import shown_url

    assert shown_url("redis://:se@cret/x@host:6379/0") == "redis://:***@host:6379/0"
    assert shown_url("amqp://bp:s3cr3t-pass@mq.internal:5672/bp") == (
        "amqp://bp:***@mq.internal:5672/bp"
    )
