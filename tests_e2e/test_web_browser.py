"""The web inbox in headless Chromium: on the real demo (``brandpulse demo``, ``users add``
and ``brandpulse web`` run as processes) log in, see the demo's open alerts urgent first,
handle one, dismiss one as not our brand, correct a label; the changes persist and
`brandpulse inbox` agrees; a viewer cannot act and the pages (inbox, mention, report,
sources, changes) work 375 px wide. On the tests' own data (the one hostile post): hostile
text is inert and a POST without the CSRF token is refused. With WEB_SCREENSHOTS=DIR the
screenshots go to DIR (docs/)."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from cli_process import brandpulse
from web_data import PASSWORDS

SHOTS = os.environ.get("WEB_SCREENSHOTS")


def shot(page: Any, name: str, tmp_path: Path, *, full_page: bool = True) -> Path:
    target = Path(SHOTS) if SHOTS else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page: Any, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def cli_inbox(config: Path, state: str = "all") -> list[dict[str, Any]]:
    """``brandpulse inbox --state STATE --format json`` (a real process), in its order."""
    out = brandpulse("inbox", "--state", state, "--format", "json", "--config", str(config))
    return [json.loads(line) for line in out.splitlines()]


def by_id(config: Path) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in cli_inbox(config)}


def page_width(page: Any) -> int:
    """How wide the page lays out, in CSS pixels (more than the viewport: it scrolls
    sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth"))


def cut_off(page: Any, selector: str, width: int) -> list[str]:
    """The texts of ``selector``'s elements that reach past ``width`` px (hidden on the
    right even when only their box scrolls)."""
    return list(
        page.locator(selector).evaluate_all(
            f"els => els.filter(e => e.getBoundingClientRect().right > {width} + 0.5)"
            ".map(e => e.textContent.trim())"
        )
    )


def listed_ids(page: Any) -> list[int]:
    hrefs = page.locator("li.item a.item-link").evaluate_all("els => els.map(e => e.href)")
    return [int(h.rsplit("/", 1)[1]) for h in hrefs]


def test_responder_works_the_demo_queue(
    demo_site: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    url, config = demo_site["url"], demo_site["config"]
    expected = cli_inbox(config, "open")
    assert len(expected) >= 5, "the demo raises alerts"
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    log_in(page, url, "kim")
    assert listed_ids(page) == [r["id"] for r in expected], "the demo's open alerts, in order"
    urgencies = [(r["overdue"], r["urgency"]) for r in expected]
    assert urgencies == sorted(urgencies, reverse=True), "overdue, then most urgent, first"
    first_text = page.locator("li.item").first.inner_text()
    assert expected[0]["brand"] in first_text
    shot(page, "web-inbox.png", tmp_path)

    # Handle the most urgent alert with a note.
    page.locator("li.item a").first.click()
    handled_id = int(page.url.rsplit("/", 1)[1])
    assert handled_id == expected[0]["id"]
    assert page.locator("text=Suggested reply").count() == 1
    shot(page, "web-mention.png", tmp_path)
    page.fill("form[action$='/handle'] input[name=note]", "replied on Google Play")
    page.click("form[action$='/handle'] button")
    assert page.locator(".flash").inner_text() == "Handled."
    # Correct its label.
    page.select_option("form[action$='/relabel'] select", "neutral")
    page.click("form[action$='/relabel'] button")
    assert "Label corrected to neutral." in page.locator(".flash").inner_text()
    assert "kim relabel" in page.locator(".history").inner_text()

    # Dismiss the next open one as not our brand.
    page.goto(f"{url}/")
    assert listed_ids(page) == [r["id"] for r in expected[1:]], "the handled one left"
    page.locator("li.item a").first.click()
    dismissed_id = int(page.url.rsplit("/", 1)[1])
    assert dismissed_id == expected[1]["id"]
    page.select_option("form[action$='/dismiss'] select", "not-our-brand")
    page.click("form[action$='/dismiss'] button")
    assert "Dismissed (not-our-brand)." in page.locator(".flash").inner_text()

    # The changes persist (a fresh page load) and the command-line inbox agrees.
    page.reload()
    assert "dismissed" in page.locator("h1 .state").inner_text()
    page.goto(f"{url}/alerts/{handled_id}")
    assert "handled" in page.locator("h1 .state").inner_text()
    assert "corrected by a person" in page.locator(".facts").inner_text()
    records = by_id(config)
    assert (records[handled_id]["state"], records[handled_id]["closed_by"]) == ("handled", "kim")
    assert records[handled_id]["note"] == "replied on Google Play"
    assert records[handled_id]["label"] == "neutral"
    assert (records[dismissed_id]["state"], records[dismissed_id]["dismiss_reason"]) == (
        "dismissed",
        "not-our-brand",
    )
    still_open = [r["id"] for r in cli_inbox(config, "open")]
    assert still_open == [r["id"] for r in expected[2:]]
    page.goto(f"{url}/")
    assert listed_ids(page) == still_open, "the page and `brandpulse inbox` agree"
    page.goto(f"{url}/changes")
    changes = page.locator("main").inner_text()
    assert "kim handle" in changes and "kim dismiss" in changes

    # The competitor report renders with its charts.
    page.goto(f"{url}/report?period=all")
    assert page.locator("img").count() >= 1
    clients = [b["name"] for b in tomllib.loads(config.read_text())["brands"] if b.get("own")]
    shown = [t.split(" vs ")[0].strip() for t in page.locator("h2.cmp").all_inner_texts()]
    assert shown == clients, "the agency's comparisons, one per own brand (issue 13)"
    assert page.locator("nav a[href='/']").count() == 1, "a way back to the inbox"
    page.set_viewport_size({"width": 1000, "height": 1300})
    shot(page, "web-report.png", tmp_path, full_page=False)
    page.set_viewport_size({"width": 375, "height": 740})  # the same page on a phone
    assert page_width(page) <= 375, f"the report scrolls sideways at 375 px ({page_width(page)})"
    page.close()


def test_hostile_post_is_inert_and_csrf_is_required(
    server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    url, config = server["url"], server["data"].config_path
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, url, "kim")
    mallory = next(a for a, r in by_id(config).items() if r["author"] == "mallory")
    page.goto(f"{url}/alerts/{mallory}")
    text = page.locator("blockquote.text").inner_text()
    assert "<script>" in text and "javascript:" in text, "shown as text"
    assert page.title().startswith("Alert"), "the script did not run"
    inside = "blockquote.text a, blockquote.text script, blockquote.text img"
    assert page.locator(inside).count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    assert dialogs == []

    # A POST without the CSRF token is refused (the form's token removed in the page).
    page.evaluate("document.querySelector(\"form[action$='/handle'] input[name=csrf]\").remove()")
    page.click("form[action$='/handle'] button")
    assert "CSRF token is missing or wrong" in page.locator(".error").inner_text()
    assert by_id(config)[mallory]["state"] == "open"
    page.close()


def test_viewer_cannot_act_and_phone_width(
    demo_site: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    url, config = demo_site["url"], demo_site["config"]
    page = browser.new_page(viewport={"width": 375, "height": 740})
    log_in(page, url, "vic")
    assert page.locator("li.item").count() >= 1
    assert page_width(page) <= 375, f"the inbox scrolls sideways at 375 px ({page_width(page)})"
    page.locator("li.item a").first.click()
    alert_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("form[action$='/handle']").count() == 0
    assert "a responder acts on it" in page.locator(".actions").inner_text()
    assert page_width(page) <= 375
    shot(page, "web-mention-375.png", tmp_path)
    # Posting anyway (with the viewer's own valid CSRF token) is refused.
    token = page.locator("header input[name=csrf]").get_attribute("value")
    response = page.context.request.post(
        f"{url}/alerts/{alert_id}/handle",
        form={"csrf": token or "", "note": "x"},
        max_redirects=0,
    )
    status = response.status
    assert "only a responder can handle" in response.text()
    assert status == 403
    assert by_id(config)[alert_id]["state"] in ("open", "assigned")

    # Source health and the changes page fit too, every cell in view.
    for path in ("/sources", "/changes"):
        page.goto(f"{url}{path}")
        assert page_width(page) <= 375, f"{path} scrolls sideways at 375 px ({page_width(page)})"
    page.goto(f"{url}/sources")
    assert page.locator("table.sources td").count() >= 7 * 10, "the demo's sources"
    assert cut_off(page, "table.sources td", 375) == [], "source health cut off on the right"

    # The OpenAPI page works offline under the CSP (Swagger UI served by the app).
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1000, "height": 900})
    page.goto(f"{url}/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert {"/api/alerts", "/api/mentions", "/api/report"} <= {p.strip() for p in paths}
    assert not [e for e in errors if "Content Security Policy" in e and "script" in e]
    page.close()
