"""Issuing: OpenBadgeCredentials with the EU elements, valid under the official schema, both formats, in bulk."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials import proofs, service
from skillatlas.credentials.models import IssuedCredential
from skillatlas.credentials.schemas import AchievementCreate, BulkIssueRequest
from skillatlas.credentials.verify import schema_errors, undefined_terms
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput, NotFound, PermissionDenied
from skillatlas.validation import parse_input
from tests.credentials.conftest import ISSUED_AT, SKILL, achievement_values, failed, issue, verify


def eu_elements(credential: dict[str, Any]) -> dict[str, Any]:
    """The eleven mandatory elements of the EU Council Recommendation on micro-credentials (2022)."""
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    issuer = credential["issuer"]
    return {
        "learner": next(i["identityHash"] for i in subject["identifier"] if i["identityType"] == "name"),
        "title": achievement["name"],
        "country of the issuer": issuer["address"]["addressCountryCode"],
        "awarding body": issuer["name"],
        "date of issuing": credential["validFrom"],
        "learning outcomes": achievement["learningOutcome"],
        "notional workload": achievement["workloadHours"],
        # the EQF level as an Open Badges alignment to the EU's EQF concept
        "level": next(
            a["targetUrl"]
            for a in achievement["alignment"]
            if a["targetFramework"] == "European Qualifications Framework"
        ),
        "type of assessment": achievement["assessmentType"],
        "form of participation": achievement["participationForm"],
        "type of quality assurance": achievement["qualityAssurance"],
    }


def test_a_credential_carries_all_eleven_eu_elements_and_passes_the_official_schema(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    _uuid, text = issue(sessions, issuing, achievement, world["p0"])
    credential = json.loads(text)
    elements = eu_elements(credential)
    assert all(v not in (None, "", []) for v in elements.values()), elements
    # The learner is identified by a salted hash of her name (she did not choose to show it; Open Badges 3.0
    # IdentityObject with hashed: true and its salt): whoever she tells her name can check it.
    name = next(i for i in credential["credentialSubject"]["identifier"] if i["identityType"] == "name")
    assert name["hashed"] is True and "Ana Popescu" not in text
    assert (
        elements["learner"] == "sha256$" + hashlib.sha256(("Ana Popescu" + name["salt"]).encode()).hexdigest()
    )
    assert (
        elements["country of the issuer"] == "BE"
        and credential["issuer"]["address"]["addressRegion"] == "BE10"
    )
    assert elements["level"] == "http://data.europa.eu/snb/eqf/5" and elements["notional workload"] == 16
    assert credential["credentialSubject"]["achievement"]["creditsAvailable"] == 0.5
    assert "issuanceDate" not in credential  # VC 2.0: validFrom only
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert schema_errors(credential) == []
    assert undefined_terms(credential) == []
    alignment = credential["credentialSubject"]["achievement"]["alignment"]
    assert {a["targetUrl"] for a in alignment} == {SKILL, "http://data.europa.eu/snb/eqf/5"}
    assert credential["credentialSubject"]["achievement"]["awardedForKind"] == "other"
    report = verify(sessions, text)
    assert report.valid, failed(report)
    assert [c.check for c in report.checks] == [
        "format",
        "schema",
        "contexts",
        "issuer",
        "signature",
        "dates",
        "status",
    ]


def test_the_jwt_format_verifies_and_its_payload_passes_the_schema(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    _uuid, token = issue(sessions, issuing, achievement, world["p1"], fmt="jwt")
    header, payload, _input, _signature = proofs.parse_jwt(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt" and header["kid"].startswith("did:key:z6Mk")
    assert "proof" not in payload and schema_errors(payload) == []
    report = verify(sessions, token)
    assert report.valid, failed(report)
    assert report.format == "jwt"


def test_issuing_reuses_the_key_and_spreads_status_indexes(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    first = json.loads(issue(sessions, issuing, achievement, world["p0"])[1])
    second = json.loads(issue(sessions, issuing, achievement, world["p1"])[1])
    assert first["issuer"]["id"] == second["issuer"]["id"]
    assert first["credentialStatus"][0]["statusListIndex"] != second["credentialStatus"][0]["statusListIndex"]
    assert (
        first["credentialStatus"][0]["statusListCredential"]
        == f"{issuing.base_url}/credentials/status/asa/revocation"
    )
    key_file = issuing.data_dir / "credentials-kek.key"
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600


def test_bulk_issuing_is_one_transaction(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    learners = [world["p0"], world["p1"], world["p2"]]
    with unit_of_work(sessions) as db:
        issued = service.issue_bulk(
            db=db,
            actor=SYSTEM,
            issuing=issuing,
            now=ISSUED_AT,
            data=BulkIssueRequest(achievement=achievement, learners=learners),
        )
        assert len(issued) == 3
    for credential in issued:
        assert verify(sessions, credential.document).valid
    with pytest.raises(NotFound, match="no person with id 999999"), unit_of_work(sessions) as db:
        service.issue_bulk(
            db=db,
            actor=SYSTEM,
            issuing=issuing,
            now=ISSUED_AT,
            data=BulkIssueRequest(achievement=achievement, learners=[world["p0"], 999999]),
        )
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(IssuedCredential)) == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"eqf_level": 9}, "eqf_level"),
        ({"eqf_level": 0}, "eqf_level"),
        ({"hours": 0}, "hours"),
        ({"learning_outcomes": []}, "learning_outcomes"),
        ({"assessment_type": "vibes"}, "assessment_type"),
        ({"skills": ["not a uri"]}, "skills.0"),
        ({"achievement_type": "Trophy"}, "achievement_type"),
        ({"awarded_for": "event"}, "awarded_for_ref"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_achievements_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_input(AchievementCreate, achievement_values(**change))
    assert caught.value.field == field


def test_skills_are_checked_against_the_taxonomy_once_it_is_loaded(
    sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    from skillatlas.taxonomy.models import Skill

    with unit_of_work(sessions) as db:
        db.add(Skill(uri=SKILL, preferred_label="maintain hydrogen tanks", description=""))
    with unit_of_work(sessions) as db:
        created = service.create_achievement(
            db=db, actor=SYSTEM, data=AchievementCreate.model_validate(achievement_values())
        )
        assert created.skills == [{"uri": SKILL, "label": "maintain hydrogen tanks"}]
    unknown = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
    with pytest.raises(InvalidInput, match="not a skill of the taxonomy"), unit_of_work(sessions) as db:
        service.create_achievement(
            db=db,
            actor=SYSTEM,
            data=AchievementCreate.model_validate(achievement_values(name="Other", skills=[unknown])),
        )


def test_an_event_achievement_names_an_existing_event(
    sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    data = AchievementCreate.model_validate(
        achievement_values(awarded_for="event", awarded_for_ref="no-such-event")
    )
    with pytest.raises(NotFound, match="no-such-event"), unit_of_work(sessions) as db:
        service.create_achievement(db=db, actor=SYSTEM, data=data)


def test_only_the_office_or_the_issuers_managers_may_issue(
    sessions: sessionmaker[Session], issuing: service.Issuing, achievement: str, world: dict[str, int]
) -> None:
    from skillatlas.auth.models import Role
    from skillatlas.auth.permissions import Grant, Principal
    from skillatlas.credentials.schemas import IssueRequest

    data = IssueRequest(achievement=achievement, learner=world["p0"])
    outsider = Principal(
        user_id=5,
        grants=frozenset({Grant(Role.ORGANISATION_MANAGER, organisation_id=world["acme"])}),
        via="session",
    )
    manager = Principal(
        user_id=6,
        grants=frozenset({Grant(Role.ORGANISATION_MANAGER, organisation_id=world["asa"])}),
        via="session",
    )
    with pytest.raises(PermissionDenied), unit_of_work(sessions) as db:
        service.issue(db=db, actor=outsider, data=data, issuing=issuing, now=ISSUED_AT)
    with unit_of_work(sessions) as db:
        assert service.issue(db=db, actor=manager, data=data, issuing=issuing, now=ISSUED_AT).uuid
