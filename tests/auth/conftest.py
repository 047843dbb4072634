"""A populated alliance with one logged-in client per role, for the permission tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.alliance import service as alliance_service
from skillatlas.auth import service as auth_service
from skillatlas.auth.permissions import SYSTEM, Principal
from skillatlas.auth.schemas import TokenCreate
from skillatlas.db import utcnow
from tests.conftest import TODAY, create_user, login, use_csrf

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


@dataclass
class World:
    """The app, a logged-in client per role, and the ids the requests need."""

    clients: dict[str, TestClient]
    user_ids: dict[str, int] = field(default_factory=dict)
    person_ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, list[int]] = field(default_factory=dict)
    other_worker_person: int = 0
    attendee_person: int = 0
    work_item: int = 0

    def fresh_client(self, role: str) -> TestClient:
        """A new client on the same app: anonymous, or logged in as the role."""
        client = TestClient(self.clients["anonymous"].app, raise_server_exceptions=False)
        if role == "anonymous":
            return use_csrf(client)
        return login(client, ROLES[role][0])


@pytest.fixture
def world(client: TestClient, sessions: sessionmaker[Session], demo: None) -> Iterator[World]:
    ids = {
        role: create_user(sessions, email, *grants, organisation=employer)
        for role, (email, grants, employer) in ROLES.items()
    }
    _, other_worker = create_user(
        sessions, "other.worker@test.example", {"role": "worker"}, organisation=ORG_X
    )
    _, attendee = create_user(sessions, "attendee@test.example", {"role": "worker"})
    with database.unit_of_work(sessions) as db:
        group = alliance_service.get_group(db=db, slug=GROUP_A)
        work_item = group.work_items[0].id
        tokens: dict[str, list[int]] = {}
        for role, (user_id, person_id) in ids.items():
            user = auth_service.get_user(db=db, user_id=user_id)
            tokens[role] = [
                auth_service.create_token(
                    db=db, actor=SYSTEM, user=user, data=TokenCreate(name=f"t{i}"), now=utcnow()
                )[0].id
                for i in range(2)
            ]
            # Everyone is registered for EVENT, so that each can cancel their own registration.
            alliance_service.register(db=db, actor=_as_person(person_id), event_slug=EVENT, today=TODAY)
        for person_id in (other_worker, attendee):
            alliance_service.register(db=db, actor=_as_person(person_id), event_slug=EVENT, today=TODAY)
    clients = {"anonymous": use_csrf(client)}
    for role, (email, _grants, _employer) in ROLES.items():
        clients[role] = login(TestClient(client.app, raise_server_exceptions=False), email)
    world = World(
        clients=clients,
        user_ids={r: u for r, (u, _p) in ids.items()},
        person_ids={r: p for r, (_u, p) in ids.items()},
        tokens=tokens,
        other_worker_person=other_worker,
        attendee_person=attendee,
        work_item=work_item,
    )
    yield world
    for role, c in clients.items():
        if role != "anonymous":
            c.close()


def _as_person(person_id: int) -> Principal:
    """A principal that registers `person_id` itself (the setup's shortcut for a logged-in user)."""
    return Principal(user_id=-1, person_id=person_id, via="session")
