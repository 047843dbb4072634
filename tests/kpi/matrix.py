"""The KPIs' permission-matrix entries: aggregates public; events and imports for the office and managers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.alliance import service as alliance_service
from skillatlas.kpi import service as kpi_service
from tests.auth.matrix_support import ORG_X, STAFF, Case, World, fixed, public


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    with database.unit_of_work(sessions) as db:
        organisation = alliance_service.get_organisation(db=db, slug=ORG_X)
        event = kpi_service.record_event(
            db=db,
            kind="upskilled",
            occurred_on=dt.date(2026, 3, 1),
            country=organisation.country,
            organisation_id=organisation.id,
            person_ref="matrix-person",
            source="test",
        )
        world.extra["kpi_event"] = event.id


def _events_csv(role: str, world: World) -> dict[str, tuple[str, bytes, str]]:
    csv = f"external_id,kind,occurred_on,organisation\nmatrix-1,upskilled,2026-02-01,{ORG_X}\n"
    return {"file": ("events.csv", csv.encode(), "text/csv")}


ENTRIES: dict[tuple[str, str], Case] = {
    ("GET", "/api/kpi/report"): public("/api/kpi/report?year=2026"),
    ("GET", "/kpi"): public("/kpi?year=2026"),
    ("GET", "/api/kpi/events"): Case(STAFF, fixed(f"/api/kpi/events?organisation={ORG_X}")),
    ("POST", "/api/kpi/events/import"): Case(STAFF, fixed("/api/kpi/events/import"), files=_events_csv),
    # The first allowed caller cancels the event; the next ones are told it was corrected already.
    ("POST", "/api/kpi/events/{event_id}/correct"): Case(
        STAFF,
        lambda role, w: f"/api/kpi/events/{w.extra['kpi_event']}/correct",
        json=lambda role, w: {"reason": f"by {role}"},
        ok=frozenset({201, 409}),
    ),
    ("GET", "/kpi/import"): Case(STAFF, fixed("/kpi/import")),
    ("POST", "/kpi/import"): Case(STAFF, fixed("/kpi/import"), form=lambda role, w: {}, files=_events_csv),
}
