"""A small alliance and a hand-made outcome ledger whose KPIs the tests work out by hand."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.schemas import GroupCreate, OrganisationCreate
from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work
from skillatlas.kpi import service as kpi_service

S1 = "http://data.europa.eu/esco/skill/s1"
S2 = "http://data.europa.eu/esco/skill/s2"


@dataclass
class Ledger:
    organisations: dict[str, int]
    corrected: int


def build_alliance(db: Session) -> dict[str, int]:
    """Three members and a partner, two committees, two groups."""
    for name in ("Technology", "Education"):
        alliance_service.create_committee(db=db, actor=SYSTEM, name=name)
    orgs = {}
    for name, short, kind, country, region, joined, member in (
        ("Alpha Motors", "alpha", "industry", "DE", "DE11", dt.date(2024, 5, 1), True),
        ("Beta Training", "beta", "education_training_provider", "RO", "RO11", dt.date(2025, 3, 10), True),
        ("Gamma Union", "gamma", "social_partner", "FR", "FR10", dt.date(2025, 11, 20), True),
        ("Delta Partner", "delta", "research", "IT", None, dt.date(2025, 4, 1), False),
    ):
        data = OrganisationCreate(
            name=name, short_name=short, type=kind, country=country, nuts_region=region,
            joined_on=joined, is_member=member,
        )  # fmt: skip
        orgs[short] = alliance_service.create_organisation(db=db, actor=SYSTEM, data=data).id
    alliance_service.create_group(
        db=db,
        actor=SYSTEM,
        data=GroupCreate.model_validate(
            {"name": "Battery task force", "kind": "task_force", "committees": ["technology"],
             "members": [{"organisation": "alpha"}, {"organisation": "beta"}]}
        ),
    )  # fmt: skip
    alliance_service.create_group(
        db=db,
        actor=SYSTEM,
        data=GroupCreate.model_validate(
            {"name": "VET forum", "kind": "working_group", "committees": ["education", "technology"],
             "members": [{"organisation": "beta"}]}
        ),
    )  # fmt: skip
    return orgs


@pytest.fixture
def ledger(sessions: sessionmaker[Session]) -> Ledger:
    """The events the hand-computed test counts (see test_kpi.test_every_kpi_by_hand)."""
    with unit_of_work(sessions) as db:
        orgs = build_alliance(db)

        def add(
            kind: str, day: str, org: str | None, country: str, region: str | None = None, **kw: object
        ) -> int:
            return kpi_service.record_event(
                db=db, kind=kind, occurred_on=dt.date.fromisoformat(day), country=country, nuts_region=region,
                organisation_id=orgs[org] if org else None, source="test", **kw,  # type: ignore[arg-type]
            ).id  # fmt: skip

        add("upskilled", "2025-01-15", "alpha", "DE", "DE11", person_id=1)
        add("upskilled", "2025-01-31", "beta", "RO", "RO11", person_id=2)
        add("upskilled", "2025-06-10", "beta", "RO", person_id=3)
        add("upskilled", "2024-12-31", "alpha", "DE", "DE11", person_id=4)
        add("upskilled", "2026-01-01", "alpha", "DE", "DE11", person_id=5)
        add("new_job", "2025-03-03", "alpha", "DE", "DE11", skills=[S1, S2])
        add("new_job", "2025-03-04", "gamma", "FR", "FR10", skills=[S2])
        add("development_plan", "2025-07-07", "gamma", "FR", "FR10", person_id=6)
        add("certification", "2025-12-31", "beta", "RO", "RO11", person_id=7)
        add("new_position", "2025-02-28", None, "IT", person_id=8)
        wrong = add("upskilled", "2025-08-08", "gamma", "FR", "FR10", person_id=9)
        kpi_service.correct_event(db=db, actor=SYSTEM, event_id=wrong, reason="counted twice")
    return Ledger(organisations=orgs, corrected=wrong)
