"""The demo's applications to the Innovation Agent Task Force, one in each state (demo/data/applications.yaml),
made through the same service functions as every front door; loading again adds nothing."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Organisation
from skillatlas.applications import service
from skillatlas.applications.models import Application
from skillatlas.applications.schemas import ApplicationCreate, DeclineIn, IntakeIn, InterviewIn, OutcomeIn
from skillatlas.auth.permissions import SYSTEM, Principal
from skillatlas.credentials.models import Achievement
from skillatlas.errors import NotFound
from skillatlas.people import service as people_service
from skillatlas.people.models import Person
from skillatlas.taxonomy.models import Skill


def demo_applications() -> dict[str, Any]:
    text = (resources.files("skillatlas.demo") / "data" / "applications.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _person(db: Session, spec: dict[str, Any]) -> Person | None:
    found = db.scalar(select(Person).where(func.lower(Person.email) == spec["email"].lower()))
    if found is not None or "full_name" not in spec:
        return found
    person = people_service.find_or_create_by_email(db=db, email=spec["email"], full_name=spec["full_name"])
    if spec.get("employer"):
        person.employer_id = db.scalar(select(Organisation.id).where(Organisation.slug == spec["employer"]))
    db.flush()
    return person


def load_demo_applications(*, db: Session, now: dt.datetime | None = None) -> int:
    """Opens the task force to applications and adds the demo's applications; how many were added."""
    data = demo_applications()
    try:
        group = alliance_service.get_group(db=db, slug=data["group"])
    except NotFound:
        return 0
    now = now or dt.datetime.now(dt.UTC)
    # the steps are dated from the load's day (the demo's `now`), as the app's clock dates them
    clock = db.info.get("skillatlas.clock")
    db.info["skillatlas.clock"] = lambda: now
    try:
        return _load(db, data, group, now)
    finally:
        if clock is None:
            db.info.pop("skillatlas.clock", None)
        else:
            db.info["skillatlas.clock"] = clock


def _load(db: Session, data: dict[str, Any], group: Any, now: dt.datetime) -> int:
    if service.intake_of(db, group) is None:
        intake = dict(data["intake"])
        if db.scalar(select(Achievement.id).where(Achievement.slug == intake.get("achievement"))) is None:
            intake["achievement"], intake["badge_on_acceptance"] = None, False
        service.set_intake(db=db, actor=SYSTEM, group_slug=group.slug, data=IntakeIn(**intake))
    panel_emails = [e.lower() for e in data.get("panel", [])]
    panel = list(db.scalars(select(Person.id).where(func.lower(Person.email).in_(panel_emails))))
    added = 0
    for spec in data["applications"]:
        person = _person(db, spec)
        if person is None:
            continue
        exists = db.scalar(
            select(Application.id).where(Application.group_id == group.id, Application.person_id == person.id)
        )
        if exists is not None:
            continue
        labels = spec.get("skills", [])
        uris = list(db.scalars(select(Skill.uri).where(Skill.preferred_label.in_(labels)))) if labels else []
        applicant = Principal(user_id=None, person_id=person.id, via="system")
        application = service.apply(
            db=db,
            actor=applicant,
            group_slug=group.slug,
            data=ApplicationCreate(
                motivation=spec["motivation"], cv_text=spec.get("cv", ""), skills=[{"uri": u} for u in uris]
            ),
        )
        state = spec["state"]
        if state == "withdrawn":
            service.withdraw(db=db, actor=applicant, application_id=application.id)
        elif state == "declined":
            service.decline(
                db=db, actor=SYSTEM, application_id=application.id, data=DeclineIn(reason=spec["reason"])
            )
        elif state != "submitted":
            service.shortlist(db=db, actor=SYSTEM, application_id=application.id)
        if state in ("interview_scheduled", "accepted") and panel:
            interview = spec["interview"]
            day = (now + dt.timedelta(days=interview["in_days"])).date()
            at = dt.datetime.combine(day, dt.time(interview["hour"]), tzinfo=dt.UTC)
            future = max(at, now + dt.timedelta(days=1))  # an interview is set ahead of time
            service.schedule_interview(
                db=db,
                actor=SYSTEM,
                application_id=application.id,
                data=InterviewIn(at=future, place=interview["place"], panel=panel),
            )
            if state == "accepted":
                service.record_outcome(
                    db=db,
                    actor=SYSTEM,
                    application_id=application.id,
                    data=OutcomeIn(outcome="accepted", notes=spec.get("notes", "")),
                )
                application.interview_at = at  # it took place in the past
        added += 1
    return added
