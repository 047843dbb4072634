"""The expert snapshot's vectors shared by server processes (issue 14): one file for the same experts, the same
scores as in memory, a new expert found after the snapshot through a new file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.db import unit_of_work, utcnow
from skillatlas.experts import service
from skillatlas.experts.schemas import ExpertProfileIn
from skillatlas.people.models import Person
from skillatlas.search import EmbeddingCache

TEXTS = [
    ("Battery engineer", "I design battery management systems for electric buses."),
    ("Software architect", "I create software design for vehicle controllers."),
    ("Welding instructor", "I teach aluminium welding for car bodies."),
]


def _add_expert(sessions: sessionmaker[Session], headline: str, bio: str) -> int:
    with unit_of_work(sessions) as db:
        person = Person(full_name=headline)
        db.add(person)
        db.flush()
        data = ExpertProfileIn(
            headline=headline, bio=bio, languages=[{"code": "en", "level": "C1"}], consent=True
        )
        service.save_profile(db=db, actor=SYSTEM, person_id=person.id, data=data, now=utcnow())
        return person.id


def _mapped(array: np.ndarray | None) -> bool:
    while array is not None:
        if isinstance(array, np.memmap):
            return True
        array = array.base  # type: ignore[assignment]
    return False


def test_processes_share_one_vectors_file_and_find_an_expert_added_later(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    for headline, bio in TEXTS:
        _add_expert(sessions, headline, bio)
    # Two engines over one data directory stand for two server processes.
    first, second = service.MatchingEngine(tmp_path, "use-m3"), service.MatchingEngine(tmp_path, "use-m3")
    with sessions() as db:
        one, two = first.snapshot(db), second.snapshot(db)
        in_memory = service.load_snapshot(db, backend="use-m3", cache=EmbeddingCache())
    files = sorted((tmp_path / "shared").glob("experts-use-m3-*.npy"))

    assert len(files) == 1
    assert _mapped(one.texts.vectors) and _mapped(two.texts.vectors)
    for query in ("battery management", "welding aluminium", "controller software"):
        assert np.array_equal(one.texts.dense_scores(query), in_memory.texts.dense_scores(query))
        assert np.array_equal(two.texts.dense_scores(query), in_memory.texts.dense_scores(query))

    added = _add_expert(sessions, "Hydrogen engineer", "I test fuel cell stacks and hydrogen tanks.")
    with sessions() as db:
        after = second.snapshot(db)

    position = int(np.flatnonzero(after.pool.person_ids == added)[0])
    scores = after.texts.dense_scores("fuel cell stacks")
    assert scores is not None and int(np.argmax(scores)) == position
    assert len(sorted((tmp_path / "shared").glob("experts-use-m3-*.npy"))) == 2
