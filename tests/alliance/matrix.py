"""The permission-matrix entries of the office's and the leads' administration: editing the alliance's structure,
working plans, events and attendance, and the office's users and roles (pages and API)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.schemas import RegistrationCreate
from skillatlas.auth.models import Role, RoleGrant
from skillatlas.auth.permissions import SYSTEM
from tests.auth.matrix_support import (
    COMMITTEE,
    EVENT,
    GROUP_A,
    LEADS,
    OFFICE,
    ORG_X,
    STAFF,
    Case,
    World,
    fixed,
)
from tests.conftest import TODAY, create_user

COMMITTEE_STAFF = frozenset({"office", "committee_lead"})
GROUP_MAKERS = frozenset({"office", "committee_lead"})
# Organisations that are not in GROUP_A and that no other entry adds, one per role that may add members.
NEW_MEMBERS = {"office": "eurospi", "group_lead": "itc", "committee_lead": "apte"}
EVENT_FORM = {
    "name": "Hydrogen VET Forum 2027",
    "starts_on": "2027-05-13",
    "ends_on": "2027-05-15",
    "mode": "on_site",
    "place": "Spa-Francorchamps",
    "country": "BE",
    "capacity": "20",
    "group": GROUP_A,
}


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """Two more registrations for EVENT (one attended, one to cancel) and two accounts for the office to change."""
    with database.unit_of_work(sessions) as db:
        for key, email in (("attended_person", "matrix.attended"), ("cancel_person", "matrix.cancel")):
            registration = alliance_service.register(
                db=db,
                actor=SYSTEM,
                event_slug=EVENT,
                today=TODAY,
                data=RegistrationCreate(full_name=email.title(), email=f"{email}@test.example"),
            )
            world.extra[key] = registration.person_id
        alliance_service.mark_attended(
            db=db, actor=SYSTEM, event_slug=EVENT, person_id=world.extra["attended_person"]
        )
    target, _ = create_user(sessions, "matrix.target@test.example", {"role": "worker"}, {"role": "expert"})
    closable, _ = create_user(sessions, "matrix.closable@test.example", {"role": "worker"})
    with database.unit_of_work(sessions) as db:
        world.extra["expert_grant"] = db.scalar(
            select(RoleGrant.id).where(RoleGrant.user_id == target, RoleGrant.role == Role.EXPERT)
        )
    world.extra["target_user"] = target
    world.extra["closable_user"] = closable


def _target(suffix: str = "") -> Callable[[str, World], str]:
    return lambda role, w: f"/office/users/{w.extra['target_user']}{suffix}"


def _api_target(suffix: str = "") -> Callable[[str, World], str]:
    return lambda role, w: f"/api/users/{w.extra['target_user']}{suffix}"


ENTRIES: dict[tuple[str, str], Case] = {
    # --- alliance API: edits
    ("PATCH", "/api/organisations/{slug}"): Case(
        STAFF, fixed(f"/api/organisations/{ORG_X}"), json=lambda role, w: {"description": f"By {role}"}
    ),
    ("PATCH", "/api/committees/{slug}"): Case(
        COMMITTEE_STAFF,
        fixed(f"/api/committees/{COMMITTEE}"),
        json=lambda role, w: {"description": f"By {role}"},
    ),
    ("PATCH", "/api/groups/{slug}"): Case(
        LEADS, fixed(f"/api/groups/{GROUP_A}"), json=lambda role, w: {"description": f"By {role}"}
    ),
    ("PATCH", "/api/groups/{slug}/members/{organisation}"): Case(
        LEADS, fixed(f"/api/groups/{GROUP_A}/members/tu-dortmund"), json=lambda role, w: {"role": "lead"}
    ),
    # The first allowed caller removes the member; the next ones are told it is not in the group.
    ("DELETE", "/api/groups/{slug}/members/{organisation}"): Case(
        LEADS, fixed(f"/api/groups/{GROUP_A}/members/arcturus"), ok=frozenset({200, 404})
    ),
    ("PATCH", "/api/events/{slug}"): Case(
        LEADS, fixed(f"/api/events/{EVENT}"), json=lambda role, w: {"description": f"By {role}"}
    ),
    ("DELETE", "/api/events/{slug}/registrations/{person_id}/attended"): Case(
        LEADS,
        lambda role, w: f"/api/events/{EVENT}/registrations/{w.extra['attended_person']}/attended",
        ok=frozenset({200, 409}),
    ),
    # --- users API (the office)
    ("GET", "/api/users"): Case(OFFICE, fixed("/api/users?q=test")),
    ("POST", "/api/users"): Case(
        OFFICE,
        fixed("/api/users"),
        json=lambda role, w: {
            "email": f"api.invited.{role}@test.example",
            "full_name": "Api Invited",
            "grants": [{"role": "worker"}],
        },
    ),
    ("GET", "/api/users/{user_id}"): Case(OFFICE, _api_target()),
    ("POST", "/api/users/{user_id}/invitation"): Case(OFFICE, _api_target("/invitation")),
    ("POST", "/api/users/{user_id}/grants"): Case(
        OFFICE, _api_target("/grants"), json=lambda role, w: {"role": "trainer"}
    ),
    ("POST", "/api/users/{user_id}/grants/revoke"): Case(
        OFFICE, _api_target("/grants/revoke"), json=lambda role, w: {"role": "trainer"}
    ),
    ("POST", "/api/users/{user_id}/deactivate"): Case(
        OFFICE, lambda role, w: f"/api/users/{w.extra['closable_user']}/deactivate"
    ),
    ("POST", "/api/users/{user_id}/reactivate"): Case(
        OFFICE, lambda role, w: f"/api/users/{w.extra['closable_user']}/reactivate"
    ),
    # --- pages: organisations and committees
    ("GET", "/organisations/{slug}/edit"): Case(STAFF, fixed(f"/organisations/{ORG_X}/edit")),
    ("POST", "/organisations/{slug}/edit"): Case(
        STAFF,
        fixed(f"/organisations/{ORG_X}/edit"),
        form=lambda role, w: {
            "name": "EDUCAM",
            "type": "education_training_provider",
            "country": "BE",
            "description": f"By {role}",
            "is_member": "1",
        },
    ),
    ("GET", "/committees/{slug}/edit"): Case(COMMITTEE_STAFF, fixed(f"/committees/{COMMITTEE}/edit")),
    ("POST", "/committees/{slug}/edit"): Case(
        COMMITTEE_STAFF,
        fixed(f"/committees/{COMMITTEE}/edit"),
        form=lambda role, w: {"name": "Education", "priorities": f"VET\nBy {role}"},
    ),
    # --- pages: groups, members, working plans
    ("GET", "/groups/new"): Case(GROUP_MAKERS, fixed("/groups/new")),
    ("POST", "/groups"): Case(
        GROUP_MAKERS,
        fixed("/groups"),
        form=lambda role, w: {"name": f"Page group of {role}", "kind": "task_force", "committees": COMMITTEE},
    ),
    ("GET", "/groups/{slug}/edit"): Case(LEADS, fixed(f"/groups/{GROUP_A}/edit")),
    ("POST", "/groups/{slug}/edit"): Case(
        LEADS,
        fixed(f"/groups/{GROUP_A}/edit"),
        form=lambda role, w: {
            "name": "Hydrogen VET Forum",
            "kind": "working_group",
            "committees": COMMITTEE,
            "activities": ["training"],
            "description": f"By {role}",
        },
    ),
    ("POST", "/groups/{slug}/members"): Case(
        LEADS,
        fixed(f"/groups/{GROUP_A}/members"),
        form=lambda role, w: {"organisation": NEW_MEMBERS.get(role, "grenoble-inp"), "role": "member"},
    ),
    ("POST", "/groups/{slug}/members/{organisation}/role"): Case(
        LEADS, fixed(f"/groups/{GROUP_A}/members/kit/role"), form=lambda role, w: {"role": "lead"}
    ),
    ("POST", "/groups/{slug}/members/{organisation}/remove"): Case(
        LEADS,
        fixed(f"/groups/{GROUP_A}/members/vamia/remove"),
        form=lambda role, w: {},
        ok=frozenset({303, 404}),
    ),
    ("GET", "/groups/{slug}/work-plan/new"): Case(LEADS, fixed(f"/groups/{GROUP_A}/work-plan/new")),
    ("POST", "/groups/{slug}/work-plan"): Case(
        LEADS,
        fixed(f"/groups/{GROUP_A}/work-plan"),
        form=lambda role, w: {"objective": f"Page line by {role}"},
    ),
    ("GET", "/groups/{slug}/work-plan/{item_id}/edit"): Case(
        LEADS, lambda role, w: f"/groups/{GROUP_A}/work-plan/{w.work_item}/edit"
    ),
    ("POST", "/groups/{slug}/work-plan/{item_id}/edit"): Case(
        LEADS,
        lambda role, w: f"/groups/{GROUP_A}/work-plan/{w.work_item}/edit",
        form=lambda role, w: {
            "objective": f"Edited by {role}",
            "status": "in_progress",
            "due_date": "2026-09-30",
        },
    ),
    ("GET", "/my/groups"): Case(LEADS, fixed("/my/groups")),
    # --- pages: events, registrations, attendance
    ("GET", "/events/{slug}/edit"): Case(LEADS, fixed(f"/events/{EVENT}/edit")),
    ("POST", "/events/{slug}/edit"): Case(
        LEADS,
        fixed(f"/events/{EVENT}/edit"),
        form=lambda role, w: {**EVENT_FORM, "description": f"By {role}"},
    ),
    ("GET", "/events/{slug}/registrations"): Case(LEADS, fixed(f"/events/{EVENT}/registrations")),
    ("POST", "/events/{slug}/attendance"): Case(
        LEADS,
        fixed(f"/events/{EVENT}/attendance"),
        form=lambda role, w: {"attended": [str(w.attendee_person), str(w.extra["attended_person"])]},
    ),
    ("POST", "/events/{slug}/registrations"): Case(
        LEADS,
        fixed(f"/events/{EVENT}/registrations"),
        form=lambda role, w: {"full_name": f"Guest of {role}", "email": f"guest.{role}@test.example"},
    ),
    # The first allowed caller cancels; the next ones are told it is cancelled already.
    ("POST", "/events/{slug}/registrations/{person_id}/cancel"): Case(
        LEADS,
        lambda role, w: f"/events/{EVENT}/registrations/{w.extra['cancel_person']}/cancel",
        form=lambda role, w: {},
        ok=frozenset({303, 409}),
    ),
    # --- pages: users and roles (the office)
    ("GET", "/office/users"): Case(OFFICE, fixed("/office/users?q=test&role=worker&state=active")),
    ("GET", "/office/users/new"): Case(OFFICE, fixed("/office/users/new")),
    ("POST", "/office/users"): Case(
        OFFICE,
        fixed("/office/users"),
        form=lambda role, w: {
            "full_name": "Page Invited",
            "email": f"page.invited.{role}@test.example",
            "roles": "worker",
            "group_lead_of": GROUP_A,
        },
    ),
    ("GET", "/office/users/{user_id}"): Case(OFFICE, _target()),
    ("POST", "/office/users/{user_id}/invitation"): Case(
        OFFICE, _target("/invitation"), form=lambda role, w: {}
    ),
    ("POST", "/office/users/{user_id}/grants"): Case(
        OFFICE, _target("/grants"), form=lambda role, w: {"roles": "trainer", "manager_of": ORG_X}
    ),
    ("POST", "/office/users/{user_id}/grants/{grant_id}/revoke"): Case(
        OFFICE,
        lambda role, w: f"/office/users/{w.extra['target_user']}/grants/{w.extra['expert_grant']}/revoke",
        form=lambda role, w: {},
    ),
    ("POST", "/office/users/{user_id}/deactivate"): Case(
        OFFICE,
        lambda role, w: f"/office/users/{w.extra['closable_user']}/deactivate",
        form=lambda role, w: {},
    ),
    ("POST", "/office/users/{user_id}/reactivate"): Case(
        OFFICE,
        lambda role, w: f"/office/users/{w.extra['closable_user']}/reactivate",
        form=lambda role, w: {},
    ),
}
