"""Benchmarks: a peer group is shown only as an aggregate of at least five organisations, at every door."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM, Principal
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput, NotAuthenticated
from skillatlas.innovation import service
from skillatlas.innovation.models import Clause
from tests.conftest import NOW, create_user, login
from tests.innovation.conftest import add_organisation, run_assessment, uniform

SECTOR = "vehicle_manufacturer"  # no demo organisation is in this sector


def _peers(db: Session, n: int, *, first_level: int = 1) -> list[str]:
    """n vehicle manufacturers in Romania, the k-th (from 0) answering every question at level (first_level + k) % 5."""
    slugs = []
    for k in range(n):
        slug = add_organisation(db, f"Peer maker {k}", country="RO")
        run_assessment(db, slug, uniform((first_level + k) % 5), sector=SECTOR, size="medium")
        slugs.append(slug)
    return slugs


def test_four_organisations_are_not_enough(sessions: sessionmaker[Session], question_set: int) -> None:
    with unit_of_work(sessions) as db:
        _peers(db, 4)
        for dimension, value in (("sector", SECTOR), ("country", "RO")):
            found = service.benchmark(db=db, actor=SYSTEM, dimension=dimension, value=value)
            assert found.enough is False
            assert found.organisations is None and found.overall is None and found.clauses is None
            assert "organisations" not in found.model_dump(exclude_none=True)


def test_five_organisations_give_their_means(sessions: sessionmaker[Session], question_set: int) -> None:
    with unit_of_work(sessions) as db:
        _peers(db, 5)  # levels 1, 2, 3, 4, 0: scores 25, 50, 75, 100, 0
        found = service.benchmark(db=db, actor=SYSTEM, dimension="sector", value=SECTOR)
        by_size = service.benchmark(db=db, actor=SYSTEM, dimension="size", value="medium")
    assert found.enough is True and found.organisations == 5
    assert found.overall == 50.0  # (25 + 50 + 75 + 100 + 0) / 5
    assert found.clauses == {c: 50.0 for c in Clause}
    # EDUCAM's demo assessments are medium too: six organisations, EDUCAM's newest one counted once
    assert by_size.enough is True and by_size.organisations == 6


def test_only_the_newest_assessment_of_each_organisation_counts(
    sessions: sessionmaker[Session], question_set: int
) -> None:
    with unit_of_work(sessions) as db:
        slugs = _peers(db, 4)
        # a fifth organisation assessed twice is still one organisation, counted with its newest score
        run_assessment(
            db, slugs[0], uniform(4), sector=SECTOR, size="medium", done=NOW + dt.timedelta(days=30)
        )
        assert service.benchmark(db=db, actor=SYSTEM, dimension="sector", value=SECTOR).enough is False
        fifth = add_organisation(db, "Peer maker 4", country="RO")
        run_assessment(db, fifth, uniform(0), sector=SECTOR, size="medium")
        found = service.benchmark(db=db, actor=SYSTEM, dimension="sector", value=SECTOR)
    assert found.organisations == 5
    assert found.overall == 65.0  # (100 (maker 0's newest, not its 25) + 50 + 75 + 100 + 0) / 5


def test_an_organisation_is_not_its_own_peer(sessions: sessionmaker[Session], question_set: int) -> None:
    with unit_of_work(sessions) as db:
        slugs = _peers(db, 5)
        mine = run_assessment(
            db, slugs[0], uniform(4), sector=SECTOR, size="medium", done=NOW + dt.timedelta(days=1)
        )
        groups = {b.dimension: b for b in service.benchmarks_for(db=db, actor=SYSTEM, assessment_id=mine.id)}
        # four others in its sector and country: not enough, although the sector holds five organisations
        assert groups["sector"].enough is False and groups["country"].enough is False
        sixth = add_organisation(db, "Peer maker 5", country="RO")
        run_assessment(db, sixth, uniform(2), sector=SECTOR, size="medium")
        groups = {b.dimension: b for b in service.benchmarks_for(db=db, actor=SYSTEM, assessment_id=mine.id)}
    assert groups["sector"].enough is True and groups["sector"].organisations == 5
    assert groups["sector"].overall == 55.0  # (50 + 75 + 100 + 0 + 50) / 5: maker 0 left out
    assert groups["country"].label == "Romania" and groups["type"].label == "Members: industry"


def test_every_door_keeps_the_minimum(
    client: TestClient, sessions: sessionmaker[Session], question_set: int
) -> None:
    with unit_of_work(sessions) as db:
        _peers(db, 4)
    create_user(sessions, "someone@test.example", {"role": "worker"})
    login(client, "someone@test.example")
    body = client.get("/api/innovation/benchmark", params={"dimension": "sector", "value": SECTOR}).json()
    assert body["enough"] is False and body["organisations"] is None and body["clauses"] is None
    with unit_of_work(sessions) as db:
        _peers_more = add_organisation(db, "Peer maker 4", country="RO")
        run_assessment(db, _peers_more, uniform(0), sector=SECTOR, size="medium")
    body = client.get("/api/innovation/benchmark", params={"dimension": "sector", "value": SECTOR}).json()
    assert body["enough"] is True and body["organisations"] == 5 and body["overall"] == 50.0


def test_benchmarks_need_a_login_and_a_known_group(
    sessions: sessionmaker[Session], question_set: int
) -> None:
    with unit_of_work(sessions) as db:
        with pytest.raises(NotAuthenticated):
            service.benchmark(db=db, actor=Principal(user_id=None), dimension="sector", value=SECTOR)
        with pytest.raises(InvalidInput):
            service.benchmark(db=db, actor=SYSTEM, dimension="colour", value="red")
        with pytest.raises(InvalidInput):
            service.benchmark(db=db, actor=SYSTEM, dimension="sector", value="bakery")
