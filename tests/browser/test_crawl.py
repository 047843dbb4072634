"""The whole site as each demo role (and a visitor) meets it: every same-site link two levels deep from the home
page, and a random sample of 500 skills across the bundled ESCO.

Over HTTP, every page reached must answer without a server error or a broken link, and show no stack trace,
no URI field and no internal word (tests/browser/page_checks.py). In the browser, one page of every route
(and each role's home) must pass axe-core's WCAG 2.1 A/AA rules with no serious or critical violation, and
must not scroll sideways in a 375-pixel-wide window. Logging out and forms that post are left alone.
"""

from __future__ import annotations

import random
import re
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx2 as httpx
import pytest
from fastapi.routing import iter_route_contexts
from playwright.sync_api import BrowserContext
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.config import Settings
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from skillatlas.taxonomy.models import Skill
from skillatlas.web.app import create_app
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.page_checks import DEMO_PASSWORD, axe_violations, problems_in, read_page, scrolls_sideways
from tests.conftest import NOW

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROLES = [
    None,  # a visitor, not logged in
    "office@asa-demo.eu",
    "education.lead@asa-demo.eu",
    "hydrogen.lead@asa-demo.eu",
    "manager@educam.example",
    "expert@asa-demo.eu",
    "worker@asa-demo.eu",
    "trainer@asa-demo.eu",
]
DEPTH = 2
# At the last level, at most this many pages of one route per role (the 500 skills are sampled apart).
PER_ROUTE = 4
SKILL_SAMPLE = 500
# Not our pages (Swagger UI) or not pages at all: checked for status only.
NOT_AXED = ("/docs", "/api/", "/openapi.json", "/static/")


@pytest.fixture
def demo(sessions: sessionmaker[Session], settings: Settings) -> None:
    """The living demo alliance on the bundled ESCO (roles, courses, experts, plans in every state, signed
    credentials, job ads), so that every page has something to show."""
    from skillatlas.demo.loader import load_demo

    with unit_of_work(sessions) as db:
        load_demo(db=db, taxonomy=True, issuing=issuing_for(settings), now=NOW)


@dataclass
class Reached:
    role: str
    url: str  # path and query
    status: int
    html: bool


class Routes:
    """The app's route templates, to name the page a URL opens ("/skills/{skill_id}")."""

    def __init__(self, settings: Settings) -> None:
        app = create_app(settings, clock=lambda: NOW)
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        for context in iter_route_contexts(app.routes):
            path = context.path or ""
            if "GET" not in (getattr(context.original_route, "methods", None) or {"GET"}):
                continue
            regex = re.sub(r"\\\{[^}]+:path\\\}", ".+", re.escape(path))
            regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", regex)
            self.patterns.append((re.compile(f"^{regex}$" if path != "/static" else "^/static/.*$"), path))
        app.state.engine.dispose()

    def of(self, url: str) -> str:
        path = urlsplit(url).path
        for regex, template in self.patterns:
            if regex.match(path):
                return template
        return path


def log_in(base: str, email: str | None) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=True, timeout=60)  # a first search may load a model
    if email is None:
        return client
    login = client.get("/login")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', login.text)
    assert token, "the login page carries no CSRF token"
    answer = client.post(
        "/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 200 and "Log out" in answer.text, (
        f"{email} could not log in: {answer.status_code}"
    )
    return client


def same_site(base: str, page_url: str, href: str) -> str | None:
    """The path and query a link leads to on this site, or None (another site, an anchor, mail, logging out)."""
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    target = urlsplit(urljoin(page_url, href))
    if f"{target.scheme}://{target.netloc}" != base or target.path == "/logout":
        return None
    return target.path + (f"?{target.query}" if target.query else "")


def check(client: httpx.Client, role: str, url: str, problems: list[str]) -> tuple[Reached, str]:
    response = client.get(url)
    html = "html" in response.headers.get("content-type", "")
    where = f"{role} GET {url}"
    if response.status_code >= 500:
        problems.append(f"{where}: server error {response.status_code}")
    elif response.status_code >= 400:
        problems.append(f"{where}: a link leads to {response.status_code}")
    if html:
        problems.extend(f"{where}: shows {p}" for p in problems_in(response.text))
    elif "Traceback (most recent call last)" in response.text:
        problems.append(f"{where}: shows a stack trace")
    return Reached(role, url, response.status_code, html), response.text if html else ""


def crawl(
    base: str, client: httpx.Client, role: str, start: str, routes: Routes, problems: list[str]
) -> list[Reached]:
    """Every same-site link from `start`, DEPTH levels deep, each fetched once; at the last level at most
    PER_ROUTE pages of each route."""
    depth = {start: 0}
    last_level: dict[str, int] = {}
    queue = deque([start])
    reached = []
    while queue:
        url = queue.popleft()
        page, html = check(client, role, url, problems)
        reached.append(page)
        if not html or depth[url] >= DEPTH or page.status >= 400:
            continue
        for href in read_page(html).links:
            target = same_site(base, base + url, href)
            if target is None or target in depth:
                continue
            if depth[url] + 1 == DEPTH:
                route = routes.of(target)
                if last_level.get(route, 0) >= PER_ROUTE:
                    continue
                last_level[route] = last_level.get(route, 0) + 1
            depth[target] = depth[url] + 1
            queue.append(target)
    return reached


@pytest.fixture
def contexts(browser_context: BrowserContext) -> Iterator[dict[str, BrowserContext]]:
    """A separate browser context (own cookies) per role, made on demand, closed at the end."""
    opened: dict[str, BrowserContext] = {}
    yield opened
    for context in opened.values():
        context.close()


def test_every_page_of_every_role_opens_clean_and_accessible(
    live_server: str, settings: Settings, sessions, browser_context: BrowserContext, contexts
) -> None:
    started = time.monotonic()
    routes = Routes(settings)
    problems: list[str] = []
    clients: dict[str, httpx.Client] = {}
    reached: list[Reached] = []

    # 1. Over HTTP: each role's home page and every link from it, two levels deep.
    for email in ROLES:
        role = email or "visitor"
        clients[role] = client = log_in(live_server, email)
        pages = crawl(live_server, client, role, "/home" if email else "/", routes, problems)
        assert len(pages) > 20, f"{role} reached only {[p.url for p in pages]}"
        reached += pages
    crawled = time.monotonic()

    # 2. A random sample of the whole taxonomy opens as pages (the demo uses only a few of its skills).
    with sessions() as db:
        ids = list(db.scalars(select(Skill.id)))
    assert len(ids) > 13_000, "the bundled ESCO is not loaded"
    for skill_id in random.Random(2026).sample(ids, SKILL_SAMPLE):
        page, _ = check(clients["visitor"], "visitor", f"/skills/{skill_id}", problems)
        reached.append(page)
    sampled = time.monotonic()

    # 3. In the browser: one page per route (and every role's home) passes axe and fits a phone's width.
    samples: dict[tuple[str, str], Reached] = {}
    for page in reached:
        if page.status != 200 or not page.html or page.url.startswith(NOT_AXED):
            continue
        key = (routes.of(page.url), page.role if page.url in ("/home", "/") else "")
        samples.setdefault(key, page)
    assert len(samples) > 30, sorted(samples)
    browser = browser_context.browser
    assert browser is not None
    for (template, _), page in sorted(samples.items()):
        context = contexts.get(page.role)
        if context is None:
            context = contexts[page.role] = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            cookies = clients[page.role].cookies
            context.add_cookies([{"name": c.name, "value": c.value, "url": live_server} for c in cookies.jar])
        tab = context.new_page()
        try:
            response = tab.goto(live_server + page.url)
            where = f"{page.role} {page.url} (route {template})"
            if response is None or response.status != 200:
                problems.append(f"{where}: answers {response and response.status} in the browser")
                continue
            problems.extend(f"{where}: axe: {v}" for v in axe_violations(tab))
            tab.set_viewport_size({"width": 375, "height": 800})
            tab.wait_for_function("window.innerWidth === 375")
            if (wider := scrolls_sideways(tab)) > 0:
                problems.append(f"{where}: scrolls sideways by {wider}px at 375px wide")
        finally:
            tab.close()
    for client in clients.values():
        client.close()

    took = time.monotonic() - started
    print(
        f"\ncrawl: {len(reached)} pages fetched ({crawled - started:.0f}s crawl, {sampled - crawled:.0f}s skills), "
        f"{len(samples)} checked in the browser, {took:.0f}s in all"
    )
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(sorted(set(problems)))
