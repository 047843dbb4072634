"""Catalogue search returns relevant courses only: a word match, or a meaning close enough (issue 13)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from skillatlas.learning import service
from skillatlas.learning.catalogue_index import SEMANTIC_THRESHOLD
from tests.learning.conftest import Catalogue

BATTERY = {"BAT-101", "BAT-201", "BAT-301", "BAT-ALL"}


def codes(db: Session, q: str, backend: str) -> set[str]:
    return {c.code for c in service.search_courses(db=db, q=q, backend=backend)}


@pytest.mark.parametrize("backend", ["none", "use-m3"])
def test_a_query_matching_nothing_finds_no_course(db: Session, catalogue: Catalogue, backend: str) -> None:
    # Before the fix the dense side ranked every course, so any query listed the whole catalogue.
    for q in ("cooking pasta", "knitting", "tax law", "xyzzy"):
        assert codes(db, q, backend) == set(), q


@pytest.mark.parametrize("backend", ["none", "use-m3"])
def test_a_word_finds_only_the_courses_that_use_it(db: Session, catalogue: Catalogue, backend: str) -> None:
    assert codes(db, "battery", backend) == BATTERY
    assert codes(db, "software", backend) == {"SW-101"}


def test_a_close_meaning_still_finds_a_course(db: Session, catalogue: Catalogue) -> None:
    # No course says "accumulator"; the battery courses are close enough in meaning, the software one is not.
    found = codes(db, "accumulator", "use-m3")
    assert found and found <= BATTERY


def test_threshold_is_documented_for_each_embedding_backend() -> None:
    from skillatlas.search.backends import BACKEND_NAMES

    assert set(SEMANTIC_THRESHOLD) == {name for name in BACKEND_NAMES if name != "none"}


def test_catalogue_page_says_no_course_matches(client: TestClient, catalogue: Catalogue) -> None:
    page = client.get("/courses", params={"q": "cooking pasta"})
    assert page.status_code == 200
    assert "No course matches." in page.text
    assert "Battery" not in page.text and "Software design primer" not in page.text
    page = client.get("/courses", params={"q": "battery"})
    assert "Battery pack design" in page.text and "Software design primer" not in page.text
    assert client.get("/api/courses", params={"q": "knitting"}).json() == []
