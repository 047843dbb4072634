"""A populated alliance with one logged-in client per role, for the permission tests."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.alliance import service as alliance_service
from skillatlas.auth import service as auth_service
from skillatlas.auth.permissions import SYSTEM, Principal
from skillatlas.auth.schemas import TokenCreate
from skillatlas.db import utcnow
from tests.auth.matrix_support import ALL_ROLES, COMMITTEE, EVENT, GROUP_A, ORG_X, ROLES, World
from tests.conftest import TODAY, create_user, login, use_csrf

__all__ = ["ALL_ROLES", "COMMITTEE", "EVENT", "GROUP_A", "ORG_X", "ROLES", "World", "matrix_modules"]


def matrix_modules() -> list[ModuleType]:
    """Every domain's `tests/<domain>/matrix.py`, imported: each holds ENTRIES and may hold `arrange`."""
    tests = Path(__file__).resolve().parent.parent
    return [
        importlib.import_module(f"tests.{path.parent.name}.matrix")
        for path in sorted(tests.glob("*/matrix.py"))
    ]


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
    for module in matrix_modules():
        arrange = getattr(module, "arrange", None)
        if arrange is not None:
            arrange(world, sessions)
    yield world
    for role, c in clients.items():
        if role != "anonymous":
            c.close()


def _as_person(person_id: int) -> Principal:
    """A principal that registers `person_id` itself (the setup's shortcut for a logged-in user)."""
    return Principal(user_id=-1, person_id=person_id, via="session")
