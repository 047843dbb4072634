"""The question set is versioned: publishing a new version never changes answers already given."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.errors import Conflict, NotFound, PermissionDenied
from skillatlas.innovation import service
from skillatlas.innovation.models import Question, SetState
from skillatlas.innovation.schemas import AnswerIn
from tests.conftest import NOW, create_user, login
from tests.innovation.conftest import LEVELS, publish_set, run_assessment, set_input


def test_a_new_version_leaves_started_and_completed_assessments_alone(
    sessions: sessionmaker[Session], question_set: int
) -> None:
    with unit_of_work(sessions) as db:
        done = run_assessment(db, "aco", LEVELS)
        running = run_assessment(db, "educam", LEVELS, complete=False)
        before_done = service.export_assessment(db=db, actor=SYSTEM, assessment_id=done.id)
        before_running = service.assessment_read(db=db, assessment=running)
        newer = publish_set(db, prefix="New wording")
        assert newer == question_set + 1
    with unit_of_work(sessions) as db:
        # both keep their version, questions and answers
        assert service.export_assessment(db=db, actor=SYSTEM, assessment_id=done.id) == before_done
        again = service.assessment_read(
            db=db, assessment=service.get_assessment(db=db, actor=SYSTEM, assessment_id=running.id)
        )
        assert again == before_running and again.version == question_set
        assert all(q.text.startswith("Q ") for c in again.clauses for q in c.questions)
        # the old version's questions can still be answered and completed
        first = again.clauses[0].questions[0].question_id
        service.save_answers(
            db=db, actor=SYSTEM, assessment_id=running.id, answers=[AnswerIn(question_id=first, level=0)]
        )
        service.complete(db=db, actor=SYSTEM, assessment_id=running.id, now=NOW)
        # a question of the new version does not belong to the old assessment
        new_question = db.query(Question).filter(Question.text.like("New wording%")).first()
        assert new_question is not None
        started = run_assessment(db, "aco", LEVELS, complete=False)
        assert started.question_set.number == newer
        with pytest.raises(Exception, match="not part of this assessment"):
            service.save_answers(db=db, actor=SYSTEM, assessment_id=started.id,
                                 answers=[AnswerIn(question_id=first, level=1)])  # fmt: skip


def test_a_published_version_never_changes(sessions: sessionmaker[Session], question_set: int) -> None:
    with unit_of_work(sessions) as db:
        draft = service.save_question_set(db=db, actor=SYSTEM, data=set_input(prefix="Draft"))
        assert draft.number == question_set + 1 and draft.state == SetState.DRAFT
        again = service.save_question_set(db=db, actor=SYSTEM, data=set_input(prefix="Draft two"))
        assert again.id == draft.id  # the draft is changed in place
        published = service.get_set(db=db, actor=SYSTEM, number=question_set)
        assert published.state == SetState.PUBLISHED
        assert published.clauses[0].questions[0].text == "Q context one?"
        assert service.current_set(db).number == question_set  # the draft is not used yet
        service.publish_question_set(db=db, actor=SYSTEM, now=NOW)
        with pytest.raises(Conflict, match="no draft"):
            service.publish_question_set(db=db, actor=SYSTEM, now=NOW)


def test_drafts_are_the_office_s(
    client: TestClient, sessions: sessionmaker[Session], question_set: int
) -> None:
    with unit_of_work(sessions) as db:
        draft = service.save_question_set(db=db, actor=SYSTEM, data=set_input(prefix="Secret"))
    create_user(sessions, "boss@test.example", {"role": "organisation_manager", "organisation": "educam"})
    manager = login(TestClient(client.app, raise_server_exceptions=False), "boss@test.example")
    assert manager.get(f"/api/innovation/questions?version={draft.number}").status_code == 403
    assert manager.get("/api/innovation/questions").json()["version"] == question_set
    assert "Secret" not in manager.get("/innovation/questions").text
    response = manager.put("/api/innovation/questions", json=set_input().model_dump(mode="json"))
    assert response.status_code == 403
    with unit_of_work(sessions) as db:
        with pytest.raises(PermissionDenied):
            service.publish_question_set(db=db, actor=_manager(), now=NOW)
        with pytest.raises(NotFound):
            service.get_set(db=db, actor=SYSTEM, number=99)


def _manager():  # type: ignore[no-untyped-def]
    from skillatlas.auth.models import Role
    from skillatlas.auth.permissions import Grant, Principal

    return Principal(
        user_id=1, grants=frozenset({Grant(Role.ORGANISATION_MANAGER, organisation_id=1)}), via="session"
    )


def test_the_office_edits_and_publishes_on_the_page(
    office_client: TestClient, sessions: sessionmaker[Session], question_set: int
) -> None:
    page = office_client.get("/innovation/questions/edit")
    assert page.status_code == 200 and "Q context one?" in page.text
    form = {"title": "Edited on the page", "levels": "No\nPartly\nYes", "role": "battery-pack-engineer",
            "change_note": "fewer levels"}  # fmt: skip
    for clause in ("context", "leadership", "planning", "support", "operations", "evaluation", "improvement"):
        form[f"{clause}-weight"] = "1"
        form[f"{clause}-questions"] = f"Page {clause} one?\nPage {clause} two?"
    form["planning-questions"] = ""  # every clause needs a question: named beside its field
    again = office_client.post("/innovation/questions", data=form)
    assert again.status_code == 422 and 'id="f-planning-questions-error"' in again.text
    form["planning-questions"] = "Page planning one?"
    assert office_client.post("/innovation/questions", data=form, follow_redirects=False).status_code == 303
    assert office_client.post("/innovation/questions/publish", follow_redirects=False).status_code == 303
    read = office_client.get("/api/innovation/questions").json()
    assert read["version"] == question_set + 1 and read["levels"] == ["No", "Partly", "Yes"]
    assert read["clauses"][2]["questions"][0]["text"] == "Page planning one?"
