"""The application's state machine through the API: every step, every refused step, who may do what, the
accepted applicant's organisation joining the group, and the group's badge."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.alliance.models import Group, GroupMembership, Organisation
from skillatlas.applications import service
from skillatlas.applications.models import Application, ApplicationState
from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials import service as credentials_service
from skillatlas.credentials.models import IssuedCredential
from skillatlas.credentials.schemas import AchievementCreate
from tests.applications.conftest import GROUP, OTHER_GROUP, People, apply_via_api, interview_body, open_intake
from tests.conftest import create_user, login

S = ApplicationState


def _member(sessions: sessionmaker[Session], group: str, organisation: str) -> bool:
    with database.unit_of_work(sessions) as db:
        return (
            db.scalar(
                select(GroupMembership.group_id)
                .join(Group, Group.id == GroupMembership.group_id)
                .join(Organisation, Organisation.id == GroupMembership.organisation_id)
                .where(Group.slug == group, Organisation.slug == organisation)
            )
            is not None
        )


def _to(people: People, state: str, applicant: str = "applicant") -> int:
    """A new application by `applicant`, taken by the lead to `state`; its id."""
    created = apply_via_api(people, applicant)
    lead = people.client("lead")
    path = f"/api/applications/{created['id']}"
    steps = {
        "submitted": [],
        "shortlisted": [("shortlist", None)],
        "interview_scheduled": [("shortlist", None), ("interview", interview_body(people))],
        "accepted": [
            ("shortlist", None),
            ("interview", interview_body(people)),
            ("outcome", {"outcome": "accepted"}),
        ],
        "declined": [("decline", {"reason": "The forum is full this year."})],
        "withdrawn": [],
    }[state]
    for action, body in steps:
        response = lead.post(f"{path}/{action}", json=body) if body else lead.post(f"{path}/{action}")
        assert response.status_code == 200, response.text
    if state == "withdrawn":
        assert people.client(applicant).post(f"{path}/withdraw").status_code == 200
    return created["id"]


def test_from_application_to_member(people: People, sessions: sessionmaker[Session]) -> None:
    assert (
        not _member(sessions, GROUP, "vamia") or True
    )  # vamia may be a member already; the outsider's is not
    response = people.client("outsider").post(
        f"/api/groups/{GROUP}/applications",
        json={"motivation": "I want to help the forum with our test benches."},
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["state"] == "submitted" and created["organisation"] == "Continental Automotive"
    assert created["created_at"].startswith("2026-06-01T09:00")  # the app's clock, as its steps
    assert not _member(sessions, GROUP, "continental-automotive")
    lead = people.client("lead")
    path = f"/api/applications/{created['id']}"
    assert lead.post(f"{path}/shortlist").json()["state"] == "shortlisted"
    scheduled = lead.post(f"{path}/interview", json=interview_body(people)).json()
    assert scheduled["state"] == "interview_scheduled"
    assert scheduled["interview_at"].startswith("2026-06-15T10:00")
    assert [p["full_name"] for p in scheduled["panel"]] == ["Panelist"]
    accepted = lead.post(f"{path}/outcome", json={"outcome": "accepted", "notes": "Welcome"}).json()
    assert accepted["state"] == "accepted" and accepted["outcome_notes"] == "Welcome"
    assert _member(sessions, GROUP, "continental-automotive")  # the alliance's membership service added it
    assert [s["to_state"] for s in accepted["steps"]] == [
        "submitted",
        "shortlisted",
        "interview_scheduled",
        "accepted",
    ]
    # the group's page lists the new member organisation
    assert "Continental Automotive" in people.client("anonymous").get(f"/groups/{GROUP}").text


def test_not_accepted_after_the_interview(people: People) -> None:
    application_id = _to(people, "interview_scheduled")
    answer = people.client("lead").post(
        f"/api/applications/{application_id}/outcome", json={"outcome": "not_accepted", "notes": "Too early"}
    )
    assert answer.json()["state"] == "declined" and answer.json()["decline_reason"] == "Too early"


def test_an_interview_can_be_moved(people: People) -> None:
    application_id = _to(people, "interview_scheduled")
    moved = people.client("lead").post(
        f"/api/applications/{application_id}/interview",
        json=interview_body(people, at="2026-06-20T08:30:00Z"),
    )
    assert moved.status_code == 200 and moved.json()["interview_at"].startswith("2026-06-20T08:30")


# (state, action) -> allowed; every other pair is refused with 409 and words.
ACTIONS = ("shortlist", "interview", "accept", "decline", "withdraw")
ALLOWED = {
    ("submitted", "shortlist"),
    ("submitted", "decline"),
    ("submitted", "withdraw"),
    ("shortlisted", "interview"),
    ("shortlisted", "decline"),
    ("shortlisted", "withdraw"),
    ("interview_scheduled", "interview"),
    ("interview_scheduled", "accept"),
    ("interview_scheduled", "decline"),
    ("interview_scheduled", "withdraw"),
}
STATES = ("submitted", "shortlisted", "interview_scheduled", "accepted", "declined", "withdrawn")


def _step(who: TestClient, path: str, action: str, people: People) -> Any:
    if action == "interview":
        return who.post(f"{path}/interview", json=interview_body(people))
    if action == "accept":
        return who.post(f"{path}/outcome", json={"outcome": "accepted"})
    if action == "decline":
        return who.post(f"{path}/decline", json={"reason": "Not this year"})
    return who.post(f"{path}/{action}")


def test_every_transition(people: People, sessions: sessionmaker[Session]) -> None:
    """Each of the six states against each step: the allowed ones move, every other one is refused (409) with
    words that say what the application can still become, and changes nothing."""
    wrong = []
    for n, (state, action) in enumerate(itertools.product(STATES, ACTIONS)):
        email = f"applicant{n}@test.example"
        create_user(sessions, email, {"role": "worker"}, organisation="vamia")
        key = f"applicant{n}"
        people.clients[key] = login(TestClient(people.app, raise_server_exceptions=False), email)  # type: ignore[arg-type]
        application_id = _to(people, state, key)
        path = f"/api/applications/{application_id}"
        who = people.client(key) if action == "withdraw" else people.client("lead")
        response = _step(who, path, action, people)
        if (state, action) in ALLOWED:
            if response.status_code != 200:
                wrong.append(f"{action} from {state}: {response.status_code} {response.text}")
            continue
        body = response.json()
        words_ok = "cannot be" in body.get("detail", "") and (
            body["detail"].endswith("any more")
            if state in ("accepted", "declined", "withdrawn")
            else " it can be " in body["detail"]
        )
        if response.status_code != 409 or body.get("code") != "invalid_transition" or not words_ok:
            wrong.append(f"{action} from {state}: {response.status_code} {body}")
        if people.client("lead").get(path).json()["state"] != state:
            wrong.append(f"{action} from {state} changed the state")
    assert not wrong, "\n".join(wrong)


def test_transition_table_is_the_documented_one() -> None:
    for current, target in itertools.product(S, S):
        allowed = {
            S.SUBMITTED: {S.SHORTLISTED, S.DECLINED, S.WITHDRAWN},
            S.SHORTLISTED: {S.INTERVIEW_SCHEDULED, S.DECLINED, S.WITHDRAWN},
            S.INTERVIEW_SCHEDULED: {S.INTERVIEW_SCHEDULED, S.ACCEPTED, S.DECLINED, S.WITHDRAWN},
        }.get(current, set())
        if target == S.SUBMITTED or target in allowed:
            continue
        with pytest.raises(service.InvalidTransition):
            service.check_transition(current, target)


def test_applying_is_refused_when_closed_twice_or_after_joining(
    people: People, sessions: sessionmaker[Session]
) -> None:
    closed = people.client("applicant").post(
        f"/api/groups/{OTHER_GROUP}/applications", json={"motivation": "I would like to join this group too."}
    )
    assert closed.status_code == 409 and "does not take applications" in closed.json()["detail"]
    first = apply_via_api(people)
    again = people.client("applicant").post(
        f"/api/groups/{GROUP}/applications", json={"motivation": "A second application to the same group."}
    )
    assert again.status_code == 409 and "already" in again.json()["detail"]
    people.client("applicant").post(f"/api/applications/{first['id']}/withdraw")
    apply_via_api(people)  # withdrawn: may apply again
    short = people.client("outsider").post(f"/api/groups/{GROUP}/applications", json={"motivation": "short"})
    assert short.status_code == 422 and short.json()["field"] == "motivation"
    unknown_skill = people.client("outsider").post(
        f"/api/groups/{GROUP}/applications",
        json={
            "motivation": "A long enough motivation text.",
            "skills": [{"uri": "http://example.org/no-skill"}],
        },
    )
    assert unknown_skill.status_code == 422 and unknown_skill.json()["field"] == "skills"
    anonymous = people.client("anonymous").post(
        f"/api/groups/{GROUP}/applications", json={"motivation": "A long enough motivation text."}
    )
    assert anonymous.status_code == 401


def test_refused_steps_say_why(people: People) -> None:
    application_id = _to(people, "shortlisted")
    path = f"/api/applications/{application_id}"
    lead = people.client("lead")
    past = lead.post(f"{path}/interview", json=interview_body(people, at="2026-05-01T10:00:00Z"))
    assert past.status_code == 422 and past.json()["field"] == "at"
    stranger = lead.post(
        f"{path}/interview", json={**interview_body(people), "panel": [people.person_ids["outsider"]]}
    )
    assert stranger.status_code == 422 and stranger.json()["field"] == "panel"
    no_reason = lead.post(f"{path}/decline", json={"reason": ""})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    assert lead.get(path).json()["state"] == "shortlisted"


def test_who_may_see_and_decide(people: People) -> None:
    application_id = _to(people, "submitted")
    path = f"/api/applications/{application_id}"
    for who in ("applicant", "lead", "office"):
        assert people.client(who).get(path).status_code == 200, who
        assert people.client(who).get(f"/applications/{application_id}").status_code == 200, who
    for who in ("other_lead", "outsider", "panelist"):
        assert people.client(who).get(path).status_code == 403, who
        assert people.client(who).get(f"/applications/{application_id}").status_code == 403, who
        assert people.client(who).post(f"{path}/shortlist").status_code == 403, who
    assert people.client("anonymous").get(path).status_code == 401
    # the applicant neither decides their own application, nor does the lead withdraw it
    assert people.client("applicant").post(f"{path}/shortlist").status_code == 403
    assert people.client("lead").post(f"{path}/withdraw").status_code == 403
    # lists: another group's lead sees nothing of this group, and may not ask for it
    assert people.client("other_lead").get("/api/applications").json() == []
    assert people.client("other_lead").get(f"/api/applications?group={GROUP}").status_code == 403
    assert people.client("other_lead").get(f"/groups/{GROUP}/applications").status_code == 403
    assert "Applicant" not in people.client("other_lead").get("/applications").text
    assert [a["id"] for a in people.client("lead").get("/api/applications").json()] == [application_id]
    assert [a["id"] for a in people.client("applicant").get("/api/applications").json()] == [application_id]
    assert people.client("outsider").get("/api/applications").json() == []
    assert application_id in [a["id"] for a in people.client("office").get("/api/applications").json()]


def test_the_badge_on_a_passed_certification(people: People, sessions: sessionmaker[Session]) -> None:
    from tests.credentials.conftest import achievement_values

    with database.unit_of_work(sessions) as db:
        badge = credentials_service.create_achievement(
            db=db, actor=SYSTEM, data=AchievementCreate.model_validate(achievement_values(skills=[]))
        )
        slug = badge.slug
    application_id = _to(people, "accepted")
    path = f"/api/applications/{application_id}"
    lead = people.client("lead")
    no_badge = lead.post(f"{path}/certification")
    assert no_badge.status_code == 409 and no_badge.json()["field"] == "achievement"
    saved = lead.put(f"/api/groups/{GROUP}/intake", json={"accepts_applications": True, "achievement": slug})
    assert saved.status_code == 200 and saved.json()["achievement"] == slug
    certified = lead.post(f"{path}/certification")
    assert certified.status_code == 200, certified.text
    credential = certified.json()["credential"]
    with database.unit_of_work(sessions) as db:
        issued = db.scalar(select(IssuedCredential).where(IssuedCredential.uuid == credential))
        assert issued is not None and issued.person_id == people.person_ids["applicant"]
        assert issued.achievement.slug == slug
    assert lead.post(f"{path}/certification").status_code == 409  # recorded already
    # the certificate page is there
    assert people.client("anonymous").get(f"/credentials/{credential}").status_code == 200
    # a certification needs an accepted member
    pending = _to_other(people)
    refused = lead.post(f"/api/applications/{pending}/certification")
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"


def _to_other(people: People) -> int:
    response = people.client("outsider").post(
        f"/api/groups/{GROUP}/applications",
        json={"motivation": "I want to help the forum with our test benches."},
    )
    return response.json()["id"]


def test_the_badge_on_acceptance(people: People, sessions: sessionmaker[Session]) -> None:
    from tests.credentials.conftest import achievement_values

    with database.unit_of_work(sessions) as db:
        slug = credentials_service.create_achievement(
            db=db, actor=SYSTEM, data=AchievementCreate.model_validate(achievement_values(skills=[]))
        ).slug
    open_intake(sessions, achievement=slug, badge_on_acceptance=True)
    application_id = _to(people, "accepted")
    read = people.client("applicant").get(f"/api/applications/{application_id}").json()
    assert read["credential"] is not None
    with database.unit_of_work(sessions) as db:
        held = db.scalars(
            select(IssuedCredential.person_id).where(IssuedCredential.uuid == read["credential"])
        ).all()
        assert held == [people.person_ids["applicant"]]


def test_intake_needs_a_lead(people: People) -> None:
    body = {"accepts_applications": False}
    assert people.client("other_lead").put(f"/api/groups/{GROUP}/intake", json=body).status_code == 403
    assert people.client("applicant").put(f"/api/groups/{GROUP}/intake", json=body).status_code == 403
    assert people.client("lead").put(f"/api/groups/{GROUP}/intake", json=body).status_code == 200
    assert (
        people.client("anonymous").get(f"/api/groups/{GROUP}/intake").json()["accepts_applications"] is False
    )
    bad = people.client("lead").put(f"/api/groups/{GROUP}/intake", json={**body, "badge_on_acceptance": True})
    assert bad.status_code == 422 and bad.json()["field"] == "achievement"


def test_erasure_removes_the_texts(people: People, sessions: sessionmaker[Session]) -> None:
    from skillatlas.privacy import service as privacy_service
    from tests.conftest import NOW

    application_id = _to(people, "shortlisted")
    with database.unit_of_work(sessions) as db:
        privacy_service.erase(db=db, actor=SYSTEM, person_id=people.person_ids["applicant"], now=NOW)
    with database.unit_of_work(sessions) as db:
        application = db.get(Application, application_id)
        assert application is not None
        assert application.motivation == "" and application.cv_text == "" and application.state == S.WITHDRAWN


def test_an_applicant_without_an_employer_is_accepted_as_a_person(
    people: People, sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, "freelancer@test.example", {"role": "worker"})
    people.clients["freelancer"] = login(
        TestClient(people.app, raise_server_exceptions=False),  # type: ignore[arg-type]
        "freelancer@test.example",
    )
    with database.unit_of_work(sessions) as db:
        members_before = db.query(GroupMembership).count()
    application_id = _to(people, "accepted", "freelancer")
    read = people.client("freelancer").get(f"/api/applications/{application_id}").json()
    assert read["state"] == "accepted" and read["organisation"] is None
    with database.unit_of_work(sessions) as db:
        assert db.query(GroupMembership).count() == members_before
    assert "Accepted" in people.client("freelancer").get("/home").text
