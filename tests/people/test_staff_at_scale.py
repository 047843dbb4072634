"""An organisation's staff list at the design point (issue 14): read in name order from an index, never by
sorting every employee of the organisation (700,000 for a large employer among 14 million persons)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from skillatlas.alliance.models import Organisation
from skillatlas.auth.permissions import SYSTEM
from skillatlas.people import service as people_service
from skillatlas.people.models import Person


def _plan_of_staff_query(db: Session, organisation_id: int, offset: int = 0) -> str:
    seen: list[tuple[str, Any]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if "FROM person" in statement:
            seen.append((statement, parameters))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        staff = people_service.staff_of(db=db, actor=SYSTEM, organisation_id=organisation_id, offset=offset)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [p.full_name for p in staff] == sorted(p.full_name for p in staff)
    ((statement, parameters),) = seen
    connection = db.connection()
    if connection.dialect.name == "postgresql":
        # A handful of rows: without this the planner would rightly scan the table or sort a bitmap scan's
        # few rows; the point is which plan exists at all. With the old index alone it sorted whatever it
        # read, and with these settings off a sort is still chosen when no ordered index path exists.
        switches = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
        for switch in switches:
            connection.exec_driver_sql(f"SET LOCAL {switch} = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
        for switch in switches:
            connection.exec_driver_sql(f"RESET {switch}")
    else:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return "\n".join(" ".join(str(v) for v in row) for row in rows)


def test_the_staff_list_is_read_in_order_from_the_index(db: Session) -> None:
    employer = Organisation(slug="big-plant", name="Big Plant", type="industry", country="DE")
    other = Organisation(slug="small-plant", name="Small Plant", type="industry", country="FR")
    db.add_all([employer, other])
    db.flush()
    names = ["Zofia Weber", "Anna Muller", "Marco Rossi", "Anna Muller", "Jan Novak"]
    db.add_all(Person(full_name=n, employer_id=employer.id) for n in names * 40)
    db.add_all(Person(full_name=n, employer_id=other.id) for n in names)
    db.flush()
    for offset in (0, 100):
        plan = _plan_of_staff_query(db, employer.id, offset)
        assert "ix_person_employer_id_full_name" in plan, plan
        assert "Sort" not in plan and "TEMP B-TREE" not in plan, plan
