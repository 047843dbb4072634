"""Personal data's permission-matrix entries: the person themselves and the office; erasure by the office here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.db import unit_of_work
from skillatlas.people.models import Person
from tests.auth.matrix_support import OFFICE, USERS, Case, World, fixed

# The worker's own data: the worker and the office (not the employer's managers, not the leads).
SELF_AND_OFFICE = frozenset({"worker", "office"})


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """Two persons without accounts, for the office to erase (the API and the page); self-erasure is
    tested in tests/privacy, as erasing the worker here would end the worker's session for later routes."""
    with unit_of_work(sessions) as db:
        people = [Person(full_name=f"To be erased {i}", email=f"erase.{i}@test.example") for i in (1, 2)]
        db.add_all(people)
        db.flush()
        world.extra["erasable"] = [p.id for p in people]


def _worker(template: str) -> Any:
    return lambda role, w: template.format(w.person_ids["worker"])


def _erasable(index: int, template: str) -> Any:
    return lambda role, w: template.format(w.extra["erasable"][index])


ENTRIES: dict[tuple[str, str], Case] = {
    ("GET", "/api/people/{person_id}/consents"): Case(SELF_AND_OFFICE, _worker("/api/people/{}/consents")),
    ("PUT", "/api/people/{person_id}/consents/{purpose}"): Case(
        SELF_AND_OFFICE, _worker("/api/people/{}/consents/share_kpis"), json=lambda role, w: {"given": True}
    ),
    ("GET", "/api/people/{person_id}/personal-data"): Case(
        SELF_AND_OFFICE, _worker("/api/people/{}/personal-data")
    ),
    ("POST", "/api/people/{person_id}/erase"): Case(
        OFFICE, _erasable(0, "/api/people/{}/erase"), json=lambda role, w: {}
    ),
    ("GET", "/account/privacy"): Case(USERS, fixed("/account/privacy")),
    ("GET", "/people/{person_id}/privacy"): Case(SELF_AND_OFFICE, _worker("/people/{}/privacy")),
    ("POST", "/people/{person_id}/privacy/consents"): Case(
        SELF_AND_OFFICE,
        _worker("/people/{}/privacy/consents"),
        form=lambda role, w: {"purpose": "contact_by_email", "given": "yes"},
    ),
    ("GET", "/people/{person_id}/privacy/data.json"): Case(
        SELF_AND_OFFICE, _worker("/people/{}/privacy/data.json")
    ),
    ("POST", "/people/{person_id}/privacy/erase"): Case(
        OFFICE, _erasable(1, "/people/{}/privacy/erase"), form=lambda role, w: {}
    ),
}
