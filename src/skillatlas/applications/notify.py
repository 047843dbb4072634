"""The mail of the applications: the applicant at every step, the group's leads when someone applies, the
panel when an interview is set. Written in the step's transaction (mail.service), so a refused step mails
nobody; persons without an address and erased persons get nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from skillatlas.mail import service as mail_service

if TYPE_CHECKING:
    from skillatlas.applications.models import Application
    from skillatlas.people.models import Person


def step(db: Session, application: Application, what: str, moved: bool = False) -> None:
    """The applicant hears of their application's step: submitted, shortlisted, interview, accepted,
    declined or withdrawn."""
    mail_service.notify_person(
        db=db,
        person_id=application.person_id,
        template="application_step",
        context={"application": application, "group": application.group, "step": what, "moved": moved},
    )


def leads_of_new(db: Session, application: Application, user_ids: list[int]) -> None:
    """The group's leads hear that someone applied."""
    for user_id in user_ids:
        mail_service.notify_user(
            db=db,
            user_id=user_id,
            template="application_received",
            context={"application": application, "group": application.group, "applicant": application.person},
        )


def panel(db: Session, application: Application, people: list[Person]) -> None:
    """Each panel member hears when and where they interview."""
    for person in people:
        mail_service.notify_person(
            db=db,
            person_id=person.id,
            template="application_panel",
            context={"application": application, "group": application.group, "applicant": application.person},
        )
