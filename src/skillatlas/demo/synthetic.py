"""A deterministic synthetic population of workers, experts and trainers for scale work."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from skillatlas.alliance.models import Organisation
from skillatlas.db import utcnow
from skillatlas.errors import Conflict, InvalidInput
from skillatlas.people.models import Person, PersonKind

# Rough shares of EU automotive employment by country (thousands of jobs, rounded): enough to give
# the synthetic population a realistic shape; the KPI workforce figures are configured separately.
COUNTRY_WEIGHTS: dict[str, int] = {
    "DE": 880, "FR": 230, "PL": 200, "RO": 190, "CZ": 180, "IT": 170, "ES": 160, "HU": 100,
    "SK": 80, "SE": 80, "PT": 50, "AT": 40, "BE": 30, "NL": 25, "BG": 20, "SI": 15, "FI": 10,
    "LT": 8, "DK": 8, "IE": 6, "HR": 6, "EE": 4, "LV": 3, "GR": 3, "LU": 2, "MT": 1, "CY": 1,
}  # fmt: skip

FIRST_NAMES = (
    "Anna", "Lukas", "Maria", "Jan", "Sofia", "Mateo", "Elena", "Tomas", "Ioana", "Pierre", "Julia",
    "Marco", "Eva", "Piotr", "Laura", "Andrei", "Katarina", "Nikolaj", "Ines", "David", "Marta",
    "Jonas", "Chiara", "Milan", "Sara", "Ferenc", "Hanna", "Luis", "Petra", "Emil", "Zofia", "Karl",
)  # fmt: skip
LAST_NAMES = (
    "Muller", "Novak", "Rossi", "Garcia", "Kowalski", "Popescu", "Dubois", "Horvat", "Schmidt",
    "Nagy", "Svoboda", "Ferreira", "Jansen", "Peeters", "Lindqvist", "Virtanen", "Ivanova",
    "Kazlauskas", "Berzins", "Tamm", "Murphy", "Papadopoulos", "Weber", "Fischer", "Moreau", "Bianchi",
    "Lopez", "Wojcik", "Dvorak", "Kovacs", "Hansen", "Meyer",
)  # fmt: skip
KIND_WEIGHTS = {PersonKind.WORKER: 90, PersonKind.EXPERT: 7, PersonKind.TRAINER: 3}
BATCH = 20_000


@dataclass(frozen=True, slots=True)
class PopulationReport:
    persons: int
    seed: int


def persons(n: int, seed: int, employer_ids: list[int]) -> Iterator[dict[str, Any]]:
    """N person rows; the same seed and employers give the same rows.

    Choices are drawn for all N at once with NumPy: drawing them one by one costs more than the insert.
    Synthetic persons carry no e-mail address: they never log in, and the unique index would only slow
    the bulk insert down.
    """
    rng = np.random.default_rng(seed)
    countries = np.array(list(COUNTRY_WEIGHTS))
    country_p = np.array(list(COUNTRY_WEIGHTS.values()), dtype=float)
    kinds = [k.value for k in KIND_WEIGHTS]
    kind_p = np.array(list(KIND_WEIGHTS.values()), dtype=float)
    first = rng.integers(0, len(FIRST_NAMES), n)
    last = rng.integers(0, len(LAST_NAMES), n)
    country = countries[rng.choice(len(countries), n, p=country_p / country_p.sum())]
    kind = rng.choice(len(kinds), n, p=kind_p / kind_p.sum())
    employer = rng.integers(0, len(employer_ids), n) if employer_ids else None
    created = utcnow()
    for i in range(n):
        yield {
            "full_name": f"{FIRST_NAMES[first[i]]} {LAST_NAMES[last[i]]}",
            "email": None,
            "kind": kinds[kind[i]],
            "employer_id": employer_ids[employer[i]] if employer is not None else None,
            "country": str(country[i]),
            "nuts_region": None,
            "external_ref": f"syn:{seed}:{i}",
            "created_at": created,
        }


def add_population(
    *, db: Session, n: int, seed: int, progress: Callable[[int], None] | None = None
) -> PopulationReport:
    """Adds N synthetic persons in bulk, in the caller's transaction; a seed can be loaded once."""
    if n < 0:
        raise InvalidInput("the number of persons cannot be negative", field="people")
    if db.scalar(select(Person.id).where(Person.external_ref == f"syn:{seed}:0")) is not None:
        raise Conflict(
            f"a synthetic population with seed {seed} is already loaded: choose another seed", field="seed"
        )
    employer_ids = list(db.scalars(select(Organisation.id).order_by(Organisation.id)))
    table = Person.__table__
    rows = persons(n, seed, employer_ids)
    done = 0
    while done < n:
        batch = [row for _, row in zip(range(min(BATCH, n - done)), rows, strict=False)]
        db.execute(insert(table), batch)
        done += len(batch)
        if progress:
            progress(len(batch))
    return PopulationReport(persons=n, seed=seed)
