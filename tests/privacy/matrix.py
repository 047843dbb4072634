"""Personal data's permission-matrix entries: the person themselves and the office; erasure by the office here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.people.models import Person
from skillatlas.privacy import service as privacy
from skillatlas.privacy.models import ConsentPurpose
from tests.auth.matrix_support import OFFICE, USERS, Case, World, fixed
from tests.conftest import NOW

# The worker's own data: the worker and the office (not the employer's managers, not the leads).
SELF_AND_OFFICE = frozenset({"worker", "office"})


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """Two persons without accounts, for the office to erase (the API and the page); self-erasure is
    tested in tests/privacy, as erasing the worker here would end the worker's session for later routes.
    The worker lets their employer see their skills, so that ORG_X's manager reads them (skills, gap, path,
    workforce); without it the manager is refused (tests/privacy/test_consent_enforced.py)."""
    with unit_of_work(sessions) as db:
        privacy.set_consent(db=db, actor=SYSTEM, person_id=world.person_ids["worker"],
                            purpose=ConsentPurpose.SHARE_SKILLS_WITH_EMPLOYER, given=True, now=NOW)  # fmt: skip
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
