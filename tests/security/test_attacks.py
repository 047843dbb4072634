"""Hostile input: SQL injection and script payloads stay inert; CSRF, disguised files and huge bodies are refused."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance.models import Event, Group, Organisation
from skillatlas.config import Settings
from skillatlas.web.app import create_app
from tests.conftest import NOW, create_user, login, use_csrf

SCRIPT = '<script>alert("xss")</script>'
ATTRIBUTE = '"><img src=x onerror=alert(1)>'
SQL = "x'); DROP TABLE organisation; --"
SQL_OR = "' OR '1'='1"
DAY = "2026-09-15"
# The unescaped forms that must never reach a page.
RAW = ("<script>alert", "<img src=x onerror", "<script>x</script>")


def hostile(tag: str, limit: int = 200) -> str:
    """Every payload in one text, tagged so each field's text can be found (escaped) in the page."""
    return f"{tag} {SCRIPT} {ATTRIBUTE} {SQL} {SQL_OR}"[:limit]


def assert_inert(client: TestClient, urls: list[str], tag: str) -> None:
    """Each page answers 200, shows the tagged text, and never the payload unescaped."""
    for url in urls:
        page = client.get(url)
        assert page.status_code == 200, f"{url}: {page.status_code}"
        assert page.headers["content-type"].startswith("text/html")
        for raw in RAW:
            assert raw not in page.text, f"{url} shows {raw!r} unescaped"
        assert tag in page.text, f"{url} does not show {tag!r}"
        assert "&lt;script&gt;" in page.text or "&#34;&gt;&lt;img" in page.text or tag not in page.text


def tables_intact(db: Session) -> None:
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Organisation)) > 0


def test_organisation_form_fields_are_stored_and_shown_inert(
    office_client: TestClient, demo: None, db: Session
) -> None:
    before = db.scalar(select(func.count()).select_from(Organisation))
    form = {
        "name": hostile("OrgName", 200),
        "short_name": "<script>x</script>",
        "type": "industry",
        "country": "DE",
        "description": hostile("OrgDescription", 5000),
        "website": "https://example.org/?q=<script>alert(1)</script>",
        "is_member": "on",
    }
    created = office_client.post("/organisations", data=form, follow_redirects=False)
    assert created.status_code == 303, created.text
    slug = created.headers["location"].rsplit("/", 1)[-1]
    stored = office_client.get(f"/api/organisations/{slug}").json()
    assert stored["name"] == form["name"] and stored["description"] == form["description"]  # stored as typed
    tables_intact(db)
    assert db.scalar(select(func.count()).select_from(Organisation)) == before + 1
    for tag in ("OrgName", "OrgDescription"):
        assert_inert(office_client, [f"/organisations/{slug}"], tag)
    assert_inert(office_client, ["/organisations"], "OrgName")
    # A script address is no web address.
    refused = office_client.post("/api/organisations", json={**form, "is_member": True, "name": "Evil",
                                                            "website": "javascript:alert(1)"})  # fmt: skip
    assert refused.status_code == 422 and refused.json()["field"] == "website"


def test_event_and_group_fields_through_the_api_are_shown_inert(
    office_client: TestClient, demo: None, db: Session
) -> None:
    group = office_client.post(
        "/api/groups",
        json={
            "name": hostile("GroupName"),
            "kind": "task_force",
            "committees": ["education"],
            "description": hostile("GroupDescription", 10000),
            "work_plan": [{"objective": hostile("WorkObjective"), "deliverable": hostile("WorkDeliverable")}],
        },
    )
    assert group.status_code == 201, group.text
    group_slug = group.json()["slug"]
    item = office_client.post(
        f"/api/groups/{group_slug}/work-plan", json={"objective": hostile("MoreObjective")}
    )
    assert item.status_code == 201
    event = office_client.post(
        "/api/events",
        json={
            "name": hostile("EventName"),
            "description": hostile("EventDescription", 10000),
            "starts_on": DAY,
            "ends_on": DAY,
            "mode": "on_site",
            "place": hostile("EventPlace"),
            "url": "https://example.org/?q=<script>alert(2)</script>",
            "country": "DE",
            "group": group_slug,
        },
    )
    assert event.status_code == 201, event.text
    event_slug = event.json()["slug"]
    registered = office_client.post(
        f"/api/events/{event_slug}/registrations",
        json={"full_name": hostile("PersonName"), "email": "hostile@test.example"},
    )
    assert registered.status_code == 201, registered.text
    tables_intact(db)
    assert db.scalar(select(func.count()).select_from(Group).where(Group.slug == group_slug)) == 1
    assert db.scalar(select(func.count()).select_from(Event).where(Event.slug == event_slug)) == 1
    for tag in (
        "GroupName",
        "GroupDescription",
        "WorkObjective",
        "WorkDeliverable",
        "MoreObjective",
        "EventName",
    ):
        assert_inert(office_client, [f"/groups/{group_slug}"], tag)
    for tag in ("EventName", "EventDescription", "EventPlace", "PersonName"):
        assert_inert(office_client, [f"/events/{event_slug}"], tag)
    assert_inert(office_client, ["/groups", "/committees/education"], "GroupName")
    assert_inert(office_client, ["/events", "/"], "EventName")


def test_a_hostile_name_at_sign_up_is_shown_inert(client: TestClient, demo: None) -> None:
    use_csrf(client)
    response = client.post(
        "/signup",
        data={
            "full_name": hostile("SignupName"),
            "email": "hostile.user@test.example",
            "password": "a long password",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    login(client, "hostile.user@test.example", "a long password")  # sign-up does not log in (issue 18)
    assert_inert(client, ["/account", "/"], "SignupName")


def test_search_boxes_take_sql_as_text(client: TestClient, demo: None) -> None:
    for url in ("/api/taxonomy/skills", "/api/taxonomy/occupations"):
        response = client.get(url, params={"q": SQL_OR})
        assert response.status_code == 200 and response.json() == []
    page = client.get("/skills", params={"q": SCRIPT})
    assert page.status_code == 200 and "<script>alert" not in page.text


# --- CSRF ------------------------------------------------------------------------------------------

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def unsafe_routes(app: object) -> Iterator[tuple[str, str]]:
    for context in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        for method in sorted(getattr(context.original_route, "methods", None) or ()):
            if method in UNSAFE:
                yield method, re.sub(r"\{[^}]+\}", "1", context.path or "")


def test_every_unsafe_route_refuses_a_session_without_the_csrf_token(
    office_client: TestClient, demo: None
) -> None:
    """Every domain's forms and API, as a logged-in browser: no token, no change (403 naming csrf_token)."""
    office_client.headers.pop("X-CSRF-Token")
    wrong = []
    for method, path in unsafe_routes(office_client.app):
        if path.startswith("/api/"):
            response = office_client.request(method, path, json={})
        else:
            response = office_client.request(
                method, path, data={"csrf_token": "forged"}, follow_redirects=False
            )
        if response.headers.get("content-type", "").startswith("application/json"):
            named = response.json().get("field") == "csrf_token"
        else:  # a page: the error page says why
            named = "CSRF" in response.text
        if response.status_code != 403 or not named:
            wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, wrong


def test_visitor_forms_refuse_a_missing_token(client: TestClient, demo: None) -> None:
    for path, data in [
        ("/signup", {"full_name": "A", "email": "a@test.example", "password": "a long password"}),
        ("/login", {"email": "a@test.example", "password": "x"}),
        ("/intelligence/extract", {"text": "battery design"}),
        ("/verify", {"credential": "{}"}),
        ("/password/forgot", {"email": "a@test.example"}),
    ]:
        assert client.post(path, data=data, follow_redirects=False).status_code == 403, path


# --- files that are not what they claim ------------------------------------------------------------

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)
BINARY = bytes(range(256)) * 8
NUL_TEXT = b"date,country,title,text\n2026-01-01,DE,\x00\x00,\x00\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("ads.csv", PNG),
        ("ads.csv", BINARY),
        ("ads.jsonl", PNG),
        ("ads.csv", NUL_TEXT),
        ("ads.json", b"\x00\x01"),
    ],
)
def test_a_disguised_job_ad_file_is_refused_clearly(
    office_client: TestClient, name: str, content: bytes
) -> None:
    response = office_client.post(
        "/api/intelligence/job-ads", files={"file": (name, content, "text/csv")}, params={"dry_run": True}
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.json()["field"] == "file" and response.json()["detail"]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("events.csv", PNG),
        ("events.xlsx", PNG),
        ("events.xlsx", b"PK\x03\x04 not a zip"),
        ("events.csv", NUL_TEXT),
    ],
)
def test_a_disguised_kpi_file_is_refused_clearly(
    office_client: TestClient, name: str, content: bytes
) -> None:
    response = office_client.post(
        "/api/kpi/events/import",
        files={"file": (name, content, "application/octet-stream")},
        params={"dry_run": True},
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert response.json()["detail"]


@pytest.mark.parametrize("content", [PNG, BINARY, b"\x00" * 100, b"{", b"eyJ.not.a.jwt"])
def test_a_disguised_credential_is_refused_clearly(client: TestClient, content: bytes) -> None:
    api = client.post(
        "/api/credentials/verify", content=content, headers={"content-type": "application/json"}
    )
    assert api.status_code < 500, api.text
    if api.status_code == 200:
        assert api.json()["valid"] is False
    use_csrf(client)
    page = client.post("/verify", files={"file": ("credential.json", content, "application/json")})
    assert page.status_code < 500, page.text
    assert "not valid" in page.text.lower() or page.status_code >= 400


# --- bodies over the limit -----------------------------------------------------------------------


@pytest.fixture
def small_limit_client(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The app with a 64 KiB body limit (the real default is 20 MiB)."""
    app = create_app(Settings(database_url=database_url, data_dir=tmp_path, max_body_bytes=64 * 1024),
                     clock=lambda: NOW)  # fmt: skip
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.engine.dispose()


def test_every_upload_endpoint_refuses_an_over_large_body(
    small_limit_client: TestClient, sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    client = login(small_limit_client, "office@example.org")
    big = b"a" * (65 * 1024)
    responses = {
        "job ads": client.post("/api/intelligence/job-ads", files={"file": ("ads.csv", big, "text/csv")}),
        "verify API": client.post("/api/credentials/verify", content=big),
        "verify page": client.post("/verify", files={"file": ("c.json", big, "application/json")}),
        "extract API": client.post("/api/intelligence/extract", json={"text": "x" * (65 * 1024)}),
        "extract page": client.post("/intelligence/extract", data={"text": "x" * (65 * 1024)}),
        "erase": client.post(
            "/api/people/1/erase", content=big, headers={"content-type": "application/json"}
        ),
    }
    responses["KPI events"] = client.post(
        "/api/kpi/events/import", files={"file": ("e.csv", big, "text/csv")}
    )
    wrong = {name: r.status_code for name, r in responses.items() if r.status_code != 413}
    assert not wrong, wrong
    assert responses["job ads"].json()["code"] == "too_large"
    # And every other route that takes a body, whichever domain it belongs to.
    wrong_routes = []
    for method, path in unsafe_routes(client.app):
        response = client.request(method, path, content=big, headers={"content-type": "application/json"})
        if response.status_code != 413:
            wrong_routes.append(f"{method} {path}: {response.status_code}")
    assert not wrong_routes, wrong_routes


# --- values the database cannot store --------------------------------------------------------------

HUGE = 2**70


def test_numbers_beyond_64_bits_and_nul_characters_are_refused_not_crashed(
    office_client: TestClient, demo: None
) -> None:
    for response in (
        office_client.get("/api/audit", params={"offset": HUGE}),
        office_client.get("/api/taxonomy/skills", params={"q": "x", "offset": HUGE}),
        office_client.delete(
            f"/api/people/{HUGE}/skills", params={"uri": "http://data.europa.eu/esco/skill/x"}
        ),
        office_client.get(f"/api/people/{HUGE}/personal-data"),
    ):
        assert response.status_code == 422, (response.request.url, response.status_code, response.text)
        assert response.json()["code"] == "invalid"
    page = office_client.get(f"/api/credentials/learners/{HUGE}")
    assert page.status_code == 422
    # PostgreSQL refuses NUL in text (SQLite stores it): either way a clear answer, never a 500.
    nul = office_client.post(
        "/api/organisations", json={"name": "Nul\u0000Org", "type": "industry", "country": "DE"}
    )
    assert nul.status_code in {201, 422}, nul.text
