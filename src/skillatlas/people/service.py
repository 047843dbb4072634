"""Rules for persons: finding, creating and listing them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.auth.permissions import Principal, authorize
from skillatlas.errors import NotFound
from skillatlas.people.models import Person, PersonKind


def get(*, db: Session, person_id: int) -> Person:
    """The person, or NotFound."""
    person = db.get(Person, person_id)
    if person is None:
        raise NotFound(f"no person with id {person_id}", field="person_id")
    return person


def find_or_create_by_email(
    *,
    db: Session,
    email: str,
    full_name: str,
    country: str | None = None,
    kind: PersonKind = PersonKind.WORKER,
) -> Person:
    """The person with this e-mail address (case-insensitive), created when new."""
    normalised = email.strip().lower()
    person = db.scalar(select(Person).where(func.lower(Person.email) == normalised))
    if person is None:
        person = Person(email=normalised, full_name=full_name, country=country, kind=kind)
        db.add(person)
        db.flush()
    return person


def staff_of(
    *, db: Session, actor: Principal, organisation_id: int, limit: int = 500, offset: int = 0
) -> list[Person]:
    """The persons an organisation employs: personal data, for the office and the organisation's managers."""
    authorize(actor, "organisation.read_staff", organisation_id=organisation_id)
    return list(
        db.scalars(
            select(Person)
            .where(Person.employer_id == organisation_id)
            .order_by(Person.full_name, Person.id)
            .limit(limit)
            .offset(offset)
        )
    )


def count(*, db: Session) -> int:
    """How many persons the platform holds."""
    return db.scalar(select(func.count()).select_from(Person)) or 0
