"""Event registration: seats, the waitlist, cancellations and their promotions, closed events."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from skillatlas.alliance import service
from skillatlas.alliance.models import RegistrationStatus
from skillatlas.alliance.schemas import EventCreate, RegistrationCreate
from skillatlas.auth.permissions import SYSTEM
from skillatlas.errors import Conflict, NotFound
from tests.conftest import TODAY, wipe


def make_event(db: Session, capacity: int | None = 2, days_ahead: int = 30, name: str = "Battery day") -> str:
    start = TODAY + dt.timedelta(days=days_ahead)
    event = service.create_event(
        db=db,
        actor=SYSTEM,
        data=EventCreate(name=name, starts_on=start, ends_on=start, mode="online", capacity=capacity),
    )
    return event.slug


def person(i: int) -> RegistrationCreate:
    return RegistrationCreate(full_name=f"Person {i}", email=f"p{i}@example.org")


def test_seats_then_waitlist_then_promotion_on_cancel(db: Session) -> None:
    slug = make_event(db, capacity=2)
    first = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    second = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(2), today=TODAY)
    third = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(3), today=TODAY)
    fourth = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(4), today=TODAY)
    assert [r.status for r in (first, second, third, fourth)] == [
        RegistrationStatus.REGISTERED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.WAITLISTED,
    ]
    assert service.waitlist_position(db=db, registration=fourth) == 2

    promoted = service.cancel_registration(db=db, actor=SYSTEM, event_slug=slug, person_id=first.person_id)
    assert promoted is not None and promoted.person_id == third.person_id
    assert promoted.status == RegistrationStatus.REGISTERED
    assert service.waitlist_position(db=db, registration=fourth) == 1


def test_cancelling_a_waitlisted_place_promotes_nobody(db: Session) -> None:
    slug = make_event(db, capacity=1)
    service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    waiting = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(2), today=TODAY)
    assert (
        service.cancel_registration(db=db, actor=SYSTEM, event_slug=slug, person_id=waiting.person_id) is None
    )


def test_registering_twice_is_refused(db: Session) -> None:
    slug = make_event(db)
    service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    with pytest.raises(Conflict) as error:
        service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    assert error.value.field == "email"


def test_the_same_email_in_other_case_is_the_same_person(db: Session) -> None:
    slug = make_event(db)
    service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    shouting = RegistrationCreate(full_name="Person 1", email="P1@EXAMPLE.ORG")
    with pytest.raises(Conflict):
        service.register(db=db, actor=SYSTEM, event_slug=slug, data=shouting, today=TODAY)


def test_registering_after_cancelling_goes_to_the_back_of_the_queue(db: Session) -> None:
    slug = make_event(db, capacity=1)
    first = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(2), today=TODAY)
    service.cancel_registration(db=db, actor=SYSTEM, event_slug=slug, person_id=first.person_id)
    again = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    assert again.status == RegistrationStatus.WAITLISTED


def test_registration_for_a_past_event_is_closed(db: Session) -> None:
    slug = make_event(db, days_ahead=-3)
    with pytest.raises(Conflict) as error:
        service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    assert "closed" in error.value.message


def test_registration_on_the_day_itself_is_open(db: Session) -> None:
    slug = make_event(db, days_ahead=0)
    registration = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    assert registration.status == RegistrationStatus.REGISTERED


def test_unknown_event(db: Session) -> None:
    with pytest.raises(NotFound):
        service.register(db=db, actor=SYSTEM, event_slug="no-such-event", data=person(1), today=TODAY)


def test_attendance_only_for_registered(db: Session) -> None:
    slug = make_event(db, capacity=1)
    seated = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(1), today=TODAY)
    waiting = service.register(db=db, actor=SYSTEM, event_slug=slug, data=person(2), today=TODAY)
    assert (
        service.mark_attended(db=db, actor=SYSTEM, event_slug=slug, person_id=seated.person_id).status
        == "attended"
    )
    with pytest.raises(Conflict):
        service.mark_attended(db=db, actor=SYSTEM, event_slug=slug, person_id=waiting.person_id)
    with pytest.raises(Conflict):
        service.cancel_registration(db=db, actor=SYSTEM, event_slug=slug, person_id=seated.person_id)


actions = st.lists(st.tuples(st.sampled_from(["register", "cancel"]), st.integers(0, 7)), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(capacity=st.integers(1, 4), steps=actions)
def test_waitlist_invariants(engine, sessions, capacity: int, steps: list[tuple[str, int]]) -> None:
    """Whatever happens: never more seats than capacity, nobody waits while a seat is free, FIFO promotion."""
    wipe(engine)
    with sessions() as db:
        slug = make_event(db, capacity=capacity)
        person_ids: dict[int, int] = {}
        for action, who in steps:
            try:
                if action == "register":
                    person_ids[who] = service.register(
                        db=db, actor=SYSTEM, event_slug=slug, data=person(who), today=TODAY
                    ).person_id
                elif who in person_ids:
                    service.cancel_registration(
                        db=db, actor=SYSTEM, event_slug=slug, person_id=person_ids[who]
                    )
            except Conflict:
                pass
            regs = service.registrations(db=db, actor=SYSTEM, event_slug=slug)
            seated = [r for r in regs if r.status == RegistrationStatus.REGISTERED]
            waiting = [r for r in regs if r.status == RegistrationStatus.WAITLISTED]
            assert len(seated) <= capacity
            assert not waiting or len(seated) == capacity
        regs = service.registrations(db=db, actor=SYSTEM, event_slug=slug)
        waiting = [r for r in regs if r.status == RegistrationStatus.WAITLISTED]
        positions = [service.waitlist_position(db=db, registration=r) for r in waiting]
        assert positions == list(range(1, len(waiting) + 1))
        db.rollback()
