"""Every endpoint and page, as every role: allowed or refused, exactly as the policy says.

The routes are collected from the app, so a new route without an entry in MATRIX fails this test.
MATRIX is this module's ENTRIES merged with the ENTRIES of every `tests/<domain>/matrix.py`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.auth.conftest import matrix_modules
from tests.auth.matrix_support import (
    ALL_ROLES,
    COMMITTEE,
    EVENT,
    EVERYONE,
    GROUP_A,
    GROUP_MAKERS,
    LEADS,
    OFFICE,
    ORG_X,
    ROLES,
    SELF_AND_STAFF,
    STAFF,
    USERS,
    Case,
    World,
    fixed,
    public,
)
from tests.conftest import TODAY

SELF_REGISTER_API = "tie-2027"
SELF_REGISTER_PAGE = "innovation-agent-training-day-2027"
DAY = (TODAY + dt.timedelta(days=60)).isoformat()
OTHER_ORGS = {"office": "iscn", "group_lead": "ispim", "committee_lead": "olife"}

# This module's own entries: the framework, the alliance, accounts and people.
ENTRIES: dict[tuple[str, str], Case] = {
    # --- the framework and the API's meta routes
    ("GET", "/openapi.json"): public("/openapi.json"),
    ("HEAD", "/openapi.json"): public("/openapi.json"),
    ("GET", "/docs"): public("/docs"),
    ("GET", "/api/health"): public("/api/health"),
    # --- alliance API: public structure
    ("GET", "/api/organisations"): public("/api/organisations"),
    ("GET", "/api/organisations/{slug}"): public(f"/api/organisations/{ORG_X}"),
    ("GET", "/api/committees"): public("/api/committees"),
    ("GET", "/api/committees/{slug}"): public(f"/api/committees/{COMMITTEE}"),
    ("GET", "/api/groups"): public("/api/groups"),
    ("GET", "/api/groups/{slug}"): public(f"/api/groups/{GROUP_A}"),
    ("GET", "/api/events"): public("/api/events"),
    ("GET", "/api/events/{slug}"): public(f"/api/events/{EVENT}"),
    # --- alliance API: writes and personal data
    ("POST", "/api/organisations"): Case(
        OFFICE,
        fixed("/api/organisations"),
        json=lambda role, w: {"name": f"Org of {role}", "type": "industry", "country": "DE"},
    ),
    ("GET", "/api/organisations/{slug}/staff"): Case(STAFF, fixed(f"/api/organisations/{ORG_X}/staff")),
    ("POST", "/api/groups"): Case(
        GROUP_MAKERS,
        fixed("/api/groups"),
        json=lambda role, w: {"name": f"Group of {role}", "kind": "task_force", "committees": [COMMITTEE]},
    ),
    ("POST", "/api/groups/{slug}/members"): Case(
        LEADS,
        fixed(f"/api/groups/{GROUP_A}/members"),
        json=lambda role, w: {"organisation": OTHER_ORGS.get(role, "continental-automotive")},
    ),
    ("POST", "/api/groups/{slug}/work-plan"): Case(
        LEADS, fixed(f"/api/groups/{GROUP_A}/work-plan"), json=lambda role, w: {"objective": f"By {role}"}
    ),
    ("PATCH", "/api/work-plan/{item_id}"): Case(
        LEADS, lambda role, w: f"/api/work-plan/{w.work_item}", json=lambda role, w: {"status": "in_progress"}
    ),
    ("POST", "/api/events"): Case(
        LEADS,
        fixed("/api/events"),
        json=lambda role, w: {
            "name": f"Event of {role}",
            "starts_on": DAY,
            "ends_on": DAY,
            "mode": "online",
            "group": GROUP_A,
        },
    ),
    ("POST", "/api/events/{slug}/registrations"): Case(
        USERS, fixed(f"/api/events/{SELF_REGISTER_API}/registrations")
    ),
    ("GET", "/api/events/{slug}/registrations"): Case(LEADS, fixed(f"/api/events/{EVENT}/registrations")),
    # Another worker's registration: whoever is allowed first changes it, the next ones get 409.
    ("POST", "/api/events/{slug}/registrations/{person_id}/cancel"): Case(
        LEADS,
        lambda role, w: f"/api/events/{EVENT}/registrations/{w.other_worker_person}/cancel",
        ok=frozenset({200, 409}),
    ),
    ("POST", "/api/events/{slug}/registrations/{person_id}/attended"): Case(
        LEADS,
        lambda role, w: f"/api/events/{EVENT}/registrations/{w.attendee_person}/attended",
        ok=frozenset({200, 409}),
    ),
    # --- accounts API
    ("GET", "/api/me"): Case(USERS, fixed("/api/me")),
    ("GET", "/api/me/registrations"): Case(USERS, fixed("/api/me/registrations")),
    ("GET", "/api/me/tokens"): Case(USERS, fixed("/api/me/tokens")),
    ("POST", "/api/me/tokens"): Case(USERS, fixed("/api/me/tokens"), json=lambda role, w: {"name": "matrix"}),
    ("POST", "/api/me/tokens/{token_id}/revoke"): Case(
        USERS, lambda role, w: f"/api/me/tokens/{w.tokens.get(role, w.tokens['worker'])[0]}/revoke"
    ),
    ("GET", "/api/audit"): Case(OFFICE, fixed("/api/audit")),
    # --- alliance pages: public
    ("GET", "/"): public("/"),
    ("GET", "/about"): public("/about"),
    ("GET", "/committees/{slug}"): public(f"/committees/{COMMITTEE}"),
    ("GET", "/groups"): public("/groups"),
    ("GET", "/groups/{slug}"): public(f"/groups/{GROUP_A}"),
    ("GET", "/organisations"): public("/organisations"),
    ("GET", "/organisations/{slug}"): public(f"/organisations/{ORG_X}"),
    ("GET", "/events"): public("/events"),
    ("GET", "/events/{slug}"): public(f"/events/{EVENT}"),
    # --- alliance pages: forms
    ("GET", "/organisations/new"): Case(OFFICE, fixed("/organisations/new")),
    ("POST", "/organisations"): Case(
        OFFICE,
        fixed("/organisations"),
        form=lambda role, w: {"name": f"Page org of {role}", "type": "industry", "country": "DE"},
    ),
    ("GET", "/events/new"): Case(LEADS, fixed("/events/new")),
    ("POST", "/events"): Case(
        LEADS,
        fixed("/events"),
        form=lambda role, w: {
            "name": f"Page event of {role}",
            "starts_on": DAY,
            "ends_on": DAY,
            "mode": "online",
            "group": GROUP_A,
        },
    ),
    ("POST", "/events/{slug}/register"): Case(USERS, fixed(f"/events/{SELF_REGISTER_PAGE}/register")),
    ("POST", "/events/{slug}/cancel"): Case(USERS, fixed(f"/events/{EVENT}/cancel")),
    # --- account pages
    ("GET", "/login"): public("/login"),
    ("POST", "/login"): Case(
        EVERYONE,
        fixed("/login"),
        form=lambda role, w: {
            "email": ROLES.get(role, ROLES["worker"])[0],
            "password": "correct horse battery",
        },
        fresh=True,
    ),
    ("POST", "/logout"): Case(EVERYONE, fixed("/logout"), form=lambda role, w: {}, fresh=True),
    ("GET", "/signup"): public("/signup"),
    ("POST", "/signup"): Case(
        EVERYONE,
        fixed("/signup"),
        form=lambda role, w: {
            "full_name": "New",
            "email": f"new.{role}@test.example",
            "password": "a long password",
        },
        fresh=True,
    ),
    ("GET", "/password/forgot"): public("/password/forgot"),
    ("POST", "/password/forgot"): Case(
        EVERYONE, fixed("/password/forgot"), form=lambda role, w: {"email": "worker@test.example"}, fresh=True
    ),
    ("GET", "/password/reset"): public("/password/reset?token=whatever"),
    # A made-up link is refused for everyone alike (422): the page itself is open to all.
    ("POST", "/password/reset"): Case(
        EVERYONE,
        fixed("/password/reset"),
        form=lambda role, w: {"token": "not-a-real-token", "password": "a long password"},
        ok=frozenset({422}),
        fresh=True,
    ),
    ("GET", "/account"): Case(USERS, fixed("/account")),
    ("GET", "/home"): Case(USERS, fixed("/home")),
    ("POST", "/account/tokens"): Case(
        USERS, fixed("/account/tokens"), form=lambda role, w: {"name": "page token", "scopes": "read"}
    ),
    ("POST", "/account/tokens/{token_id}/revoke"): Case(
        USERS, lambda role, w: f"/account/tokens/{w.tokens.get(role, w.tokens['worker'])[1]}/revoke"
    ),
    ("GET", "/audit"): Case(OFFICE, fixed("/audit")),
    # --- a person's skills: the worker (employed by ORG_X) themselves, the office, ORG_X's managers
    ("GET", "/api/people/{person_id}/skills"): Case(
        SELF_AND_STAFF, lambda role, w: f"/api/people/{w.person_ids['worker']}/skills"
    ),
    ("PUT", "/api/people/{person_id}/skills"): Case(
        SELF_AND_STAFF,
        lambda role, w: f"/api/people/{w.person_ids['worker']}/skills",
        json=lambda role, w: [],
    ),
    # The world holds no skills: those allowed get "no such skill" (404), the others are refused first.
    ("DELETE", "/api/people/{person_id}/skills"): Case(
        SELF_AND_STAFF,
        lambda role, w: f"/api/people/{w.person_ids['worker']}/skills?uri=http://data.europa.eu/esco/skill/x",
        ok=frozenset({404}),
    ),
}


def _merged() -> dict[tuple[str, str], Case]:
    merged = dict(ENTRIES)
    for module in matrix_modules():
        for key, case in module.ENTRIES.items():
            assert key not in merged, f"{key} has two matrix entries (one in {module.__name__})"
            merged[key] = case
    return merged


MATRIX: dict[tuple[str, str], Case] = _merged()


@dataclass
class Route:
    method: str
    path: str
    module: str
    params: list[str] = field(default_factory=list)


def app_routes(client: TestClient) -> list[Route]:
    """Every (method, path) the app answers, with the module of its endpoint."""
    found = []
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        methods = getattr(route, "methods", None)
        if not methods:  # the /static mount
            continue
        module = route.endpoint.__module__ if isinstance(route, APIRoute) else "fastapi"
        for method in sorted(methods):
            found.append(Route(method, context.path or "", module))
    return found


def refused(role: str, response: Any) -> bool:
    if role == "anonymous":
        to_login = response.status_code == 303 and response.headers["location"].startswith("/login")
        return response.status_code == 401 or to_login
    return response.status_code == 403


def test_every_route_has_an_entry(client: TestClient) -> None:
    missing = [
        f"{r.method} {r.path} ({r.module})" for r in app_routes(client) if (r.method, r.path) not in MATRIX
    ]
    assert not missing, (
        f"routes without a permission entry in MATRIX (add them to tests/<domain>/matrix.py): {missing}"
    )


def test_every_role_on_every_route(world: World) -> None:
    routes = {(r.method, r.path) for r in app_routes(world.clients["anonymous"])}
    wrong = []
    for (method, path), case in MATRIX.items():
        if (method, path) not in routes:
            wrong.append(f"{method} {path}: in MATRIX but not in the app")
            continue
        for role in ALL_ROLES:
            client = world.fresh_client(role) if case.fresh else world.clients[role]
            kwargs: dict[str, Any] = {"follow_redirects": False}
            if case.json is not None:
                kwargs["json"] = case.json(role, world)
            if case.form is not None:
                kwargs["data"] = case.form(role, world)
            if case.files is not None:
                kwargs["files"] = case.files(role, world)
            response = client.request(method, case.url(role, world), **kwargs)
            good = response.status_code in case.ok if role in case.allowed else refused(role, response)
            if not good:
                expected = "allowed" if role in case.allowed else "refused"
                wrong.append(f"{method} {path} as {role}: {response.status_code}, expected {expected}")
            if case.fresh:
                client.close()
    assert not wrong, "\n".join(wrong)
