"""Rules of the applications to join a group or task force.

An application moves along one state machine (`TRANSITIONS`):

    submitted -> shortlisted -> interview scheduled -> accepted
        \\______________\\_______________\\___________-> declined (by the lead, with a reason)
         \\______________\\_______________\\__________-> withdrawn (by the applicant)

Any other move is refused (`InvalidTransition`, 409, naming what the application can still become). An
accepted applicant's organisation joins the group through the alliance's membership service; a passed
certification (or, where the group says so, the acceptance itself) issues the group's badge through the
credentials service. The applicant is mailed at every step, in the step's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Group, GroupMembership
from skillatlas.alliance.schemas import GroupMemberIn
from skillatlas.applications import notify
from skillatlas.applications import policy as _policy  # noqa: F401  (registers the rules)
from skillatlas.applications.models import (
    OPEN_STATES,
    Application,
    ApplicationState,
    ApplicationStep,
    GroupIntake,
    Panelist,
)
from skillatlas.applications.schemas import (
    ApplicationCreate,
    ApplicationRead,
    DeclineIn,
    IntakeIn,
    IntakeRead,
    InterviewIn,
    OutcomeIn,
    PanelistRead,
    SkillRead,
    StepRead,
)
from skillatlas.auth import audit
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.errors import Conflict, InvalidInput, NotFound
from skillatlas.people.models import Person
from skillatlas.privacy import service as privacy_service

S = ApplicationState

TRANSITIONS: dict[ApplicationState, frozenset[ApplicationState]] = {
    S.SUBMITTED: frozenset({S.SHORTLISTED, S.DECLINED, S.WITHDRAWN}),
    S.SHORTLISTED: frozenset({S.INTERVIEW_SCHEDULED, S.DECLINED, S.WITHDRAWN}),
    # an interview may be moved (scheduled again) until the outcome is recorded
    S.INTERVIEW_SCHEDULED: frozenset({S.INTERVIEW_SCHEDULED, S.ACCEPTED, S.DECLINED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset(),
    S.DECLINED: frozenset(),
    S.WITHDRAWN: frozenset(),
}

# How a state reads in a sentence ("the application is ...") and how a move reads ("it can be ...").
STATE_WORDS = {
    S.SUBMITTED: "submitted",
    S.SHORTLISTED: "shortlisted",
    S.INTERVIEW_SCHEDULED: "waiting for its interview",
    S.ACCEPTED: "accepted",
    S.DECLINED: "declined",
    S.WITHDRAWN: "withdrawn",
}
STATE_LABELS = {
    S.SUBMITTED: "Submitted",
    S.SHORTLISTED: "Shortlisted",
    S.INTERVIEW_SCHEDULED: "Interview scheduled",
    S.ACCEPTED: "Accepted",
    S.DECLINED: "Declined",
    S.WITHDRAWN: "Withdrawn",
}
MOVE_WORDS = {
    S.SHORTLISTED: "shortlisted",
    S.INTERVIEW_SCHEDULED: "given an interview",
    S.ACCEPTED: "accepted",
    S.DECLINED: "declined",
    S.WITHDRAWN: "withdrawn",
}


class InvalidTransition(Conflict):
    """The application's state does not allow the step asked for."""

    code = "invalid_transition"


def check_transition(current: ApplicationState, target: ApplicationState) -> None:
    """Returns when an application in `current` may move to `target`; raises InvalidTransition otherwise."""
    possible = TRANSITIONS[current]
    if target in possible:
        return
    if not possible:
        raise InvalidTransition(
            f"the application is {STATE_WORDS[current]}: it cannot be {MOVE_WORDS[target]} any more",
            field="state",
        )
    can = [MOVE_WORDS[s] for s in S if s in possible and s != current]
    raise InvalidTransition(
        f"an application that is {STATE_WORDS[current]} cannot be {MOVE_WORDS[target]}; "
        f"it can be {', '.join(can[:-1]) + ' or ' + can[-1] if len(can) > 1 else can[0]}",
        field="state",
    )


def _now(db: Session) -> dt.datetime:
    """The app's clock (the web app puts it on its sessions), else the wall clock."""
    clock = db.info.get("skillatlas.clock")
    return clock() if callable(clock) else dt.datetime.now(dt.UTC)


# --- the group's intake -------------------------------------------------------------------------


def intake_of(db: Session, group: Group) -> GroupIntake | None:
    return db.get(GroupIntake, group.id)


def accepts_applications(db: Session, group: Group) -> bool:
    intake = intake_of(db, group)
    return intake is not None and intake.accepts_applications


def intake_read(db: Session, group: Group) -> IntakeRead:
    from skillatlas.credentials.models import Achievement

    intake = intake_of(db, group)
    achievement = db.get(Achievement, intake.achievement_id) if intake and intake.achievement_id else None
    return IntakeRead(
        group=group.slug,
        accepts_applications=bool(intake and intake.accepts_applications),
        achievement=achievement.slug if achievement else None,
        achievement_name=achievement.name if achievement else None,
        badge_on_acceptance=bool(intake and intake.badge_on_acceptance),
    )


def set_intake(*, db: Session, actor: Principal, group_slug: str, data: IntakeIn) -> GroupIntake:
    """Opens or closes a group to applications and names its badge (the office, the group's leads)."""
    group = alliance_service.get_group(db=db, slug=group_slug)
    authorize(actor, "application.intake", **alliance_service.group_facts(group))
    achievement_id = None
    if data.achievement:
        from skillatlas.credentials import service as credentials_service

        try:
            achievement_id = credentials_service.get_achievement(db=db, ref=data.achievement).id
        except NotFound as exc:
            raise InvalidInput(f"no badge {data.achievement!r}", field="achievement") from exc
    if data.badge_on_acceptance and achievement_id is None:
        raise InvalidInput("choose the badge that acceptance issues", field="achievement")
    intake = intake_of(db, group) or GroupIntake(group_id=group.id)
    intake.accepts_applications = data.accepts_applications
    intake.achievement_id = achievement_id
    intake.badge_on_acceptance = data.badge_on_acceptance
    db.add(intake)
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="application.intake",
        object_type="group",
        object_id=group.id,
        details=data.model_dump(),
    )
    return intake


# --- applying -------------------------------------------------------------------------------------


def _skills(db: Session, picked: list[Any]) -> list[dict[str, str]]:
    from skillatlas.taxonomy import service as taxonomy_service

    uris = list(dict.fromkeys(s.uri for s in picked))
    found = taxonomy_service.skills_by_uri(db=db, uris=uris)
    unknown = [u for u in uris if u not in found]
    if unknown:
        raise InvalidInput(f"{len(unknown)} of the skills are not in the taxonomy", field="skills")
    levels = {s.uri: s.level for s in picked}
    return [{"uri": u, "label": found[u].preferred_label, "level": levels[u]} for u in uris]


def open_application(db: Session, group_id: int, person_id: int) -> Application | None:
    """The person's application to the group that is still being decided, if any."""
    return db.scalar(
        select(Application).where(
            Application.group_id == group_id,
            Application.person_id == person_id,
            Application.state.in_(OPEN_STATES),
        )
    )


def joined(db: Session, group_id: int, person_id: int) -> Application | None:
    return db.scalar(
        select(Application).where(
            Application.group_id == group_id,
            Application.person_id == person_id,
            Application.state == S.ACCEPTED,
        )
    )


def apply(*, db: Session, actor: Principal, group_slug: str, data: ApplicationCreate) -> Application:
    """The logged-in person applies to join a group that takes applications (one open application each)."""
    authorize(actor, "application.apply")
    group = alliance_service.get_group(db=db, slug=group_slug)
    if not accepts_applications(db, group):
        raise Conflict(f"{group.name} does not take applications at the moment", field="group")
    assert actor.person_id is not None
    if privacy_service.is_erased(db=db, person_id=actor.person_id):
        raise Conflict("the data of this account was erased", field="person_id")
    if open_application(db, group.id, actor.person_id) is not None:
        raise Conflict(f"you have an application to {group.name} already; it is being decided", field="group")
    if joined(db, group.id, actor.person_id) is not None:
        raise Conflict(f"you were accepted into {group.name} already", field="group")
    person = db.get(Person, actor.person_id)
    assert person is not None
    application = Application(
        group=group,
        person_id=person.id,
        organisation_id=person.employer_id,
        state=S.SUBMITTED,
        motivation=data.motivation,
        cv_text=data.cv_text,
        skills=_skills(db, data.skills),
        created_at=_now(db),
        updated_at=_now(db),
    )
    db.add(application)
    db.flush()
    _record_step(db, actor, application, None, S.SUBMITTED, "")
    notify.step(db, application, "submitted")
    notify.leads_of_new(db, application, _lead_users(db, group))
    return application


def _lead_users(db: Session, group: Group) -> list[int]:
    """The active accounts that lead the group (else those that lead a committee steering it)."""
    from skillatlas.auth.models import RoleGrant, User

    def users(*conditions: Any) -> list[int]:
        return list(
            db.scalars(
                select(User.id)
                .join(RoleGrant, RoleGrant.user_id == User.id)
                .where(User.is_active.is_(True), *conditions)
                .distinct()
                .order_by(User.id)
            )
        )

    leads = users(RoleGrant.role == Role.GROUP_LEAD, RoleGrant.group_id == group.id)
    if leads:
        return leads
    committees = [c.id for c in group.committees]
    return (
        users(RoleGrant.role == Role.COMMITTEE_LEAD, RoleGrant.committee_id.in_(committees))
        if committees
        else []
    )


# --- reading --------------------------------------------------------------------------------------


def _load(db: Session, application_id: int) -> Application:
    found = db.scalar(
        select(Application)
        .where(Application.id == application_id)
        .options(
            selectinload(Application.group).selectinload(Group.committees),
            selectinload(Application.person),
            selectinload(Application.panel).selectinload(Panelist.person),
            selectinload(Application.steps),
        )
    )
    if found is None:
        raise NotFound(f"no application {application_id}", field="application")
    return found


def facts(application: Application) -> dict[str, Any]:
    """What the permission check needs: the applicant and the group."""
    return {"person_id": application.person_id, **alliance_service.group_facts(application.group)}


def get_application(*, db: Session, actor: Principal, application_id: int) -> Application:
    """One application: for the applicant, the group's leads and the office."""
    application = _load(db, application_id)
    authorize(actor, "application.read", **facts(application))
    return application


def _visible(actor: Principal) -> Any:
    """The applications the actor may see, as a WHERE clause (None: every one)."""
    if actor.is_system or actor.has(Role.ALLIANCE_OFFICE):
        return None
    scopes = []
    if actor.person_id is not None:
        scopes.append(Application.person_id == actor.person_id)
    group_ids = {g.group_id for g in actor.grants if g.role == Role.GROUP_LEAD and g.group_id}
    committee_ids = {g.committee_id for g in actor.grants if g.role == Role.COMMITTEE_LEAD and g.committee_id}
    if group_ids:
        scopes.append(Application.group_id.in_(group_ids))
    if committee_ids:
        from skillatlas.alliance.models import GroupCommittee

        scopes.append(
            Application.group_id.in_(
                select(GroupCommittee.group_id).where(GroupCommittee.committee_id.in_(committee_ids))
            )
        )
    return or_(*scopes) if scopes else Application.id.is_(None)


def list_applications(
    *,
    db: Session,
    actor: Principal,
    group_slug: str | None = None,
    state: ApplicationState | None = None,
    mine: bool = False,
    limit: int = 500,
) -> list[Application]:
    """The applications the actor may see (their own, their groups', every one for the office), newest first;
    `group_slug` narrows to one group and needs the right to review it; `mine` to the actor's own."""
    if not actor.is_authenticated:
        authorize(actor, "application.apply")  # says "please log in first"
    statement = (
        select(Application)
        .options(
            selectinload(Application.group).selectinload(Group.committees),
            selectinload(Application.person),
            selectinload(Application.panel).selectinload(Panelist.person),
            selectinload(Application.steps),
        )
        .order_by(Application.created_at.desc(), Application.id.desc())
        .limit(limit)
    )
    if group_slug is not None:
        group = alliance_service.get_group(db=db, slug=group_slug)
        authorize(actor, "application.list_group", **alliance_service.group_facts(group))
        statement = statement.where(Application.group_id == group.id)
    elif (scope := _visible(actor)) is not None:
        statement = statement.where(scope)
    if mine:
        statement = statement.where(Application.person_id == (actor.person_id or -1))
    if state is not None:
        statement = statement.where(Application.state == state)
    # the same check as one application's page, for every row the scope found
    return [a for a in db.scalars(statement) if allowed(actor, "application.read", **facts(a))]


def panel_candidates(db: Session, group: Group) -> list[Person]:
    """Who may sit on an interview panel: the persons of the group's member organisations, by name."""
    from skillatlas.privacy.models import Erasure

    members = select(GroupMembership.organisation_id).where(GroupMembership.group_id == group.id)
    erased = select(Erasure.person_id)
    return list(
        db.scalars(
            select(Person)
            .where(Person.employer_id.in_(members), Person.id.not_in(erased))
            .options(selectinload(Person.employer))
            .order_by(Person.full_name, Person.id)
            .limit(1000)
        )
    )


# --- the lead's steps ---------------------------------------------------------------------------


def _record_step(
    db: Session,
    actor: Principal,
    application: Application,
    before: ApplicationState | None,
    after: ApplicationState,
    note: str,
) -> None:
    application.steps.append(
        ApplicationStep(from_state=before, to_state=after, by_user_id=actor.user_id, note=note, at=_now(db))
    )
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action=f"application.{after.value}",
        object_type="application",
        object_id=application.id,
        details={"group": application.group.slug, "from": before.value if before else None},
    )


def _move(
    db: Session, actor: Principal, application: Application, target: ApplicationState, note: str = ""
) -> None:
    check_transition(application.state, target)
    before = application.state
    application.state = target
    application.updated_at = _now(db)
    _record_step(db, actor, application, before, target, note)


def _for_review(db: Session, actor: Principal, application_id: int) -> Application:
    application = _load(db, application_id)
    authorize(actor, "application.review", **facts(application))
    return application


def shortlist(*, db: Session, actor: Principal, application_id: int) -> Application:
    """The lead puts a submitted application on the shortlist."""
    application = _for_review(db, actor, application_id)
    _move(db, actor, application, S.SHORTLISTED)
    notify.step(db, application, "shortlisted")
    return application


def decline(*, db: Session, actor: Principal, application_id: int, data: DeclineIn) -> Application:
    """The lead declines an open application, saying why (the applicant reads the reason)."""
    application = _for_review(db, actor, application_id)
    _move(db, actor, application, S.DECLINED, data.reason)
    application.decline_reason = data.reason
    notify.step(db, application, "declined")
    return application


def schedule_interview(
    *, db: Session, actor: Principal, application_id: int, data: InterviewIn
) -> Application:
    """Sets (or moves) the interview of a shortlisted application: when, where, and the panel."""
    application = _for_review(db, actor, application_id)
    check_transition(application.state, S.INTERVIEW_SCHEDULED)
    at = data.at if data.at.tzinfo else data.at.replace(tzinfo=dt.UTC)
    if at <= _now(db):
        raise InvalidInput("choose a time in the future", field="at")
    candidates = {p.id: p for p in panel_candidates(db, application.group)}
    chosen = list(dict.fromkeys(data.panel))
    strangers = [p for p in chosen if p not in candidates]
    if strangers:
        raise InvalidInput(
            "the panel is chosen from the people of the group's member organisations", field="panel"
        )
    if application.person_id in chosen:
        raise InvalidInput("the applicant cannot sit on their own panel", field="panel")
    moved = application.state == S.INTERVIEW_SCHEDULED
    application.interview_at = at.astimezone(dt.UTC)
    application.interview_place = data.place.strip()
    application.panel = [Panelist(person_id=p) for p in chosen]
    _move(db, actor, application, S.INTERVIEW_SCHEDULED, "moved" if moved else "")
    notify.step(db, application, "interview", moved=moved)
    notify.panel(db, application, [candidates[p] for p in chosen])
    return application


def record_outcome(*, db: Session, actor: Principal, application_id: int, data: OutcomeIn) -> Application:
    """After the interview: accepted (the applicant's organisation joins the group; the badge when the group
    issues it on acceptance) or not accepted (declined, with the notes as the reason)."""
    application = _for_review(db, actor, application_id)
    if data.outcome == "not_accepted":
        _move(db, actor, application, S.DECLINED, data.notes)
        application.outcome_notes = data.notes
        application.decline_reason = data.notes or "not accepted after the interview"
        notify.step(db, application, "declined")
        return application
    _move(db, actor, application, S.ACCEPTED, data.notes)
    application.outcome_notes = data.notes
    group = application.group
    organisation = application.organisation
    if organisation is not None and db.get(GroupMembership, (group.id, organisation.id)) is None:
        alliance_service.add_member(
            db=db, actor=actor, group=group, member=GroupMemberIn(organisation=organisation.slug)
        )
    intake = intake_of(db, group)
    if intake is not None and intake.achievement_id is not None and intake.badge_on_acceptance:
        _award(db, actor, application, intake.achievement_id, "accepted")
    notify.step(db, application, "accepted")
    return application


def _award(db: Session, actor: Principal, application: Application, achievement_id: int, why: str) -> None:
    """The group's badge for the applicant, unless they hold it or were erased (`credentials.service.award_badge`,
    the path of an event's attendance badge). Whoever named the badge in the group's intake allowed it; the
    audit names who recorded the step."""
    from skillatlas.credentials import service as credentials_service
    from skillatlas.credentials.models import IssuedCredential

    person_id = application.person_id
    if not privacy_service.is_erased(db=db, person_id=person_id):
        credentials_service.award_badge(
            db=db,
            actor=actor,
            achievement_id=achievement_id,
            person=application.person,
            action="credentials.issue.application",
            details={"application": application.id, "why": why},
        )
    found = db.scalar(
        select(IssuedCredential.uuid)
        .where(
            IssuedCredential.achievement_id == achievement_id,
            IssuedCredential.person_id == person_id,
            IssuedCredential.revoked_at.is_(None),
        )
        .order_by(IssuedCredential.id.desc())
    )
    application.credential_uuid = found


def record_certification(*, db: Session, actor: Principal, application_id: int) -> Application:
    """The accepted member passed the group's certification (the innovation agent's): its badge is issued."""
    application = _for_review(db, actor, application_id)
    if application.state != S.ACCEPTED:
        raise InvalidTransition(
            f"a certification is recorded for an accepted member; this application is "
            f"{STATE_WORDS[application.state]}",
            field="state",
        )
    if application.certified_at is not None:
        raise Conflict("the certification is recorded already", field="state")
    intake = intake_of(db, application.group)
    if intake is None or intake.achievement_id is None:
        raise Conflict(
            f"{application.group.name} names no badge: choose one in its application settings",
            field="achievement",
        )
    application.certified_at = application.updated_at = _now(db)
    _award(db, actor, application, intake.achievement_id, "certification passed")
    db.flush()
    audit.record(
        db=db,
        actor=actor,
        action="application.certified",
        object_type="application",
        object_id=application.id,
        details={"group": application.group.slug},
    )
    return application


def withdraw(*, db: Session, actor: Principal, application_id: int) -> Application:
    """The applicant takes back their application while it is being decided."""
    application = _load(db, application_id)
    authorize(actor, "application.withdraw", **facts(application))
    _move(db, actor, application, S.WITHDRAWN)
    notify.step(db, application, "withdrawn")
    return application


# --- output ---------------------------------------------------------------------------------------


def application_read(application: Application) -> ApplicationRead:
    return ApplicationRead(
        id=application.id,
        group=application.group.slug,
        group_name=application.group.name,
        person_id=application.person_id,
        applicant=application.person.full_name,
        organisation=application.organisation.name if application.organisation else None,
        state=application.state,
        motivation=application.motivation,
        cv_text=application.cv_text,
        skills=[SkillRead(**s) for s in application.skills],
        decline_reason=application.decline_reason,
        interview_at=application.interview_at,
        interview_place=application.interview_place,
        panel=[
            PanelistRead(
                person_id=p.person_id,
                full_name=p.person.full_name,
                organisation=p.person.employer.name if p.person.employer else None,
            )
            for p in application.panel
        ],
        outcome_notes=application.outcome_notes,
        certified_at=application.certified_at,
        credential=application.credential_uuid,
        created_at=application.created_at,
        updated_at=application.updated_at,
        steps=[
            StepRead(from_state=s.from_state, to_state=s.to_state, note=s.note, at=s.at)
            for s in application.steps
        ],
    )


# --- personal data --------------------------------------------------------------------------------


def _erase(db: Session, person_id: int) -> None:
    """An erased applicant: their texts go, open applications are withdrawn; the rows stay for the counts."""
    for application in db.scalars(select(Application).where(Application.person_id == person_id)):
        application.motivation = ""
        application.cv_text = ""
        application.skills = []
        if application.state in OPEN_STATES:
            before, application.state = application.state, S.WITHDRAWN
            application.steps.append(
                ApplicationStep(
                    from_state=before,
                    to_state=S.WITHDRAWN,
                    note="erased at the person's request",
                    at=_now(db),
                )
            )
    db.flush()


privacy_service.register_eraser("applications", _erase)
