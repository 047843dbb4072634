"""The Content-Security-Policy in a real browser (issue 18, finding 8): key pages raise no violation and still
work: the KPI and demand charts are drawn (also after htmx's boosted navigation), Swagger UI lists the API,
the skill picker finds and picks a skill, the share link selects itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from skillatlas.config import Settings
from tests.browser.page_checks import DEMO_PASSWORD
from tests.browser.test_layout import living_demo

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Lexical-only extraction: no embedding model to load in the server."""
    return Settings(database_url=database_url, data_dir=tmp_path, embedding_backend="none")


@pytest.fixture
def watched(page: Page) -> Iterator[tuple[Page, list[str]]]:
    """The tab, and every CSP violation or script error it reports (console, page errors, the DOM event)."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text or "Content-Security-Policy" in text:
            problems.append(f"console {message.type}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # The DOM's own report, for every document the tab opens (boosted swaps keep the same document).
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));"
    )
    yield page, problems


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(f"{base}/login")
    expect(page.locator("form.logout")).to_have_count(1)


def drawn(page: Page, selector: str) -> bool:
    """True when Chart.js drew a chart on the canvas (its script ran)."""
    return bool(
        page.evaluate(f"() => !!(window.Chart && Chart.getChart(document.querySelector('{selector}')))")
    )


def test_key_pages_raise_no_csp_violation(
    watched: tuple[Page, list[str]], live_server: str, sessions, settings: Settings
) -> None:
    page, problems = watched
    living_demo(sessions, settings)
    response = page.goto(f"{live_server}/")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    page.goto(f"{live_server}/kpi")
    expect(page.locator("#kpi-trend")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('#kpi-countries'))")
    assert drawn(page, "#kpi-trend") and drawn(page, "#kpi-countries")

    page.goto(f"{live_server}/intelligence/demand")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('#trend-chart'))")
    assert drawn(page, "#top-chart")

    # htmx's boosted navigation: the page's scripts run again after the swap, in order.
    page.goto(f"{live_server}/")
    page.evaluate("() => { window.__sameDocument = true; }")
    page.locator("details.menu-group:has(a[href='/kpi']) summary").click()  # through the menu
    page.locator("details.menu-group a[href='/kpi']").click()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.querySelector('#kpi-trend'))")
    assert page.evaluate("() => window.__sameDocument === true"), "the link was not boosted"

    # Swagger UI renders only what is near the view (the API has some 400 operations): a deep link to a
    # later tag shows that it started (from static/docs.js) and read the whole document.
    page.goto(f"{live_server}/docs#/accounts")
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    expect(page.locator(".opblock-tag", has_text="accounts").first).to_be_visible(timeout=30_000)
    assert not problems, "\n".join(problems)

    # The policy is enforced and the watch sees it: an inline script added now is refused and reported.
    page.goto(f"{live_server}/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__ran") is None
    assert any("script-src" in p for p in problems), problems


def test_forms_with_the_skill_picker_and_small_behaviours_work(
    watched: tuple[Page, list[str]], live_server: str, sessions, settings: Settings
) -> None:
    page, problems = watched
    living_demo(sessions, settings)
    log_in(page, live_server, "worker@asa-demo.eu")
    page.goto(f"{live_server}/my/skills")
    search = page.get_by_label("Add a skill")
    search.click()
    search.press_sequentially("batt", delay=30)
    options = page.get_by_role("listbox", name="Matching skills").get_by_role("option")
    expect(options.first).to_contain_text("batt")
    search.press("ArrowDown")
    search.press("Enter")
    expect(page.locator("ul.picked li").filter(has_text="batt").first).to_be_visible()

    page.goto(f"{live_server}/my/credentials")
    share = page.locator("input[data-select-on-focus]").first
    if share.count():  # the living demo gave Wim a credential: its share link selects itself on focus
        share.focus()
        assert (
            page.evaluate("() => window.getSelection().toString() || document.activeElement.selectionEnd")
            != 0
        )
    assert not problems, "\n".join(problems)


def test_a_mails_html_is_shown_in_its_sandboxed_frame(
    watched: tuple[Page, list[str]], live_server: str, sessions
) -> None:
    """The outbox shows a message's HTML in a sandboxed srcdoc frame: it inherits the policy and still shows."""
    from sqlalchemy import select

    from skillatlas.auth.models import OutboxMessage
    from skillatlas.db import unit_of_work
    from skillatlas.mail import service as mail_service

    with unit_of_work(sessions) as db:
        mail_service.send(db=db, to="someone@example.org", template="password_reset", now=None,
                          context={"link": "http://localhost/x", "email": "someone@example.org", "hours": 1})  # fmt: skip
    with sessions() as db:
        message_id = db.scalar(select(OutboxMessage.id))
    page, problems = watched
    log_in(page, live_server, "office@asa-demo.eu")
    page.goto(f"{live_server}/office/outbox/{message_id}")
    frame = page.frame_locator("iframe[sandbox]")
    expect(frame.get_by_text("Set a new password").first).to_be_visible()
    assert not problems, "\n".join(problems)


def test_every_menu_page_of_the_office_raises_no_csp_violation(
    watched: tuple[Page, list[str]], live_server: str, sessions, settings: Settings
) -> None:
    page, problems = watched
    living_demo(sessions, settings)
    log_in(page, live_server, "office@asa-demo.eu")  # the longest menu
    hrefs = page.eval_on_selector_all(
        "#site-menu a[href^='/']", "links => links.map(a => a.getAttribute('href'))"
    )
    assert len(hrefs) > 15
    for href in dict.fromkeys(hrefs):
        response = page.goto(live_server + href)
        assert response is not None and response.status < 500, href
        page.wait_for_load_state("load")
        assert not problems, f"{href}:\n" + "\n".join(problems)
