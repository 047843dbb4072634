"""The training path's cached candidates at the design point (issue 14): whether the catalogue changed is one
primary-key read, never an aggregate over every course (40-85 ms at 100,000 courses, at every path)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import delete, event
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.db import unit_of_work
from skillatlas.learning import path as paths
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


def _reference_options(found: Any, skill_levels: dict[int, int]) -> list[paths.Option]:
    """`path_options` as it was before it was vectorised (one loop in Python over the teaching rows)."""
    covers: dict[int, set[int]] = {}
    for skill_id, needed in skill_levels.items():
        for course_id, level in found.teaches.get(skill_id, ()):
            if level >= needed:
                covers.setdefault(course_id, set()).add(skill_id)
    taken: set[int] = set()
    stack = list(covers)
    while stack:
        course_id = stack.pop()
        if course_id in taken or course_id not in found.cost:
            continue
        taken.add(course_id)
        stack.extend(found.requires.get(course_id, ()))
    required_by_others = {r for c in taken for r in found.requires.get(c, ())}
    cheapest: dict[frozenset[int], tuple[float, int]] = {}
    options = []
    for cid in taken:
        c = found.cost[cid]
        closes = frozenset(covers.get(cid, ()))
        if cid in found.requires or cid in required_by_others:
            options.append(paths.Option(cid, c, closes, found.requires.get(cid, ())))
        elif closes and (closes not in cheapest or (c, cid) < cheapest[closes]):
            cheapest[closes] = (c, cid)
    options += [paths.Option(cid, c, closes) for closes, (c, cid) in cheapest.items()]
    return options


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_options_are_the_options_of_the_plain_loop(seed: int) -> None:
    """Random catalogues (up to 140 needed skills: three 64-bit words per set; costs that tie; prerequisite
    chains, some outside the preferences): the same options, exactly."""
    rng = random.Random(seed)
    skills = list(range(1000, 1000 + rng.choice([5, 60, 140])))
    teaches: dict[int, list[tuple[int, int]]] = {}
    cost: dict[int, float] = {}
    for course in range(1, rng.choice([50, 400, 3000])):
        cost[course] = float(rng.choice([0, 100, 100, 250, 900]))
        for s in rng.sample(skills, rng.randint(1, min(4, len(skills)))):
            teaches.setdefault(s, []).append((course, rng.randint(1, 3)))
    requires: dict[int, tuple[int, ...]] = {}
    for course in rng.sample(sorted(cost), len(cost) // 20):
        requires[course] = tuple(rng.sample(sorted(cost), rng.randint(1, 2)))
    outside = max(cost) + 1  # a prerequisite that does not fit the preferences
    requires[rng.choice(sorted(cost))] = (outside,)
    found = service._Candidates(teaches, cost, requires)
    for _ in range(5):
        needed = {s: rng.randint(1, 3) for s in rng.sample(skills, rng.randint(1, len(skills)))}
        got = service._options(found, needed)
        want = _reference_options(found, needed)
        assert len(got) == len(want)
        assert sorted(got, key=lambda o: o.course_id) == sorted(want, key=lambda o: o.course_id)
