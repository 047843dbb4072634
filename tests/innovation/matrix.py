"""The innovation self-assessment's permission-matrix entries: an organisation's answers, results and reports for
its managers and the office; the question set public (published) and kept by the office; benchmarks (aggregates
of five or more organisations) for every logged-in user."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.innovation import service
from skillatlas.innovation.models import Assessment, AssessmentState, Clause
from skillatlas.innovation.schemas import AnswerIn, AssessmentStart
from tests.auth.matrix_support import OFFICE, ORG_X, STAFF, USERS, Case, World, fixed, public
from tests.conftest import NOW


def _answer_all(db: Session, assessment: Assessment, level: int = 2) -> None:
    answers = [AnswerIn(question_id=q.id, level=level, evidence_text="matrix")
               for c in assessment.question_set.clauses for q in c.questions]  # fmt: skip
    service.save_answers(db=db, actor=SYSTEM, assessment_id=assessment.id, answers=answers)


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """ORG_X's completed assessment with an evidence file, and its open one with every question answered."""
    with unit_of_work(sessions) as db:
        if (
            service.current_set(db) is None
        ):  # the demo loads the question set; a world without it gets one here
            from skillatlas.innovation.demo import load_demo_innovation

            load_demo_innovation(db=db)
        data = AssessmentStart(organisation=ORG_X, sector="education_training", size="medium")
        done = service.start(db=db, actor=SYSTEM, data=data, now=NOW - dt.timedelta(days=2))
        _answer_all(db, done)
        first = done.question_set.clauses[0].questions[0].id
        service.save_answers(
            db=db, actor=SYSTEM, assessment_id=done.id, answers=[AnswerIn(question_id=first, level=3)],
            files={first: service.EvidenceFile("policy.pdf", b"%PDF-1.4 matrix evidence")},
        )  # fmt: skip
        service.complete(db=db, actor=SYSTEM, assessment_id=done.id, now=NOW - dt.timedelta(days=1))
        running = service.start(db=db, actor=SYSTEM, data=data, now=NOW)
        _answer_all(db, running)
        assert running.state == AssessmentState.IN_PROGRESS
        world.extra["innovation"] = {"done": done.id, "open": running.id, "question": first,
                                     "open_question": running.question_set.clauses[0].questions[0].id}  # fmt: skip


def _ids(world: World) -> dict[str, int]:
    return world.extra["innovation"]


def _question_set_json(role: str, world: World) -> dict:
    return {"title": f"Matrix set by {role}",
            "clauses": [{"clause": c.value, "questions": [f"{role}: {c.value}?"]} for c in Clause]}  # fmt: skip


def _question_set_form(role: str, world: World) -> dict:
    form = {"title": f"Page set by {role}", "levels": "None\nSome\nMuch", "role": "innovation-agent"}
    for c in Clause:
        form[f"{c.value}-weight"] = "1"
        form[f"{c.value}-questions"] = f"{role} asks about {c.value}?"
    return form


ENTRIES: dict[tuple[str, str], Case] = {
    # --- API
    ("GET", "/api/innovation/questions"): public("/api/innovation/questions"),
    ("PUT", "/api/innovation/questions"): Case(
        OFFICE, fixed("/api/innovation/questions"), json=_question_set_json
    ),
    ("POST", "/api/innovation/questions/publish"): Case(
        OFFICE, fixed("/api/innovation/questions/publish"), ok=frozenset({200, 409})
    ),
    ("GET", "/api/innovation/assessments"): Case(STAFF, fixed("/api/innovation/assessments")),
    # ORG_X has an assessment in progress: those allowed are told to finish it first (409)
    ("POST", "/api/innovation/assessments"): Case(
        STAFF,
        fixed("/api/innovation/assessments"),
        json=lambda role, w: {"organisation": ORG_X, "sector": "education_training", "size": "medium"},
        ok=frozenset({201, 409}),
    ),
    ("GET", "/api/innovation/assessments/{assessment_id}"): Case(
        STAFF, lambda role, w: f"/api/innovation/assessments/{_ids(w)['done']}"
    ),
    ("PUT", "/api/innovation/assessments/{assessment_id}/answers"): Case(
        STAFF,
        lambda role, w: f"/api/innovation/assessments/{_ids(w)['open']}/answers",
        json=lambda role, w: {"answers": [{"question_id": _ids(w)["open_question"], "level": 1}]},
        ok=frozenset({200, 409}),
    ),
    ("PUT", "/api/innovation/assessments/{assessment_id}/answers/{question_id}/file"): Case(
        STAFF,
        lambda role, w: (
            f"/api/innovation/assessments/{_ids(w)['open']}/answers/{_ids(w)['open_question']}/file"
        ),
        files=lambda role, w: {"file": ("plan.pdf", b"%PDF-1.4 plan", "application/pdf")},
        ok=frozenset({200, 409}),
    ),
    ("GET", "/api/innovation/assessments/{assessment_id}/answers/{question_id}/file"): Case(
        STAFF,
        lambda role, w: f"/api/innovation/assessments/{_ids(w)['done']}/answers/{_ids(w)['question']}/file",
    ),
    ("POST", "/api/innovation/assessments/{assessment_id}/complete"): Case(
        STAFF,
        lambda role, w: f"/api/innovation/assessments/{_ids(w)['open']}/complete",
        ok=frozenset({200, 409}),
    ),
    ("GET", "/api/innovation/assessments/{assessment_id}/results"): Case(
        STAFF, lambda role, w: f"/api/innovation/assessments/{_ids(w)['done']}/results"
    ),
    ("GET", "/api/innovation/assessments/{assessment_id}/benchmarks"): Case(
        STAFF, lambda role, w: f"/api/innovation/assessments/{_ids(w)['done']}/benchmarks"
    ),
    ("GET", "/api/innovation/assessments/{assessment_id}/suggestions"): Case(
        STAFF, lambda role, w: f"/api/innovation/assessments/{_ids(w)['done']}/suggestions"
    ),
    ("GET", "/api/innovation/assessments/{assessment_id}/export"): Case(
        STAFF, lambda role, w: f"/api/innovation/assessments/{_ids(w)['done']}/export"
    ),
    ("GET", "/api/innovation/assessments/{assessment_id}/report"): Case(
        STAFF, lambda role, w: f"/api/innovation/assessments/{_ids(w)['done']}/report?format=csv"
    ),
    ("GET", "/api/innovation/benchmark"): Case(
        USERS, fixed("/api/innovation/benchmark?dimension=country&value=BE")
    ),
    # --- pages
    ("GET", "/innovation"): Case(STAFF, fixed("/innovation")),
    ("POST", "/innovation/assessments"): Case(
        STAFF,
        fixed("/innovation/assessments"),
        form=lambda role, w: {"organisation": ORG_X, "sector": "education_training", "size": "medium"},
        ok=frozenset({303, 409}),
    ),
    ("GET", "/innovation/assessments/{assessment_id}"): Case(
        STAFF, lambda role, w: f"/innovation/assessments/{_ids(w)['done']}"
    ),
    ("GET", "/innovation/assessments/{assessment_id}/clauses/{clause}"): Case(
        STAFF, lambda role, w: f"/innovation/assessments/{_ids(w)['done']}/clauses/leadership"
    ),
    ("POST", "/innovation/assessments/{assessment_id}/clauses/{clause}"): Case(
        STAFF,
        lambda role, w: f"/innovation/assessments/{_ids(w)['open']}/clauses/context",
        form=lambda role, w: {f"q{_ids(w)['open_question']}-level": "3", "then": "stay"},
        ok=frozenset({303, 409}),
    ),
    ("POST", "/innovation/assessments/{assessment_id}/complete"): Case(
        STAFF,
        lambda role, w: f"/innovation/assessments/{_ids(w)['open']}/complete",
        form=lambda role, w: {},
        ok=frozenset({303, 409}),
    ),
    ("GET", "/innovation/assessments/{assessment_id}/results"): Case(
        STAFF, lambda role, w: f"/innovation/assessments/{_ids(w)['done']}/results"
    ),
    ("GET", "/innovation/assessments/{assessment_id}/report"): Case(
        STAFF, lambda role, w: f"/innovation/assessments/{_ids(w)['done']}/report?format=json"
    ),
    ("GET", "/innovation/assessments/{assessment_id}/evidence/{question_id}"): Case(
        STAFF, lambda role, w: f"/innovation/assessments/{_ids(w)['done']}/evidence/{_ids(w)['question']}"
    ),
    ("GET", "/innovation/questions"): public("/innovation/questions"),
    ("GET", "/innovation/questions/edit"): Case(OFFICE, fixed("/innovation/questions/edit")),
    ("POST", "/innovation/questions"): Case(OFFICE, fixed("/innovation/questions"), form=_question_set_form),
    ("POST", "/innovation/questions/publish"): Case(
        OFFICE, fixed("/innovation/questions/publish"), form=lambda r, w: {}, ok=frozenset({303, 409})
    ),
}
