"""The web inbox in headless Chromium: log in, see the urgent alerts, handle one, dismiss
one as not our brand, correct a label; the changes persist and `brandpulse inbox` agrees;
hostile text is inert; a POST without the CSRF token is refused; a viewer cannot act; the
pages work 375 px wide. With WEB_SCREENSHOTS=DIR the screenshots go to DIR (docs/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def cli_inbox(data: Any) -> dict[int, dict[str, Any]]:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from brandpulse.cli import main; main()",
            "inbox",
            "--state",
            "all",
            "--format",
            "json",
            "--config",
            str(data.config_path),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    return {r["id"]: r for r in map(json.loads, out.stdout.splitlines())}


def test_responder_works_the_queue(server: dict[str, Any], browser: Any, tmp_path: Path) -> None:
    url, data = server["url"], server["data"]
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    log_in(page, url, "kim")
    items = page.locator("li.item")
    assert items.count() >= 5, "the urgent alerts are listed"
    first_text = items.first.inner_text()
    assert "OVERDUE" in first_text, "overdue first"
    shot(page, "web-inbox.png", tmp_path)

    # Handle the first alert with a note.
    items.first.locator("a").click()
    handled_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("text=Suggested reply").count() == 1
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
    page.locator("li.item a").first.click()
    dismissed_id = int(page.url.rsplit("/", 1)[1])
    assert dismissed_id != handled_id
    shot(page, "web-mention.png", tmp_path)
    page.select_option("form[action$='/dismiss'] select", "not-our-brand")
    page.click("form[action$='/dismiss'] button")
    assert "Dismissed (not-our-brand)." in page.locator(".flash").inner_text()

    # The changes persist (a fresh page load) and the command-line inbox agrees.
    page.goto(f"{url}/alerts/{handled_id}")
    assert "handled" in page.locator("h1 .state").inner_text()
    records = cli_inbox(data)
    assert (records[handled_id]["state"], records[handled_id]["closed_by"]) == ("handled", "kim")
    assert records[handled_id]["note"] == "replied on Google Play"
    assert records[handled_id]["label"] == "neutral"
    assert (records[dismissed_id]["state"], records[dismissed_id]["dismiss_reason"]) == (
        "dismissed",
        "not-our-brand",
    )
    page.goto(f"{url}/changes")
    changes = page.locator("main").inner_text()
    assert "kim handle" in changes and "kim dismiss" in changes

    # The competitor report renders with its charts.
    page.goto(f"{url}/report?period=all")
    assert page.locator("img").count() >= 1
    assert page.locator("nav a[href='/']").count() == 1, "a way back to the inbox"
    page.set_viewport_size({"width": 1000, "height": 1300})
    shot(page, "web-report.png", tmp_path, full_page=False)
    page.close()


def test_hostile_post_is_inert_and_csrf_is_required(
    server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    url, data = server["url"], server["data"]
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, url, "kim")
    mallory = next(a for a, r in cli_inbox(data).items() if r["author"] == "mallory")
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
    assert cli_inbox(data)[mallory]["state"] == "open"
    page.close()


def test_viewer_cannot_act_and_phone_width(
    server: dict[str, Any], browser: Any, tmp_path: Path
) -> None:
    url, data = server["url"], server["data"]
    page = browser.new_page(viewport={"width": 375, "height": 740})
    log_in(page, url, "vic")
    assert page.locator("li.item").count() >= 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the inbox scrolls sideways at 375 px ({width} px)"
    page.locator("li.item a").first.click()
    alert_id = int(page.url.rsplit("/", 1)[1])
    assert page.locator("form[action$='/handle']").count() == 0
    assert "a responder acts on it" in page.locator(".actions").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
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
    assert cli_inbox(data)[alert_id]["state"] in ("open", "assigned")

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
