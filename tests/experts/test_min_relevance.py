"""A shortlist holds relevant experts only (issue 13: experts scoring 0.01, who matched nothing, were listed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from skillatlas.config import Settings
from skillatlas.experts.matching import (
    DENSE_FLOOR,
    MIN_RELEVANCE,
    ExpertRecord,
    MatchQuery,
    build_pool,
    rank,
)
from skillatlas.search.backends import BACKEND_NAMES
from tests.conftest import create_user, login
from tests.experts.conftest import BATTERY_DESIGN, SECURITY, SOFTWARE_DESIGN
from tests.experts.test_workflow import register

TODAY = dt.date(2026, 6, 1)
LABELS = {"u1": "skill u1", "u2": "skill u2", "u3": "skill u3"}


def pool_of(n: int, skills: dict[int, list[tuple[str, str, int]]] | None = None):
    skills = skills or {}
    return build_pool([ExpertRecord(person_id=i + 1, skills=skills.get(i + 1, [])) for i in range(n)], LABELS)


def test_negligible_text_similarity_alone_does_not_shortlist() -> None:
    # Expert 4 is a hair above the pool's median cosine: before the fix it was listed with a score of 0.00.
    dense = np.array([0.10, 0.10, 0.10, 0.1004, 0.35], dtype=np.float32)
    matches = rank(pool_of(5), MatchQuery(today=TODAY), dense=dense)
    assert [m.person_id for m in matches] == [5]
    assert all(m.score >= MIN_RELEVANCE for m in matches)


def test_nobody_is_shortlisted_when_no_cosine_reaches_the_floor() -> None:
    # An unrelated request: the best of five poor cosines normalises to 1.0 and used to top the shortlist.
    dense = np.array([0.03, 0.08, -0.07, 0.087, 0.02], dtype=np.float32)
    assert rank(pool_of(5), MatchQuery(today=TODAY), dense=dense, dense_floor=DENSE_FLOOR["use-m3"]) == []
    assert [m.person_id for m in rank(pool_of(5), MatchQuery(today=TODAY), dense=dense)] != []  # no floor


def test_a_weak_word_overlap_alone_does_not_shortlist() -> None:
    lexical = np.array([2.36, 0.0, 0.0, 0.0, 0.45], dtype=np.float32)  # expert 5 shares one minor word
    assert [m.person_id for m in rank(pool_of(5), MatchQuery(today=TODAY), lexical=lexical)] == [1]


def test_holding_a_requested_skill_always_counts() -> None:
    # A claimed awareness of one of three skills asked at expert level scores little but is relevant.
    pool = pool_of(3, {2: [("u1", "awareness", 0)]})
    query = MatchQuery(skills=[("u1", "expert"), ("u2", "expert"), ("u3", "expert")], today=TODAY)
    dense = np.array([0.05, 0.05, 0.04], dtype=np.float32)
    matches = rank(pool, query, dense=dense, dense_floor=0.2)
    assert [m.person_id for m in matches] == [2]
    assert matches[0].score < MIN_RELEVANCE


def test_every_embedding_backend_has_a_floor() -> None:
    assert set(DENSE_FLOOR) == {name for name in BACKEND_NAMES if name != "none"}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The real embedding backend, as served: the floor is the backend's."""
    return Settings(database_url=database_url, data_dir=tmp_path, embedding_backend="use-m3")


def test_the_request_page_says_no_suitable_expert_yet(
    client: TestClient, sessions, esco: None, orgs: dict
) -> None:
    ana = register(client, sessions, "ana@example.org", [{"uri": BATTERY_DESIGN, "level": "expert"}])
    register(client, sessions, "bo@example.org", [{"uri": SOFTWARE_DESIGN, "level": "expert"}],
             headline="Software architect", bio="Automotive software architecture and AUTOSAR.")  # fmt: skip
    register(client, sessions, "cy@example.org", [], headline="Hydrogen consultant",
             bio="Feasibility studies for hydrogen refuelling stations and fuel-cell trucks.")  # fmt: skip
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    company = login(client, "boss@example.org")
    unrelated = company.post("/api/experts/requests", json={
        "organisation": "acea", "title": "Sourdough bakery", "skills": [{"uri": SECURITY, "level": "expert"}],
        "description": "We need someone to teach our bakers sourdough bread and croissants.",
    })  # fmt: skip
    assert unrelated.status_code == 201, unrelated.json()
    request_id = unrelated.json()["id"]
    assert company.get(f"/api/experts/requests/{request_id}/shortlist").json() == []
    page = company.get(f"/experts/requests/{request_id}").text
    assert "No suitable expert yet" in page and f"Expert #{ana}" not in page
    related = company.post("/api/experts/requests", json={
        "organisation": "acea", "title": "Battery pack review", "skills": [{"uri": SECURITY, "level": "expert"}],
        "description": "Review the design of our lithium-ion battery packs for electric vehicles.",
    })  # fmt: skip
    shortlist = company.get(f"/api/experts/requests/{related.json()['id']}/shortlist").json()
    assert [e["expert_id"] for e in shortlist] == [ana]  # by the text alone: no requested skill held
