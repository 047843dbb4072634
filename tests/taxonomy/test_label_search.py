"""The in-memory label search: same ranking as before, Unicode lower-casing, fresh after every commit."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from skillatlas.taxonomy import service
from skillatlas.taxonomy.models import Skill


def _skill(db: Session, n: int, label: str, alt: list[str] | None = None, automotive: bool = False) -> Skill:
    skill = Skill(
        uri=f"urn:test:skill:{n}", preferred_label=label, alt_labels=alt or [], automotive=automotive
    )
    db.add(skill)
    return skill


def labels(db: Session, query: str, **filters: object) -> list[str]:
    return [s.preferred_label for s in service.search_skills(db=db, query=query, **filters)]  # type: ignore[arg-type]


def test_exact_then_prefix_then_shortest(db: Session) -> None:
    for n, label in enumerate(["repair welding seams", "welding", "welding techniques", "apply welding"]):
        _skill(db, n, label)
    db.commit()
    assert labels(db, "Welding") == ["welding", "welding techniques", "apply welding", "repair welding seams"]
    assert labels(db, "welding", limit=2, offset=1) == ["welding techniques", "apply welding"]


def test_alternative_labels_and_unicode(db: Session) -> None:
    _skill(db, 1, "operate forklift", alt=["Gabelstapler fahren", "conduire un chariot élévateur"])
    _skill(db, 2, "ÄNDERUNGSMANAGEMENT", automotive=True)
    db.commit()
    assert labels(db, "gabelstapler") == ["operate forklift"]
    assert labels(db, "ÉLÉVATEUR") == ["operate forklift"]  # SQLite's lower() knew ASCII only
    assert labels(db, "änderung") == ["ÄNDERUNGSMANAGEMENT"]
    assert labels(db, "änderung", automotive=False) == []


def test_wildcards_are_plain_characters(db: Session) -> None:
    _skill(db, 1, "use CAD software")
    _skill(db, 2, "100% inspection")
    db.commit()
    assert labels(db, "%") == ["100% inspection"]
    assert labels(db, "_") == []


def test_a_new_skill_is_found_after_its_commit_and_a_rolled_back_one_never(db: Session) -> None:
    _skill(db, 1, "hydrogen safety")
    db.commit()
    assert labels(db, "hydrogen") == ["hydrogen safety"]  # the index is built and kept
    _skill(db, 2, "hydrogen storage")
    db.flush()
    assert labels(db, "hydrogen") == ["hydrogen safety", "hydrogen storage"]  # its own transaction sees it
    db.rollback()
    assert labels(db, "hydrogen") == ["hydrogen safety"]
    _skill(db, 3, "hydrogen refuelling")
    db.commit()
    assert labels(db, "hydrogen") == ["hydrogen safety", "hydrogen refuelling"]


def test_preferred_label_hits_come_first_and_an_alternative_hit_names_its_label(db: Session) -> None:
    # Issue 13: "battery" listed "root cause analysis" (found through an alternative label) among the first
    # hits, with nothing on the page saying why.
    _skill(db, 1, "root cause analysis", alt=["battery analysis methods", "RCA"])
    _skill(db, 2, "battery management systems")
    _skill(db, 3, "basic chemicals", alt=["hydrogen"])
    _skill(db, 4, "assemble batteries", alt=["battery making", "battery assembling"])
    _skill(db, 5, "hydrogen storage")
    db.commit()
    found = service.search_skill_matches(db=db, query="Battery")
    assert [(s.preferred_label, alt) for s, alt in found] == [
        ("battery management systems", None),
        ("assemble batteries", "battery making"),  # the shortest matching alternative label
        ("root cause analysis", "battery analysis methods"),
    ]
    for skill, alt in found:
        assert "battery" in skill.preferred_label.lower() or "battery" in (alt or "").lower()
    # an exact alternative label ranks before other alternative-only hits, after every preferred-label hit
    assert [(s.preferred_label, alt) for s, alt in service.search_skill_matches(db=db, query="hydrogen")] == [
        ("hydrogen storage", None),
        ("basic chemicals", "hydrogen"),
    ]
    assert labels(db, "battery") == [
        "battery management systems",
        "assemble batteries",
        "root cause analysis",
    ]


def test_pages_and_api_say_which_alternative_label_matched(db: Session, client: TestClient) -> None:
    _skill(db, 1, "root cause analysis", alt=["battery analysis methods"])
    _skill(db, 2, "battery management systems")
    _skill(db, 3, "change watch battery")
    _skill(db, 4, "use hand tools", alt=["operate hand tools"])  # no label says battery
    db.commit()
    body = client.get("/api/taxonomy/skills", params={"q": "battery"}).json()
    assert [(s["preferred_label"], s["matched_label"]) for s in body] == [
        ("battery management systems", None),  # a prefix first
        ("change watch battery", None),
        ("root cause analysis", "battery analysis methods"),
    ]
    page = client.get("/skills", params={"q": "battery"}).text
    assert "use hand tools" not in page
    assert "matched alternative label “battery analysis methods”" in page
    assert page.count("matched alternative label") == 1
