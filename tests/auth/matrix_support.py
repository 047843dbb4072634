"""The permission matrix's building blocks: the world, the roles, and a Case per route, shared by every domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import login, use_csrf

GROUP_A = "hydrogen-vet-forum"  # steered by the Education committee
COMMITTEE = "education"
ORG_X = "educam"
EVENT = "hydrogen-vet-forum-2027"  # an event of group A, open for registration

# role -> (e-mail, grants, employer)
ROLES: dict[str, tuple[str, list[dict[str, str]], str | None]] = {
    "office": ("office@test.example", [{"role": "alliance_office"}], "asa"),
    "group_lead": ("lead@test.example", [{"role": "group_lead", "group": GROUP_A}], "aco"),
    "committee_lead": ("committee@test.example", [{"role": "committee_lead", "committee": COMMITTEE}], None),
    "org_manager": ("manager@test.example", [{"role": "organisation_manager", "organisation": ORG_X}], ORG_X),
    "worker": ("worker@test.example", [{"role": "worker"}], ORG_X),
    "expert": ("expert@test.example", [{"role": "expert"}], None),
    "trainer": ("trainer@test.example", [{"role": "trainer"}], None),
}
ALL_ROLES = ["anonymous", *ROLES]

EVERYONE = frozenset(ALL_ROLES)
USERS = EVERYONE - {"anonymous"}
OFFICE = frozenset({"office"})
LEADS = frozenset({"office", "group_lead", "committee_lead"})  # the committee steers group A
STAFF = frozenset({"office", "org_manager"})  # the office and ORG_X's managers
GROUP_MAKERS = frozenset({"office", "committee_lead"})
SELF_AND_STAFF = frozenset({"worker", "office", "org_manager"})  # the worker (employed by ORG_X) too


@dataclass
class World:
    """The app, a logged-in client per role, and the ids the requests need.

    `extra` holds what each domain's `arrange(world, sessions)` adds (keyed by the domain's own names).
    """

    clients: dict[str, TestClient]
    user_ids: dict[str, int] = field(default_factory=dict)
    person_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, list[int]] = field(default_factory=dict)
    other_worker_person: int = 0
    attendee_person: int = 0
    work_item: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def fresh_client(self, role: str) -> TestClient:
        """A new client on the same app: anonymous, or logged in as the role."""
        client = TestClient(self.clients["anonymous"].app, raise_server_exceptions=False)
        if role == "anonymous":
            return use_csrf(client)
        return login(client, ROLES[role][0])


Body = Callable[[str, World], Any] | None


@dataclass(frozen=True)
class Case:
    """Who may call the route, with what, and which statuses count as "done" for those allowed."""

    allowed: frozenset[str]
    url: Callable[[str, World], str]
    json: Body = None
    form: Body = None
    ok: frozenset[int] = frozenset({200, 201, 303})
    # Log-in and sign-up flows change who the client is: they run on a fresh client per call.
    fresh: bool = False
    # Multipart uploads: {field: (filename, bytes, content type)}.
    files: Body = None


def fixed(url: str) -> Callable[[str, World], str]:
    return lambda role, world: url


def public(url: str) -> Case:
    return Case(EVERYONE, fixed(url))
