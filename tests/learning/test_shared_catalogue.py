"""The catalogue's search index as one file shared by the server's processes (issue 14): a second process
maps it without reading a course and finds what a private index finds; a new course names a new file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.learning import service
from skillatlas.learning.catalogue_index import CourseIndex
from skillatlas.learning.schemas import CourseIn
from tests.learning.conftest import PROVIDER, Catalogue

QUERIES = ["battery", "software design", "accumulator", "battery management", "safety", "cooking pasta"]


def _answers(index: CourseIndex, db: Session) -> list[list[int]]:
    return [index.search(db, q, 20) for q in QUERIES]


def test_a_second_process_maps_the_catalogue_index_and_finds_the_same_courses(
    sessions: sessionmaker[Session], engine: Engine, catalogue: Catalogue, tmp_path: Path
) -> None:
    first, second = CourseIndex("use-m3", tmp_path), CourseIndex("use-m3", tmp_path)
    private = CourseIndex("use-m3")
    with sessions() as db:
        expected = _answers(private, db)
        assert _answers(first, db) == expected
    assert expected[0] and expected[2]  # words and meaning both find courses: the comparison means something
    assert first.index is not None and first.index.frozen
    assert len(list((tmp_path / "shared").glob("courses-use-m3-index-*.bundle"))) == 1

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        with sessions() as db:
            answers = _answers(second, db)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert answers == expected
    assert not [s for s in statements if "from course" in s]  # the counter only, no course read

    with unit_of_work(sessions) as db:
        saved, _ = service.save_courses(db=db, actor=SYSTEM, provider=PROVIDER, items=[
            CourseIn(code="H2-101", title="Hydrogen fuel cell safety", description="Fuel cells and tanks.",
                     hours=6, price_eur=200)])  # fmt: skip
    with sessions() as db:
        assert saved[0].id in second.search(db, "hydrogen fuel cell", 5)
    assert len(list((tmp_path / "shared").glob("courses-use-m3-index-*.bundle"))) == 2
