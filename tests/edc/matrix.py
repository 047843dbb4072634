"""European Digital Credentials' permission-matrix entries: the learner, the office and the issuer's managers
download the sealed EDC; the office and the organisation's managers load its seal certificate."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance.models import Organisation
from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials import service
from skillatlas.credentials.schemas import AchievementCreate, IssueRequest
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from tests.auth.matrix_support import ORG_X, SELF_AND_STAFF, STAFF, Case, World, fixed
from tests.conftest import NOW
from tests.edc.conftest import p12

ACHIEVEMENT = "edc-matrix-badge"
LEGAL = "VATBE-0477777777"


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """ORG_X, with a legal identifier, issues ACHIEVEMENT to the worker."""
    issuing = issuing_for(world.clients["anonymous"].app.state.settings)  # type: ignore[attr-defined]
    with unit_of_work(sessions) as db:
        db.scalar(
            select(Organisation).where(Organisation.slug == ORG_X)
        ).legal_identifier = "VATBE-0477777777"
        service.create_achievement(
            db=db,
            actor=SYSTEM,
            data=AchievementCreate.model_validate(
                {
                    "name": "EDC matrix badge",
                    "issuer": ORG_X,
                    "description": "Checks the EDC matrix.",
                    "criteria": "Pass it.",
                    "learning_outcomes": ["Knows the EDC matrix"],
                    "eqf_level": 4,
                    "hours": 2,
                    "assessment_type": "written_exam",
                    "participation_form": "online",
                    "quality_assurance": "Reviewed",
                    "isced_f": "0716",
                }
            ),
        )
        issued = service.issue(
            db=db,
            actor=SYSTEM,
            issuing=issuing,
            now=NOW,
            data=IssueRequest(achievement=ACHIEVEMENT, learner=world.person_ids["worker"]),
        )
        world.extra["edc_credential"] = issued.uuid
    world.extra["edc_sessions"] = sessions


def _edc(template: str) -> Any:
    def url(role: str, w: World) -> str:
        # The organisation form's own matrix entry saves ORG_X without a legal identifier (which clears it):
        # give it back, so that the EDC can name its awarding body.
        with unit_of_work(w.extra["edc_sessions"]) as db:
            db.scalar(select(Organisation).where(Organisation.slug == ORG_X)).legal_identifier = LEGAL
        return template.format(w.extra["edc_credential"])

    return url


def _p12(role: str, w: World) -> dict[str, Any]:
    # a new certificate per call: loading the same one twice is a conflict
    return {"certificate": ("seal.p12", p12(b"pw")[0], "application/x-pkcs12")}


ENTRIES: dict[tuple[str, str], Case] = {
    ("GET", "/api/credentials/issued/{credential_id}/edc"): Case(
        SELF_AND_STAFF, _edc("/api/credentials/issued/{}/edc")
    ),
    ("POST", "/api/credentials/seal-certificates/{organisation}"): Case(
        STAFF,
        fixed(f"/api/credentials/seal-certificates/{ORG_X}"),
        form=lambda r, w: {"password": "pw"},
        files=_p12,
    ),
    ("GET", "/credentials/{credential_id}/edc"): Case(SELF_AND_STAFF, _edc("/credentials/{}/edc")),
    ("GET", "/seal-certificates"): Case(STAFF, fixed("/seal-certificates")),
    ("POST", "/seal-certificates"): Case(
        STAFF,
        fixed("/seal-certificates"),
        form=lambda role, w: {"organisation": ORG_X, "password": "pw"},
        files=_p12,
    ),
    ("POST", "/seal-certificates/self-signed"): Case(
        STAFF, fixed("/seal-certificates/self-signed"), form=lambda role, w: {"self_organisation": ORG_X}
    ),
}
