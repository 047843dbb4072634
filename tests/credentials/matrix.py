"""Micro-credentials' permission-matrix entries: issuers write, learners read their own, verifying is public."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials import service
from skillatlas.credentials.schemas import AchievementCreate, IssueRequest, IssuerIdentity
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from tests.auth.matrix_support import EVERYONE, ORG_X, STAFF, Case, World, fixed, public
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
    """ORG_X, on did:web, issues ACHIEVEMENT to the worker four times (read, revoke, suspend, reinstate)."""
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
        for use in ("read", "revoke", "suspend", "reinstate"):
            credential = service.issue(
                db=db,
                actor=SYSTEM,
                issuing=issuing,
                now=NOW,
                data=IssueRequest(achievement=ACHIEVEMENT, learner=learner),
            )
            issued[use] = credential.uuid
        service.suspend(
            db=db, actor=SYSTEM, credential_id=issued["reinstate"], reason=None, issuing=issuing, now=NOW
        )
        world.extra["credentials"] = issued
        world.extra["credential_document"] = json.loads(credential.document)
        world.extra["status_path"] = credential.status_list.path


def _credential(use: str, template: str) -> Any:
    return lambda role, w: template.format(w.extra["credentials"][use])


def _learner(template: str) -> Any:
    return lambda role, w: template.format(w.person_ids["worker"])


# Whoever is allowed first changes the credential's state; the next ones get 409 (already done).
DONE_OR_CONFLICT = frozenset({200, 409})

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
}
