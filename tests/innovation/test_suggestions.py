"""From gaps to people: the gap clauses' skills of the role, the workers lacking them (the learning package's
workforce gap, which obeys consent), the cheapest courses (its training paths), and the expert request prefilled."""

from __future__ import annotations

import urllib.parse

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance import service as alliance
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SYSTEM, Grant, Principal
from skillatlas.db import unit_of_work
from skillatlas.innovation import service
from skillatlas.innovation.models import Clause
from skillatlas.privacy import service as privacy
from skillatlas.privacy.models import ConsentPurpose
from tests.conftest import NOW, create_user, login
from tests.innovation.conftest import LEVELS, run_assessment
from tests.learning.conftest import BMS, DESIGN, FLUIDS, Catalogue


def _consent(sessions: sessionmaker[Session], person_id: int) -> None:
    with unit_of_work(sessions) as db:
        privacy.record_consent(db=db, actor=SYSTEM, person_id=person_id, now=NOW, source="test",
                               purpose=ConsentPurpose.SHARE_SKILLS_WITH_EMPLOYER, given=True)  # fmt: skip


def _manager(db: Session) -> Principal:
    """A manager of EDUCAM, whose view of the workforce depends on the workers' consent."""
    educam = alliance.get_organisation(db=db, slug="educam")
    return Principal(user_id=1, grants=frozenset({Grant(Role.ORGANISATION_MANAGER, organisation_id=educam.id)}),
                     via="session")  # fmt: skip


def test_gaps_become_training_and_an_expert_request(
    sessions: sessionmaker[Session], question_set: int, catalogue: Catalogue
) -> None:
    _consent(sessions, catalogue.worker_person)
    with unit_of_work(sessions) as db:
        found = run_assessment(db, "educam", LEVELS)  # gaps: operations, leadership, improvement
        read = service.suggestions(db=db, actor=_manager(db), assessment_id=found.id)
    assert read.role_found and [g.clause for g in read.gaps] == [
        Clause.OPERATIONS,
        Clause.LEADERSHIP,
        Clause.IMPROVEMENT,
    ]
    skills = {g.clause: {s.uri: s for s in g.skills} for g in read.gaps}
    assert set(skills[Clause.OPERATIONS]) == {FLUIDS, BMS} and set(skills[Clause.LEADERSHIP]) == {DESIGN}
    # the learner (EDUCAM's worker, sharing) has battery design at awareness only, fluids and BMS not at all
    assert read.workers == 1
    assert skills[Clause.LEADERSHIP][DESIGN].workers_with_gap == 1
    assert skills[Clause.OPERATIONS][FLUIDS].course == "BAT-101"  # the cheapest course reaching the level
    # the cheapest set of courses teaching design (expert), fluids and BMS (practitioner):
    # BAT-201 (900, needs BAT-101, 100) + BAT-301 (500) = 1500 < BAT-ALL (3000)
    assert sorted(c.code for c in read.courses) == ["BAT-101", "BAT-201", "BAT-301"]
    assert read.uncovered == []
    link = urllib.parse.urlparse(read.expert_link or "")
    query = urllib.parse.parse_qs(link.query)
    assert link.path == "/experts/requests/new" and query["organisation"] == ["educam"]
    assert set(query["skills.uri"]) == {FLUIDS, BMS, DESIGN}
    assert "operations" in query["description"][0] and "leadership" in query["description"][0]


def test_a_worker_who_does_not_share_is_not_counted(
    sessions: sessionmaker[Session], question_set: int, catalogue: Catalogue
) -> None:
    with unit_of_work(sessions) as db:
        found = run_assessment(db, "educam", LEVELS)
        read = service.suggestions(db=db, actor=_manager(db), assessment_id=found.id)
    assert read.workers == 0 and read.not_sharing >= 1
    assert sorted(c.code for c in read.courses) == [
        "BAT-101",
        "BAT-201",
        "BAT-301",
    ]  # training is still suggested


def test_no_gap_no_suggestion(sessions: sessionmaker[Session], question_set: int) -> None:
    with unit_of_work(sessions) as db:
        found = run_assessment(db, "educam", {c: [4, 3] for c in Clause})
        read = service.suggestions(db=db, actor=SYSTEM, assessment_id=found.id)
    assert read.gaps == [] and read.courses == [] and read.expert_link is None


def test_the_expert_link_opens_the_request_form_prefilled(
    client: TestClient, sessions: sessionmaker[Session], question_set: int
) -> None:
    with unit_of_work(sessions) as db:
        found = run_assessment(db, "educam", LEVELS)
        link = service.suggestions(db=db, actor=SYSTEM, assessment_id=found.id).expert_link
    create_user(sessions, "boss@test.example", {"role": "organisation_manager", "organisation": "educam"})
    login(client, "boss@test.example")
    page = client.get(link or "")
    assert page.status_code == 200
    assert 'value="Innovation management support"' in page.text
    assert "Our innovation self-assessment" in page.text
    for uri in (FLUIDS, BMS, DESIGN):
        assert f'name="skills.uri" value="{uri}"' in page.text
    assert "battery management systems" in page.text
