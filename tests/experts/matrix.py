"""The expert database's permission-matrix entries: profiles for the expert and the office, requests and
proposals for the office and the requester's managers, the needs report for the office."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work, utcnow
from skillatlas.experts import service
from skillatlas.experts.models import Proposal
from skillatlas.experts.schemas import ExpertiseRequestIn, ExpertProfileIn
from skillatlas.people.models import Person
from skillatlas.people.schemas import PersonSkillIn
from tests.auth.matrix_support import ALL_ROLES, EVERYONE, OFFICE, ORG_X, STAFF, USERS, Case, World, fixed
from tests.taxonomy.matrix import ensure_esco

SELF_AND_OFFICE = frozenset({"expert", "office"})
PROFILE = {"headline": "Battery engineer", "bio": "Battery packs.", "languages": [{"code": "en", "level": "C1"}],
           "consent": True}  # fmt: skip


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """A listed expert (the "expert" role) and another one; per role, fresh requests and proposals by ORG_X."""
    ensure_esco(world, sessions)
    uri = world.extra["skill_uri"]
    now = utcnow()
    ids: dict[str, Any] = {}
    with unit_of_work(sessions) as db:
        expert = world.person_ids["expert"]
        skills = [PersonSkillIn(uri=uri, level="expert")]
        service.save_profile(db=db, actor=SYSTEM, person_id=expert, data=ExpertProfileIn(**PROFILE), now=now)
        db.flush()
        from skillatlas.people import service as people

        people.set_skills(db=db, actor=SYSTEM, person_id=expert, skills=skills)
        other = Person(full_name="Other Expert")
        db.add(other)
        db.flush()
        service.save_profile(
            db=db, actor=SYSTEM, person_id=other.id, data=ExpertProfileIn(**PROFILE), now=now
        )
        ids["other_expert"] = other.id
        data = ExpertiseRequestIn(organisation=ORG_X, title="Battery review", skills=[{"uri": uri}])
        for kind in ("request", "api_propose", "page_propose", "api_step", "page_step"):
            ids[kind] = {}
            for role in ALL_ROLES:
                request = service.create_request(db=db, actor=SYSTEM, data=data, now=now)
                ids[kind][role] = request.id
                if kind.endswith("_step"):
                    proposal = Proposal(request_id=request.id, person_id=expert, history=[])
                    db.add(proposal)
                    db.flush()
                    ids[kind][role] = proposal.id
    world.extra["experts"] = ids


def _id(kind: str) -> Any:
    return lambda role, w: w.extra["experts"][kind][role]


def _url(template: str, kind: str = "request") -> Any:
    return lambda role, w: template.format(id=w.extra["experts"][kind][role], person=w.person_ids["expert"])


def _skills(role: str, w: World) -> list[dict[str, str]]:
    return [{"uri": w.extra["skill_uri"], "level": "practitioner"}]


CANCEL = {"status": "cancelled"}

ENTRIES: dict[tuple[str, str], Case] = {
    # --- API
    ("PUT", "/api/experts/profiles/{person_id}"): Case(
        SELF_AND_OFFICE, _url("/api/experts/profiles/{person}"), json=lambda role, w: PROFILE
    ),
    ("GET", "/api/experts/profiles/{person_id}"): Case(
        SELF_AND_OFFICE, _url("/api/experts/profiles/{person}")
    ),
    # Withdrawing is the expert's or the office's; here on the other expert, so the matrix's expert stays listed.
    ("DELETE", "/api/experts/profiles/{person_id}/consent"): Case(
        OFFICE, lambda role, w: f"/api/experts/profiles/{w.extra['experts']['other_expert']}/consent"
    ),
    ("POST", "/api/experts/requests"): Case(
        STAFF,
        fixed("/api/experts/requests"),
        json=lambda role, w: {"organisation": ORG_X, "title": "Pack review", "skills": _skills(role, w)},
    ),
    # Confirming or removing skills found in the bio: the expert's own or the office's (an empty review here).
    ("POST", "/api/experts/profiles/{person_id}/derived-skills"): Case(
        SELF_AND_OFFICE,
        _url("/api/experts/profiles/{person}/derived-skills"),
        json=lambda role, w: {"confirm": [], "remove": []},
    ),
    ("GET", "/api/experts/requests"): Case(STAFF, fixed("/api/experts/requests")),
    ("GET", "/api/experts/requests/{request_id}"): Case(STAFF, _url("/api/experts/requests/{id}")),
    ("GET", "/api/experts/requests/{request_id}/shortlist"): Case(
        STAFF, _url("/api/experts/requests/{id}/shortlist")
    ),
    ("POST", "/api/experts/requests/{request_id}/proposals"): Case(
        STAFF,
        _url("/api/experts/requests/{id}/proposals", "api_propose"),
        json=lambda role, w: {"expert_id": w.person_ids["expert"]},
    ),
    ("GET", "/api/experts/requests/{request_id}/proposals"): Case(
        STAFF, _url("/api/experts/requests/{id}/proposals")
    ),
    ("POST", "/api/experts/proposals/{proposal_id}/status"): Case(
        STAFF, _url("/api/experts/proposals/{id}/status", "api_step"), json=lambda role, w: CANCEL
    ),
    ("GET", "/api/experts/people/{person_id}/proposals"): Case(
        SELF_AND_OFFICE, _url("/api/experts/people/{person}/proposals")
    ),
    ("GET", "/api/experts/report/needs"): Case(OFFICE, fixed("/api/experts/report/needs")),
    ("GET", "/api/experts/export"): Case(OFFICE, fixed("/api/experts/export?format=csv")),
    # --- pages
    ("GET", "/experts"): Case(EVERYONE, fixed("/experts")),
    ("GET", "/experts/profile"): Case(USERS, fixed("/experts/profile")),
    ("POST", "/experts/profile"): Case(
        USERS, fixed("/experts/profile"), form=lambda role, w: {"headline": f"{role} expert", "consent": "on"}
    ),
    # One's own profile only: the matrix's expert holds the skill as a claim (422: not found in the bio), the
    # other users have no expert profile (404); visitors are sent to log in.
    ("POST", "/experts/profile/derived"): Case(
        USERS,
        fixed("/experts/profile/derived"),
        form=lambda role, w: {"uri": w.extra["skill_uri"], "action": "confirm"},
        ok=frozenset({303, 404, 422}),
    ),
    ("GET", "/experts/proposals"): Case(USERS, fixed("/experts/proposals")),
    ("POST", "/experts/proposals/{proposal_id}/status"): Case(
        STAFF, _url("/experts/proposals/{id}/status", "page_step"), form=lambda role, w: CANCEL
    ),
    ("GET", "/experts/requests"): Case(STAFF, fixed("/experts/requests")),
    ("GET", "/experts/requests/new"): Case(STAFF, fixed("/experts/requests/new")),
    ("POST", "/experts/requests"): Case(
        STAFF,
        fixed("/experts/requests"),
        form=lambda role, w: {
            "organisation": ORG_X,
            "title": "Pack review",
            "skills.uri": w.extra["skill_uri"],
            "skills.level": "expert",
        },
    ),
    ("GET", "/experts/requests/{request_id}"): Case(STAFF, _url("/experts/requests/{id}")),
    ("POST", "/experts/requests/{request_id}/proposals"): Case(
        STAFF,
        _url("/experts/requests/{id}/proposals", "page_propose"),
        form=lambda role, w: {"expert_id": str(w.person_ids["expert"])},
    ),
    ("GET", "/experts/office"): Case(OFFICE, fixed("/experts/office")),
}
