"""Micro-credentials' permission-matrix entries: issuers write, learners read their own, verifying is public."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance.models import Organisation
from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials import service
from skillatlas.credentials.schemas import AchievementCreate, IssueRequest, IssuerIdentity
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from skillatlas.learning.models import Course
from tests.auth.matrix_support import EVENT, EVERYONE, OFFICE, ORG_X, STAFF, USERS, Case, World, fixed, public
from tests.conftest import NOW

# The office and ORG_X's managers: ORG_X issues the achievement below.
ISSUERS = STAFF
# A learner's credentials: the learner (the worker) and the office. The policy's rule also names the issuers'
# managers, but `learner_credentials` passes no organisation to `authorize`, so a manager is refused.
LEARNER_READERS = frozenset({"worker", "office"})
ACHIEVEMENT = "matrix-badge"


def _achievement(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "issuer": ORG_X,
        "description": "Checks the matrix.",
        "criteria": "Pass it.",
        "learning_outcomes": ["Knows the matrix"],
        "eqf_level": 4,
        "hours": 2,
        "assessment_type": "practical_demonstration",
        "participation_form": "online",
        "quality_assurance": "Reviewed",
    }


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """ORG_X, on did:web, issues ACHIEVEMENT to the worker seven times (read; revoke, suspend, reinstate by the API
    and by the pages), and provides a course."""
    issuing = issuing_for(world.clients["anonymous"].app.state.settings)  # type: ignore[attr-defined]
    learner = world.person_ids["worker"]
    with unit_of_work(sessions) as db:
        service.rotate_key(
            db=db,
            actor=SYSTEM,
            organisation=ORG_X,
            issuing=issuing,
            now=NOW,
            identity=IssuerIdentity(method="web", domain="127.0.0.1%3A8000"),  # type: ignore[arg-type]
        )
        service.create_achievement(
            db=db, actor=SYSTEM, data=AchievementCreate.model_validate(_achievement("Matrix badge"))
        )
        issued = {}
        # the API's status changes and the pages' each change a credential of their own
        for use in (
            "read",
            "revoke",
            "suspend",
            "reinstate",
            "page_revoke",
            "page_suspend",
            "page_reinstate",
        ):
            credential = service.issue(
                db=db,
                actor=SYSTEM,
                issuing=issuing,
                now=NOW,
                data=IssueRequest(achievement=ACHIEVEMENT, learner=learner),
            )
            issued[use] = credential.uuid
        for use in ("reinstate", "page_reinstate"):
            service.suspend(
                db=db, actor=SYSTEM, credential_id=issued[use], reason=None, issuing=issuing, now=NOW
            )
        # A course of ORG_X (its graduates may receive ORG_X's badge; nobody has passed it here).
        provider = db.scalar(select(Organisation.id).where(Organisation.slug == ORG_X))
        course = Course(
            code="MATRIX-1", provider_id=provider, title="Matrix course", language="en", mode="online"
        )
        db.add(course)
        db.flush()
        world.extra["course"] = course.id
        world.extra["credentials"] = issued
        world.extra["credential_document"] = json.loads(credential.document)
        world.extra["status_path"] = credential.status_list.path


def _credential(use: str, template: str) -> Any:
    return lambda role, w: template.format(w.extra["credentials"][use])


def _learner(template: str) -> Any:
    return lambda role, w: template.format(w.person_ids["worker"])


# Whoever is allowed first changes the credential's state; the next ones get 409 (already done).
DONE_OR_CONFLICT = frozenset({200, 409})
PAGE_DONE_OR_CONFLICT = frozenset({303, 409})
# Issuing to an event's attendees reveals who attended: ORG_X's managers do not see EVENT (ORG_X organises
# nothing there), so only the office may. ORG_X provides the course, so its managers may issue to its graduates.
EVENT_ISSUERS = OFFICE


def _page_form(name: str) -> dict[str, Any]:
    values = _achievement(name)
    values["learning_outcomes"] = "\n".join(values["learning_outcomes"])
    return values


ENTRIES: dict[tuple[str, str], Case] = {
    # --- API: achievements
    ("GET", "/api/credentials/achievements"): public("/api/credentials/achievements"),
    ("POST", "/api/credentials/achievements"): Case(
        ISSUERS, fixed("/api/credentials/achievements"), json=lambda role, w: _achievement(f"Badge of {role}")
    ),
    ("GET", "/api/credentials/achievements/{ref}"): public(f"/api/credentials/achievements/{ACHIEVEMENT}"),
    # --- API: issuing and status
    ("POST", "/api/credentials/issue"): Case(
        ISSUERS,
        fixed("/api/credentials/issue"),
        json=lambda role, w: {"achievement": ACHIEVEMENT, "learner": w.person_ids["worker"]},
    ),
    ("POST", "/api/credentials/issue-bulk"): Case(
        ISSUERS,
        fixed("/api/credentials/issue-bulk"),
        json=lambda role, w: {"achievement": ACHIEVEMENT, "learners": [w.person_ids["worker"]]},
    ),
    ("GET", "/api/credentials/issued/{credential_id}"): Case(
        EVERYONE, _credential("read", "/api/credentials/issued/{}")
    ),
    ("GET", "/api/credentials/issued/{credential_id}/download"): Case(
        EVERYONE, _credential("read", "/api/credentials/issued/{}/download")
    ),
    ("POST", "/api/credentials/issued/{credential_id}/revoke"): Case(
        ISSUERS, _credential("revoke", "/api/credentials/issued/{}/revoke"), ok=DONE_OR_CONFLICT
    ),
    ("POST", "/api/credentials/issued/{credential_id}/suspend"): Case(
        ISSUERS, _credential("suspend", "/api/credentials/issued/{}/suspend"), ok=DONE_OR_CONFLICT
    ),
    ("POST", "/api/credentials/issued/{credential_id}/reinstate"): Case(
        ISSUERS, _credential("reinstate", "/api/credentials/issued/{}/reinstate"), ok=DONE_OR_CONFLICT
    ),
    ("GET", "/api/credentials/learners/{person_id}"): Case(
        LEARNER_READERS, _learner("/api/credentials/learners/{}")
    ),
    ("POST", "/api/credentials/verify"): Case(
        EVERYONE, fixed("/api/credentials/verify"), json=lambda role, w: w.extra["credential_document"]
    ),
    # --- API: keys
    ("GET", "/api/credentials/issuers/{organisation}/keys"): public(f"/api/credentials/issuers/{ORG_X}/keys"),
    ("POST", "/api/credentials/issuers/{organisation}/keys/rotate"): Case(
        ISSUERS, fixed(f"/api/credentials/issuers/{ORG_X}/keys/rotate")
    ),
    # --- published documents: anyone checks a credential
    ("GET", "/credentials/status/{path}/{purpose}"): Case(
        EVERYONE, lambda role, w: f"/credentials/status/{w.extra['status_path']}/revocation"
    ),
    ("GET", "/credentials/issuers/{organisation}/did.json"): public(f"/credentials/issuers/{ORG_X}/did.json"),
    ("GET", "/credentials/contexts/{name}"): public("/credentials/contexts/credentials-v2.jsonld"),
    ("GET", "/contexts/eu-microcredential/v1.jsonld"): public("/contexts/eu-microcredential/v1.jsonld"),
    # --- pages
    ("GET", "/verify"): public("/verify"),
    ("POST", "/verify"): Case(
        EVERYONE,
        fixed("/verify"),
        form=lambda role, w: {"credential": json.dumps(w.extra["credential_document"])},
    ),
    ("GET", "/credentials/{credential_id}"): Case(EVERYONE, _credential("read", "/credentials/{}")),
    ("GET", "/learners/{person_id}/credentials"): Case(LEARNER_READERS, _learner("/learners/{}/credentials")),
    ("GET", "/achievements"): public("/achievements"),
    # --- API: editing, finding recipients, bulk issuing from attendance and completions, my own
    ("PUT", "/api/credentials/achievements/{ref}"): Case(
        ISSUERS,
        fixed(f"/api/credentials/achievements/{ACHIEVEMENT}"),
        json=lambda role, w: _achievement("Matrix badge"),
    ),
    ("GET", "/api/credentials/recipients"): Case(
        ISSUERS, fixed(f"/api/credentials/recipients?achievement={ACHIEVEMENT}&q=worker")
    ),
    ("POST", "/api/credentials/issue-event"): Case(
        EVENT_ISSUERS,
        fixed("/api/credentials/issue-event"),
        json=lambda role, w: {"event": EVENT, "achievement": ACHIEVEMENT, "dry_run": True},
    ),
    ("POST", "/api/credentials/issue-course"): Case(
        ISSUERS,
        fixed("/api/credentials/issue-course"),
        json=lambda role, w: {"course": w.extra["course"], "achievement": ACHIEVEMENT, "dry_run": True},
    ),
    ("GET", "/api/credentials/mine"): Case(USERS, fixed("/api/credentials/mine")),
    # --- pages: achievements
    ("GET", "/achievements/new"): Case(ISSUERS, fixed("/achievements/new")),
    ("POST", "/achievements"): Case(
        ISSUERS, fixed("/achievements"), form=lambda role, w: _page_form(f"Page badge of {role}")
    ),
    ("GET", "/achievements/{slug}"): public(f"/achievements/{ACHIEVEMENT}"),
    ("GET", "/achievements/{slug}/edit"): Case(ISSUERS, fixed(f"/achievements/{ACHIEVEMENT}/edit")),
    ("POST", "/achievements/{slug}/edit"): Case(
        ISSUERS, fixed(f"/achievements/{ACHIEVEMENT}/edit"), form=lambda role, w: _page_form("Matrix badge")
    ),
    # --- pages: issuing one
    ("GET", "/credentials/issue"): Case(
        ISSUERS, fixed(f"/credentials/issue?achievement={ACHIEVEMENT}&q=wor")
    ),
    ("GET", "/credentials/issue/recipients"): Case(
        ISSUERS, fixed(f"/credentials/issue/recipients?achievement={ACHIEVEMENT}&q=wor")
    ),
    ("POST", "/credentials/issue/preview"): Case(
        ISSUERS,
        fixed("/credentials/issue/preview"),
        form=lambda role, w: {"achievement": ACHIEVEMENT, "person": w.person_ids["worker"], "q": "wor"},
    ),
    ("POST", "/credentials/issue"): Case(
        ISSUERS,
        fixed("/credentials/issue"),
        form=lambda role, w: {"achievement": ACHIEVEMENT, "person": w.person_ids["worker"], "q": "wor"},
    ),
    # --- pages: issuing in bulk
    ("GET", "/credentials/issue-bulk"): Case(ISSUERS, fixed("/credentials/issue-bulk")),
    ("POST", "/credentials/issue-bulk/preview"): Case(
        EVENT_ISSUERS,
        fixed("/credentials/issue-bulk/preview"),
        form=lambda role, w: {"source": "event", "event": EVENT, "achievement": ACHIEVEMENT},
    ),
    ("POST", "/credentials/issue-bulk"): Case(
        ISSUERS,
        fixed("/credentials/issue-bulk"),
        form=lambda role, w: {
            "source": "course",
            "course": w.extra["course"],
            "course_achievement": ACHIEVEMENT,
        },
    ),
    # --- pages: status changes with a reason, and my own credentials
    ("POST", "/credentials/{credential_id}/revoke"): Case(
        ISSUERS,
        _credential("page_revoke", "/credentials/{}/revoke"),
        form=lambda role, w: {"reason": "issued by mistake"},
        ok=PAGE_DONE_OR_CONFLICT,
    ),
    ("POST", "/credentials/{credential_id}/suspend"): Case(
        ISSUERS,
        _credential("page_suspend", "/credentials/{}/suspend"),
        form=lambda role, w: {"reason": "under review"},
        ok=PAGE_DONE_OR_CONFLICT,
    ),
    ("POST", "/credentials/{credential_id}/reinstate"): Case(
        ISSUERS,
        _credential("page_reinstate", "/credentials/{}/reinstate"),
        form=lambda role, w: {"reason": "review done"},
        ok=PAGE_DONE_OR_CONFLICT,
    ),
    ("GET", "/my/credentials"): Case(USERS, fixed("/my/credentials")),
    ("POST", "/my/credentials/name"): Case(
        USERS, fixed("/my/credentials/name"), form=lambda role, w: {"show_name": "yes"}
    ),
}
