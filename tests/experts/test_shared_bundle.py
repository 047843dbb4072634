"""The whole expert snapshot as one file shared by the server's processes (issue 14): a second process maps it
without reading a single expert row, ranks exactly as a snapshot read from the database, and a change to an
expert names a new file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work, utcnow
from skillatlas.experts import service
from skillatlas.experts.matching import MatchQuery, StringColumn
from skillatlas.experts.models import ExpertProfile
from skillatlas.experts.schemas import ExpertProfileIn
from skillatlas.people.models import Person
from skillatlas.search import EmbeddingCache
from skillatlas.search.shared import read_bundle, write_bundle

EXPERTS = [
    ("Battery engineer", "I design battery management systems for electric buses.", ["DE", "FR"], "EXT-1"),
    ("Software architect", "I create software design for vehicle controllers.", ["RO"], None),
    ("Welding instructor", "I teach aluminium welding for car bodies.", [], "EXT-3"),
    ("Hydrogen engineer", "I test fuel cell stacks and hydrogen tanks.", ["BE"], "EXT-4"),
]


def _add_expert(sessions: sessionmaker[Session], headline: str, bio: str, countries: list[str],
                external: str | None) -> int:  # fmt: skip
    with unit_of_work(sessions) as db:
        person = Person(full_name=headline)
        db.add(person)
        db.flush()
        data = ExpertProfileIn(headline=headline, bio=bio, languages=[{"code": "en", "level": "C1"}],
                               countries=countries, consent=True)  # fmt: skip
        service.save_profile(db=db, actor=SYSTEM, person_id=person.id, data=data, now=utcnow())
        profile = db.get(ExpertProfile, person.id)
        assert profile is not None
        profile.external_id = external  # set by an import of the expert database, not by the form
        return person.id


def _shortlists(snapshot: service.Snapshot) -> list[list[tuple[int, str | None, float, list[str]]]]:
    queries = [
        (MatchQuery(languages=["en"], today=dt.date(2026, 12, 1)), "battery management systems"),
        (MatchQuery(country="DE", work_mode="on_site", today=dt.date(2026, 12, 1)), "electric bus batteries"),
        (MatchQuery(today=dt.date(2026, 12, 1)), "fuel cell hydrogen tank testing"),
        (MatchQuery(today=dt.date(2026, 12, 1)), "aluminium welding"),
    ]
    return [
        [
            (m.person_id, m.external_id, m.score, m.reasons)
            for m in service.match_query(snapshot, query, text, 10)
        ]
        for query, text in queries
    ]


def test_a_second_process_maps_the_snapshot_without_reading_experts_and_ranks_the_same(
    sessions: sessionmaker[Session], engine: Engine, tmp_path: Path
) -> None:
    for expert in EXPERTS:
        _add_expert(sessions, *expert)
    first, second = service.MatchingEngine(tmp_path, "use-m3"), service.MatchingEngine(tmp_path, "use-m3")
    with sessions() as db:
        built = first.snapshot(db)
        from_database = service.load_snapshot(db, backend="use-m3", cache=EmbeddingCache())
    assert len(list((tmp_path / "shared").glob("experts-use-m3-snapshot-*.bundle"))) == 1

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement.lower())

    event.listen(engine, "before_cursor_execute", record)
    try:
        with sessions() as db:
            mapped = second.snapshot(db)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements and not [s for s in statements if "person_skill" in s or "expert_profile" in s]
    assert isinstance(mapped.pool.external_ids, StringColumn)
    assert isinstance(mapped.pool.person_ids.base, np.memmap)  # a plain view over the mapped file
    assert [mapped.pool.external_ids[i] for i in range(len(mapped.pool))] == list(
        from_database.pool.external_ids
    )
    expected = _shortlists(from_database)
    assert expected[0] and expected[2]  # the queries find someone: the comparison below means something
    assert _shortlists(mapped) == expected
    assert _shortlists(built) == expected


def test_a_changed_expert_names_a_new_file_that_holds_the_change(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    for expert in EXPERTS[:2]:
        _add_expert(sessions, *expert)
    engine = service.MatchingEngine(tmp_path, "use-m3")
    with sessions() as db:
        engine.snapshot(db)
    added = _add_expert(sessions, *EXPERTS[3])
    with sessions() as db:
        after = engine.snapshot(db)
    assert len(list((tmp_path / "shared").glob("experts-use-m3-snapshot-*.bundle"))) == 2
    assert added in after.pool.person_ids.tolist()
    assert _shortlists(after)[2][0][0] == added


def test_a_bundle_round_trips_every_dtype_and_empty_arrays(tmp_path: Path) -> None:
    arrays = {
        "int8": np.arange(-5, 5, dtype=np.int8).reshape(2, 5),
        "float32": np.linspace(0, 1, 7, dtype=np.float32),
        "int64": np.array([2**40, -1], dtype=np.int64),
        "bool": np.array([True, False, True]),
        "empty": np.zeros((0, 4), dtype=np.float32),
        "bytes": np.frombuffer("Zürich naïve".encode(), dtype=np.uint8),
    }
    meta = {"vocab": {"batteri": 0, "weld": 1}, "size": 3}
    path = tmp_path / "one.bundle"
    write_bundle(path, arrays, meta)
    read, read_meta = read_bundle(path)
    assert read_meta == meta
    assert set(read) == set(arrays)
    for name, value in arrays.items():
        assert read[name].dtype == value.dtype and np.array_equal(read[name], value), name
    column = StringColumn.of(["EXT-1", None, "Zürich", ""])
    assert [column[i] for i in range(4)] == ["EXT-1", None, "Zürich", ""]


def test_an_object_array_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="object"):
        write_bundle(tmp_path / "x.bundle", {"bad": np.array(["a", None], dtype=object)}, {})
