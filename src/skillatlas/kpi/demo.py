"""Demo outcome events for the ASA demo alliance: a deterministic ledger so the dashboard has something to show."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.alliance.models import Organisation
from skillatlas.kpi import service
from skillatlas.kpi.models import OutcomeEvent, OutcomeKind

FIRST_DAY = dt.date(2025, 1, 1)
LAST_DAY = dt.date(2026, 5, 31)
# How many of each kind the demo ledger holds: upskilling dominates, as in the alliance's ambition.
KIND_WEIGHTS = {
    OutcomeKind.UPSKILLED: 50,
    OutcomeKind.CERTIFICATION: 20,
    OutcomeKind.DEVELOPMENT_PLAN: 15,
    OutcomeKind.NEW_POSITION: 10,
    OutcomeKind.NEW_JOB: 5,
}
PREFIX = "demo-kpi-"


def load_demo_events(*, db: Session, n: int = 600, seed: int = 8) -> int:
    """Adds N demo events (once: a ledger that has them is left alone); the number added."""
    if db.scalar(select(OutcomeEvent.id).where(OutcomeEvent.external_id == f"{PREFIX}0")) is not None:
        return 0
    organisations = list(
        db.scalars(select(Organisation).where(Organisation.is_member).order_by(Organisation.id))
    )
    if not organisations:
        return 0
    from skillatlas.taxonomy.models import Skill

    skills = list(db.scalars(select(Skill.uri).where(Skill.automotive).order_by(Skill.uri).limit(40)))
    return service.insert_events(db=db, rows=events(n, seed, organisations, skills))


def events(n: int, seed: int, organisations: list[Any], skills: list[str]) -> list[dict[str, Any]]:
    """N event rows drawn with NumPy: the same seed and organisations give the same rows."""
    rng = np.random.default_rng(seed)
    kinds = [k.value for k in KIND_WEIGHTS]
    p = np.array(list(KIND_WEIGHTS.values()), dtype=float)
    kind_index = rng.choice(len(kinds), size=n, p=p / p.sum())
    days = rng.integers(0, (LAST_DAY - FIRST_DAY).days + 1, size=n)
    org_index = rng.integers(0, len(organisations), size=n)
    rows = []
    for i in range(n):
        organisation = organisations[int(org_index[i])]
        kind = kinds[int(kind_index[i])]
        profile: list[str] = []
        if kind == OutcomeKind.NEW_JOB.value and skills:
            picks = rng.choice(len(skills), size=min(3, len(skills)), replace=False)
            profile = [skills[int(j)] for j in picks]
        rows.append(
            {
                "kind": kind,
                "occurred_on": FIRST_DAY + dt.timedelta(days=int(days[i])),
                "person_ref": f"demo-{int(rng.integers(0, 10**9)):09d}"
                if kind != OutcomeKind.NEW_JOB.value
                else None,
                "organisation_id": organisation.id,
                "country": organisation.country,
                "nuts_region": organisation.nuts_region,
                "skills": profile,
                "sign": 1,
                "source": "demo",
                "source_ref": "skillatlas.kpi.demo",
                "external_id": f"{PREFIX}{i}",
            }
        )
    return rows
