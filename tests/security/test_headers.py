"""Security headers (issue 18, finding 8): a strict Content-Security-Policy, frame-ancestors, nosniff and
Referrer-Policy on every response, and no page that needs inline script.

Every GET route of the app is requested (the URLs come from the permission matrix, so a new route is
covered as soon as it has its matrix entry), as a visitor and as a role allowed to see it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from skillatlas.web.security import CONTENT_SECURITY_POLICY
from tests.auth.conftest import world  # noqa: F401 - the permission tests' populated alliance
from tests.auth.matrix_support import World
from tests.auth.test_matrix import MATRIX, app_routes

# A role that may see most things first, so that each page is seen with its content.
PREFERRED = ("office", "org_manager", "group_lead", "committee_lead", "trainer", "expert", "worker")
# Script types a browser does not run (data blocks): allowed inline.
DATA_TYPES = ("application/json", "application/ld+json")


def directives(policy: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in policy.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


def check_headers(url: str, response: Any) -> list[str]:
    wrong = []
    expected = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "x-frame-options": "DENY",
    }
    for name, value in expected.items():
        if response.headers.get(name) != value:
            wrong.append(f"{url}: {name} is {response.headers.get(name)!r}")
    return wrong


class ScriptFinder(HTMLParser):
    """Inline scripts (without a nonce), inline event handlers and javascript: URLs in a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._inline: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): v or "" for k, v in attrs}
        for name, value in values.items():
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> (an inline event handler)")
            if name in ("href", "src", "action", "formaction") and value.strip().lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value[:40]!r}>")
        if tag == "script":
            kind = values.get("type", "").lower()
            if "src" in values:
                if not values["src"].startswith("/"):
                    self.found.append(f"<script src={values['src']!r}> (not from this site)")
            elif kind not in DATA_TYPES and "nonce" not in values:
                self._inline = ""

    def handle_data(self, data: str) -> None:
        if self._inline is not None:
            self._inline += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._inline is not None:
            self.found.append(f"inline <script>: {self._inline.strip()[:60]!r}")
            self._inline = None


def inline_scripts(html: str) -> list[str]:
    finder = ScriptFinder()
    finder.feed(html)
    return finder.found


def test_the_policy_allows_no_inline_script_and_no_framing() -> None:
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other origin
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_every_get_route_sends_the_headers_and_no_page_has_inline_script(
    request: pytest.FixtureRequest,
) -> None:
    alliance: World = request.getfixturevalue("world")
    routes = {(r.method, r.path) for r in app_routes(alliance.clients["anonymous"])}
    gets = sorted(path for method, path in routes if method == "GET")
    assert len(gets) > 50 and "/docs" in gets and "/kpi" in gets
    wrong: list[str] = []
    pages = 0
    for path in gets:
        case = MATRIX.get(("GET", path))
        if case is None:  # tests/auth/test_matrix.py fails for a route without an entry
            continue
        role = next((r for r in PREFERRED if r in case.allowed), None)
        for who in ("anonymous", *([role] if role else [])):
            url = case.url(who, alliance)
            response = alliance.clients[who].get(url, follow_redirects=False)
            wrong += check_headers(f"{url} as {who}", response)
            if response.headers.get("content-type", "").startswith("text/html"):
                pages += 1
                wrong += [f"{url} as {who}: {found}" for found in inline_scripts(response.text)]
    assert pages > 50
    assert not wrong, "\n".join(wrong)


def test_static_files_errors_and_the_api_send_them_too(client: TestClient) -> None:
    for url in (
        "/static/site.js",
        "/static/style.css",
        "/api/health",
        "/openapi.json",
        "/no/such/page",
        "/api/x",
    ):
        response = client.get(url)
        assert not check_headers(url, response), check_headers(url, response)
    refused = client.post("/api/me/tokens", json={"name": "x"})  # a visitor: 401
    assert refused.status_code == 401 and not check_headers("POST", refused)


def test_the_finder_finds_what_the_policy_would_block() -> None:
    page = (
        '<script src="/static/site.js"></script><script type="application/json" id="d">{"a": 1}</script>'
        '<script nonce="abc">ok()</script>'
    )
    assert inline_scripts(page) == []
    assert inline_scripts("<script>alert(1)</script>") == ["inline <script>: 'alert(1)'"]
    assert inline_scripts('<input onfocus="this.select()">') == [
        "<input onfocus=...> (an inline event handler)"
    ]
    assert inline_scripts('<a href="javascript:go()">x</a>')
    assert inline_scripts('<script src="https://cdn.example/x.js"></script>')
