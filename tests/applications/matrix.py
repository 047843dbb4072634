"""The applications' permission-matrix entries: the applicant sees and withdraws their own; the group's leads
(the group lead, the steering committee's lead) and the office see and decide the group's; everyone with an
account may apply."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.applications import service
from skillatlas.applications.schemas import ApplicationCreate, IntakeIn, InterviewIn, OutcomeIn
from skillatlas.auth.permissions import SYSTEM, Principal
from tests.auth.matrix_support import EVERYONE, GROUP_A, LEADS, USERS, Case, World, fixed
from tests.conftest import NOW, create_user

MOTIVATION = "I want to join the forum and share what I teach about hydrogen."
READERS = LEADS | {"worker"}  # the worker is the applicant of the application read
FUTURE = "2026-07-01T10:00:00Z"


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """GROUP_A takes applications; the worker applied; five more applicants, one application in each state."""
    applicants = {"worker": world.person_ids["worker"]}
    for key in ("shortlist", "decline", "interview", "outcome", "cert"):
        _, applicants[key] = create_user(sessions, f"matrix.applicant.{key}@test.example", {"role": "worker"})
    _, panelist = create_user(
        sessions, "matrix.panelist@test.example", {"role": "worker"}, organisation="kit"
    )
    with database.unit_of_work(sessions) as db:
        db.info["skillatlas.clock"] = lambda: NOW
        service.set_intake(db=db, actor=SYSTEM, group_slug=GROUP_A, data=IntakeIn(accepts_applications=True))
        ids = {}
        for key, person_id in applicants.items():
            actor = Principal(user_id=None, person_id=person_id, via="system")
            created = service.apply(
                db=db, actor=actor, group_slug=GROUP_A, data=ApplicationCreate(motivation=MOTIVATION)
            )
            ids[key] = created.id
        for key in ("interview", "outcome", "cert"):
            service.shortlist(db=db, actor=SYSTEM, application_id=ids[key])
        import datetime as dt

        for key in ("outcome", "cert"):
            service.schedule_interview(
                db=db,
                actor=SYSTEM,
                application_id=ids[key],
                data=InterviewIn(at=NOW + dt.timedelta(days=3), place="Online", panel=[panelist]),
            )
        service.record_outcome(
            db=db, actor=SYSTEM, application_id=ids["cert"], data=OutcomeIn(outcome="accepted")
        )
    world.extra["applications"] = ids
    world.extra["panelist"] = panelist


def _app(key: str, suffix: str = "", api: bool = False):  # type: ignore[no-untyped-def]
    prefix = "/api/applications" if api else "/applications"
    return lambda role, w: f"{prefix}/{w.extra['applications'][key]}{suffix}"


def _interview_json(role: str, w: World) -> dict:
    return {"at": FUTURE, "place": f"Room of {role}", "panel": [w.extra["panelist"]]}


def _interview_form(role: str, w: World) -> dict:
    return {
        "date": "2026-07-02",
        "time": "11:00",
        "place": f"Room of {role}",
        "panel": str(w.extra["panelist"]),
    }


ENTRIES: dict[tuple[str, str], Case] = {
    # --- API
    ("GET", "/api/applications"): Case(USERS, fixed("/api/applications")),
    ("GET", "/api/applications/{application_id}"): Case(READERS, _app("worker", api=True)),
    ("POST", "/api/groups/{slug}/applications"): Case(
        USERS,
        fixed(f"/api/groups/{GROUP_A}/applications"),
        json=lambda role, w: {"motivation": MOTIVATION},
        ok=frozenset({201, 409}),  # the worker has an open application already
    ),
    ("GET", "/api/groups/{slug}/intake"): Case(EVERYONE, fixed(f"/api/groups/{GROUP_A}/intake")),
    ("PUT", "/api/groups/{slug}/intake"): Case(
        LEADS, fixed(f"/api/groups/{GROUP_A}/intake"), json=lambda role, w: {"accepts_applications": True}
    ),
    ("GET", "/api/groups/{slug}/panel-candidates"): Case(
        LEADS, fixed(f"/api/groups/{GROUP_A}/panel-candidates")
    ),
    ("POST", "/api/applications/{application_id}/shortlist"): Case(
        LEADS, _app("shortlist", "/shortlist", api=True), ok=frozenset({200, 409})
    ),
    ("POST", "/api/applications/{application_id}/decline"): Case(
        LEADS,
        _app("decline", "/decline", api=True),
        json=lambda role, w: {"reason": "Not now"},
        ok=frozenset({200, 409}),
    ),
    ("POST", "/api/applications/{application_id}/interview"): Case(
        LEADS, _app("interview", "/interview", api=True), json=_interview_json
    ),
    ("POST", "/api/applications/{application_id}/outcome"): Case(
        LEADS,
        _app("outcome", "/outcome", api=True),
        json=lambda role, w: {"outcome": "accepted"},
        ok=frozenset({200, 409}),
    ),
    # the group names no badge: those allowed are told so (409)
    ("POST", "/api/applications/{application_id}/certification"): Case(
        LEADS, _app("cert", "/certification", api=True), ok=frozenset({409})
    ),
    # --- pages
    ("GET", "/applications"): Case(USERS, fixed("/applications")),
    ("GET", "/applications/{application_id}"): Case(READERS, _app("worker")),
    ("GET", "/groups/{slug}/apply"): Case(USERS, fixed(f"/groups/{GROUP_A}/apply")),
    ("POST", "/groups/{slug}/apply"): Case(
        USERS,
        fixed(f"/groups/{GROUP_A}/apply"),
        form=lambda role, w: {"motivation": MOTIVATION},
        ok=frozenset({303, 409}),
    ),
    ("GET", "/groups/{slug}/applications"): Case(LEADS, fixed(f"/groups/{GROUP_A}/applications")),
    ("POST", "/groups/{slug}/applications/intake"): Case(
        LEADS,
        fixed(f"/groups/{GROUP_A}/applications/intake"),
        form=lambda role, w: {"accepts_applications": "on"},
    ),
    ("POST", "/applications/{application_id}/shortlist"): Case(
        LEADS, _app("shortlist", "/shortlist"), form=lambda role, w: {}, ok=frozenset({303, 409})
    ),
    ("POST", "/applications/{application_id}/decline"): Case(
        LEADS,
        _app("decline", "/decline"),
        form=lambda role, w: {"reason": "Not now"},
        ok=frozenset({303, 409}),
    ),
    ("POST", "/applications/{application_id}/interview"): Case(
        LEADS, _app("interview", "/interview"), form=_interview_form
    ),
    ("POST", "/applications/{application_id}/outcome"): Case(
        LEADS,
        _app("outcome", "/outcome"),
        form=lambda role, w: {"outcome": "accepted"},
        ok=frozenset({303, 409}),
    ),
    ("POST", "/applications/{application_id}/certification"): Case(
        LEADS, _app("cert", "/certification"), form=lambda role, w: {}, ok=frozenset({409})
    ),
    # the applicant alone withdraws (the last entries: the worker's application stays open until here)
    ("POST", "/applications/{application_id}/withdraw"): Case(
        frozenset({"worker"}), _app("worker", "/withdraw"), form=lambda role, w: {}
    ),
    ("POST", "/api/applications/{application_id}/withdraw"): Case(
        frozenset({"worker"}), _app("worker", "/withdraw", api=True), ok=frozenset({409})
    ),
}
