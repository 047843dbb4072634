"""Scores per clause and overall, strengths and gaps, the change over time: hand-computed expectations."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.errors import Conflict, InvalidInput
from skillatlas.innovation import service
from skillatlas.innovation.models import Clause
from skillatlas.innovation.schemas import AnswerIn
from tests.conftest import NOW
from tests.innovation.conftest import LEVELS, run_assessment, uniform


def test_pure_scores() -> None:
    assert service.clause_score([4, 2], 4) == 75.0
    assert service.clause_score([1, 0], 4) == 12.5
    assert service.clause_score([1, 2, 2], 4) == 41.7  # 5 / 12
    assert service.clause_score([], 4) == 0.0
    scores = {Clause.CONTEXT: 80.0, Clause.LEADERSHIP: 20.0}
    assert (
        service.overall_score(scores, {Clause.CONTEXT: 1.0, Clause.LEADERSHIP: 3.0}) == 35.0
    )  # (80 + 60) / 4
    assert service.overall_score(scores, {Clause.CONTEXT: 0.0, Clause.LEADERSHIP: 0.0}) == 0.0
    strengths, gaps = service.strengths_and_gaps({Clause.CONTEXT: 75.0, Clause.PLANNING: 90.0, Clause.SUPPORT: 50.0,
                                                  Clause.LEADERSHIP: 49.9, Clause.EVALUATION: 10.0})  # fmt: skip
    assert strengths == [Clause.PLANNING, Clause.CONTEXT]
    assert gaps == [Clause.EVALUATION, Clause.LEADERSHIP]


def test_assessment_results_by_hand(sessions: sessionmaker[Session], question_set: int) -> None:
    with unit_of_work(sessions) as db:
        found = run_assessment(db, "aco", LEVELS)
        read = service.results(db=db, actor=SYSTEM, assessment_id=found.id)
    by_clause = {c.clause: c.score for c in read.clauses}
    assert by_clause == {Clause.CONTEXT: 75.0, Clause.LEADERSHIP: 12.5, Clause.PLANNING: 50.0, Clause.SUPPORT: 75.0,
                         Clause.OPERATIONS: 0.0, Clause.EVALUATION: 100.0, Clause.IMPROVEMENT: 37.5}  # fmt: skip
    assert read.overall == 45.3  # (75 + 2 * 12.5 + 50 + 75 + 0 + 100 + 37.5) / 8 = 45.3125
    assert read.strengths == [Clause.EVALUATION, Clause.CONTEXT, Clause.SUPPORT]
    assert read.gaps == [Clause.OPERATIONS, Clause.LEADERSHIP, Clause.IMPROVEMENT]
    assert read.previous is None and read.overall_change is None


def test_change_since_the_previous_assessment(sessions: sessionmaker[Session], question_set: int) -> None:
    with unit_of_work(sessions) as db:
        first = run_assessment(db, "aco", uniform(1), done=NOW - dt.timedelta(days=365))
        second = run_assessment(db, "aco", LEVELS)
        read = service.results(db=db, actor=SYSTEM, assessment_id=second.id)
        earlier = service.results(db=db, actor=SYSTEM, assessment_id=first.id)
    assert read.previous is not None and read.previous.id == first.id and read.previous.overall == 25.0
    assert read.overall_change == 20.3  # 45.3 - 25.0
    change = {c.clause: c.change for c in read.clauses}
    assert change[Clause.EVALUATION] == 75.0 and change[Clause.OPERATIONS] == -25.0
    assert [h.id for h in read.history] == [first.id, second.id]
    assert earlier.previous is None  # the first one has nothing before it


def test_completing_needs_every_answer(sessions: sessionmaker[Session], question_set: int) -> None:
    with unit_of_work(sessions) as db:
        found = run_assessment(db, "aco", LEVELS, complete=False)
        first = found.answers[0].question_id
        found.answers.remove(found.answers[0])  # delete-orphan: the answer is gone
        db.flush()
        with pytest.raises(InvalidInput, match="1 of 14 questions are not answered"):
            service.complete(db=db, actor=SYSTEM, assessment_id=found.id, now=NOW)
        with pytest.raises(Conflict, match="not completed"):
            service.results(db=db, actor=SYSTEM, assessment_id=found.id)
        with pytest.raises(InvalidInput, match="maturity level is 0 to 4"):
            service.save_answers(
                db=db, actor=SYSTEM, assessment_id=found.id, answers=[AnswerIn(question_id=first, level=5)]
            )
        service.save_answers(
            db=db, actor=SYSTEM, assessment_id=found.id, answers=[AnswerIn(question_id=first, level=4)]
        )
        service.complete(db=db, actor=SYSTEM, assessment_id=found.id, now=NOW)
        with pytest.raises(Conflict, match="completed"):
            service.save_answers(
                db=db, actor=SYSTEM, assessment_id=found.id, answers=[AnswerIn(question_id=first, level=0)]
            )


def test_one_assessment_in_progress_per_organisation(
    sessions: sessionmaker[Session], question_set: int
) -> None:
    with unit_of_work(sessions) as db:
        run_assessment(db, "aco", LEVELS, complete=False)
        with pytest.raises(Conflict, match="in progress"):
            run_assessment(db, "aco", LEVELS, complete=False)
