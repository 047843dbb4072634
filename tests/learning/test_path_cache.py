"""The training path's cached candidates at the design point (issue 14): whether the catalogue changed is one
primary-key read, never an aggregate over every course (40-85 ms at 100,000 courses, at every path)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, event
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.db import unit_of_work
from skillatlas.learning import service
from skillatlas.learning.models import CourseSkill
from skillatlas.learning.schemas import PathPreferences
from skillatlas.taxonomy.models import Skill
from tests.learning.conftest import BMS, FLUIDS, Catalogue


def _needed(db: Session) -> dict[int, int]:
    ids = {s.uri: s.id for s in db.query(Skill).filter(Skill.uri.in_([BMS, FLUIDS]))}
    return {ids[BMS]: 2, ids[FLUIDS]: 2}


def _statements(db: Session, work: Any) -> tuple[Any, list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        return work(), seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _course_ids(options: list[Any]) -> set[int]:
    return {o.course_id for o in options}


def test_a_cached_path_reads_one_counter_and_sees_every_change(
    sessions: sessionmaker[Session], catalogue: Catalogue
) -> None:
    prefs = PathPreferences()
    with unit_of_work(sessions) as db:
        needed = _needed(db)
        first = service.path_options(db, needed, prefs)
        again, statements = _statements(db, lambda: service.path_options(db, needed, prefs))
    assert _course_ids(again) == _course_ids(first) and catalogue.course_ids["BAT-301"] in _course_ids(first)
    # The cache hit asks the change counter and nothing else: no count(*) or max() over the courses.
    assert len(statements) == 1 and "FROM data_version" in statements[0], statements

    # A course's skill taken away (no change to the course row itself): the next path sees it at once.
    bms_course = catalogue.course_ids["BAT-301"]
    with unit_of_work(sessions) as db:
        db.execute(delete(CourseSkill).where(CourseSkill.course_id == bms_course))
        # Inside the transaction that made the change: read afresh, and not kept.
        assert bms_course not in _course_ids(service.path_options(db, _needed(db), prefs))
        db.rollback()
        assert bms_course in _course_ids(service.path_options(db, _needed(db), prefs))
    with unit_of_work(sessions) as db:
        db.execute(delete(CourseSkill).where(CourseSkill.course_id == bms_course))
    with unit_of_work(sessions) as db:
        assert bms_course not in _course_ids(service.path_options(db, _needed(db), prefs))
