"""Loads the ASA demo alliance from its data file through the ordinary services, acting as SYSTEM."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from skillatlas.alliance import service
from skillatlas.alliance.models import Committee, Event, Group, Organisation, Project
from skillatlas.alliance.schemas import EventCreate, GroupCreate, OrganisationCreate, ProjectCreate
from skillatlas.auth import service as auth_service
from skillatlas.auth.models import User
from skillatlas.auth.passwords import verify_password
from skillatlas.auth.permissions import SYSTEM
from skillatlas.auth.schemas import GrantIn, UserCreate
from skillatlas.validation import parse_input, slugify


@dataclass
class LoadReport:
    """What a load added and what was there already."""

    added: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, added: bool) -> None:
        target = self.added if added else self.skipped
        target[kind] = target.get(kind, 0) + 1

    def summary(self) -> str:
        parts = [f"{n} {kind}" for kind, n in self.added.items()]
        text = ", ".join(parts) or "nothing new"
        if self.skipped:
            text += f" ({sum(self.skipped.values())} already present)"
        return text


def demo_data() -> dict[str, Any]:
    """The parsed demo data file."""
    text = (resources.files("skillatlas.demo") / "data" / "asa.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def alliance_profile() -> dict[str, Any]:
    """The alliance's own description: mission, ambition, first KPIs."""
    return demo_data()["alliance"]


def is_empty(*, db: Session) -> bool:
    """True when the database holds no organisation and no committee yet."""
    organisations = db.scalar(select(func.count()).select_from(Organisation)) or 0
    committees = db.scalar(select(func.count()).select_from(Committee)) or 0
    return organisations == 0 and committees == 0


def _exists(db: Session, model: type[Any], slug: str) -> bool:
    return db.scalar(select(model.id).where(model.slug == slug)) is not None


def load_demo(
    *, db: Session, taxonomy: bool = False, issuing: Any | None = None, now: dt.datetime | None = None
) -> LoadReport:
    """Adds the demo alliance; what is already there (by slug) is left as it is, so it can be rerun.

    `taxonomy` first loads the bundled ESCO into an empty taxonomy (about a second): the demo's roles,
    courses and experts speak in its skills. The test suite leaves it off unless a test needs it.
    With the taxonomy, the living demo (demo/living.py) follows: skills, a deployment, plans, achievements,
    job ads; `issuing` (credentials.service.Issuing: the data directory holding the key-encryption key)
    lets it sign the demo's credentials too. `now` is the day the relative dates of the demo count from.

    The demo's people are fictional: the notifications its steps write to the outbox are taken out again,
    so loading the demo mails nobody.
    """
    from skillatlas.mail.service import PENDING_KEY

    mail_before = len(db.info.get(PENDING_KEY, []))
    data = demo_data()
    report = LoadReport()
    if taxonomy:
        from skillatlas.taxonomy import service as taxonomy_service

        if taxonomy_service.is_empty(db=db):
            stored = taxonomy_service.load_bundled(db=db)
            report.added["ESCO skills"] = stored.inserted.get("skills", 0)
    for committee in data["committees"]:
        present = _exists(db, Committee, slugify(committee["name"]))
        if not present:
            service.create_committee(
                db=db,
                actor=SYSTEM,
                name=committee["name"],
                description=committee["description"],
                priorities=committee["priorities"],
            )
        report.count("committees", added=not present)
    for organisation in data["organisations"]:
        values = parse_input(OrganisationCreate, organisation)
        present = _exists(db, Organisation, slugify(values.short_name or values.name))
        if not present:
            service.create_organisation(db=db, actor=SYSTEM, data=values)
        report.count("organisations", added=not present)
    for project in data["projects"]:
        values = parse_input(ProjectCreate, project)
        present = _exists(db, Project, slugify(values.name))
        if not present:
            service.create_project(db=db, actor=SYSTEM, data=values)
        report.count("projects", added=not present)
    for group in data["groups"]:
        spec = {k: v for k, v in group.items() if k != "note"}
        spec["members"] = [{"organisation": slug} for slug in spec.get("members", [])]
        values = parse_input(GroupCreate, spec)
        present = _exists(db, Group, slugify(values.name))
        if not present:
            service.create_group(db=db, actor=SYSTEM, data=values)
        report.count("groups", added=not present)
    for event in data["events"]:
        values = parse_input(EventCreate, event)
        present = db.scalar(select(Event.id).where(Event.name == values.name)) is not None
        if not present:
            service.create_event(db=db, actor=SYSTEM, data=values)
        report.count("events", added=not present)
    for user in data.get("users", []):
        email = user["email"].lower()
        present = db.scalar(select(User.id).where(func.lower(User.email) == email)) is not None
        if not present:
            auth_service.create_user(
                db=db,
                actor=SYSTEM,
                data=parse_input(
                    UserCreate,
                    {**{k: v for k, v in user.items() if k != "roles"}, "password": data["demo_password"]},
                ),
                grants=[parse_input(GrantIn, grant) for grant in user.get("roles", [])],
            )
        report.count("users", added=not present)
    from skillatlas.learning.demo import load_demo_learning

    report.added.update(load_demo_learning(db=db))  # job roles and courses, built from ESCO skills
    from skillatlas.kpi.demo import load_demo_events

    if kpi_added := load_demo_events(db=db):  # a deterministic outcome ledger for the KPI dashboard
        report.added["KPI outcome events"] = kpi_added
    from skillatlas.experts.demo import load_demo_experts

    if experts_added := load_demo_experts(db=db):  # fictional experts with consent; needs the taxonomy
        report.added["experts"] = experts_added
    from skillatlas.innovation.demo import load_demo_innovation

    report.added.update(
        load_demo_innovation(db=db, now=now)
    )  # the question set, three organisations' assessments
    from skillatlas.demo.living import load_living

    report.added.update(load_living(db=db, password=data["demo_password"], issuing=issuing, now=now))
    from skillatlas.applications.demo import load_demo_applications

    if applications_added := load_demo_applications(db=db, now=now):  # one in each state
        report.added["applications"] = applications_added
    _drop_demo_mail(db, mail_before)
    return report


def _drop_demo_mail(db: Session, keep: int) -> None:
    """Removes the outbox messages written since `keep` pending ones: mail to the demo's fictional people."""
    from sqlalchemy import delete

    from skillatlas.auth.models import OutboxMessage
    from skillatlas.mail.service import PENDING_KEY

    pending = db.info.get(PENDING_KEY, [])
    demo_mail, pending[keep:] = pending[keep:], []
    if demo_mail:
        db.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(demo_mail)))


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str


def demo_office_login(*, db: Session) -> DemoLogin | None:
    """How to log in as the demo office user, while that account still has the demo password.

    None in any database the demo was not loaded into, or once the password was changed.
    """
    data = demo_data()
    office = next(
        (u for u in data.get("users", []) if any(r["role"] == "alliance_office" for r in u.get("roles", []))),
        None,
    )
    if office is None:
        return None
    user = db.scalar(select(User).where(func.lower(User.email) == office["email"].lower()))
    if user is None or not verify_password(user.password_hash, data["demo_password"]):
        return None
    return DemoLogin(email=user.email, password=data["demo_password"])
