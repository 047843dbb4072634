"""Fixtures of the application tests: the demo alliance, a group that takes applications, its lead, an
applicant, another group's lead and the office, each with a logged-in client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.applications import service
from skillatlas.applications.schemas import IntakeIn
from skillatlas.auth.permissions import SYSTEM
from tests.conftest import create_user, login

GROUP = "hydrogen-vet-forum"  # members: aco, educam, kit, asa, ...; steered by the Education committee
OTHER_GROUP = "siitme-conference-cooperation"  # steered by the Technology committee only
APPLICANT = "applicant@test.example"  # employed by vamia, a member of GROUP
OUTSIDER = "outsider@test.example"  # employed by continental-automotive, not a member of GROUP
LEAD = "lead@test.example"
OTHER_LEAD = "other.lead@test.example"
OFFICE = "office@test.example"
PANELIST = "panelist@test.example"  # employed by kit, a member of GROUP

MOTIVATION = "I train hydrogen vehicle technicians and want to share our course material with the forum."


@dataclass
class People:
    clients: dict[str, TestClient]
    person_ids: dict[str, int] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)
    app: object = None

    def client(self, who: str) -> TestClient:
        return self.clients[who]


def open_intake(sessions: sessionmaker[Session], group: str = GROUP, **changes: object) -> None:
    with database.unit_of_work(sessions) as db:
        data = {"accepts_applications": True, **changes}
        service.set_intake(db=db, actor=SYSTEM, group_slug=group, data=IntakeIn(**data))  # type: ignore[arg-type]


@pytest.fixture
def people(client: TestClient, sessions: sessionmaker[Session], demo: None) -> Iterator[People]:
    accounts = {
        "applicant": (APPLICANT, [{"role": "worker"}], "vamia"),
        "outsider": (OUTSIDER, [{"role": "worker"}], "continental-automotive"),
        "lead": (LEAD, [{"role": "group_lead", "group": GROUP}], "aco"),
        "other_lead": (OTHER_LEAD, [{"role": "group_lead", "group": OTHER_GROUP}], "iscn"),
        "office": (OFFICE, [{"role": "alliance_office"}], "asa"),
        "panelist": (PANELIST, [{"role": "worker"}], "kit"),
    }
    found = People(clients={"anonymous": client}, app=client.app)
    for key, (email, grants, employer) in accounts.items():
        user_id, person_id = create_user(sessions, email, *grants, organisation=employer)
        found.user_ids[key], found.person_ids[key] = user_id, person_id
    for key, (email, _g, _e) in accounts.items():
        found.clients[key] = login(TestClient(client.app, raise_server_exceptions=False), email)
    open_intake(sessions)
    yield found
    for key, c in found.clients.items():
        if key != "anonymous":
            c.close()


ApiCall = Callable[..., object]


def apply_via_api(people: People, who: str = "applicant", group: str = GROUP) -> dict:
    response = people.client(who).post(
        f"/api/groups/{group}/applications", json={"motivation": MOTIVATION, "cv_text": "Trainer since 2015."}
    )
    assert response.status_code == 201, response.text
    return response.json()


def interview_body(people: People, at: str = "2026-06-15T10:00:00Z") -> dict:
    return {"at": at, "place": "https://meet.example/hydrogen", "panel": [people.person_ids["panelist"]]}
