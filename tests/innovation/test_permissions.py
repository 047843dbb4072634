"""An organisation's answers are seen by its managers and the office only: a manager of another organisation
reads nothing of them, at the API, the pages, the downloads and the service."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SYSTEM, Grant, Principal
from skillatlas.db import unit_of_work
from skillatlas.errors import PermissionDenied
from skillatlas.innovation import service
from tests.conftest import create_user, login
from tests.innovation.conftest import LEVELS, run_assessment

SECRET = "Our secret innovation pipeline"


@pytest.fixture
def assessed(sessions: sessionmaker[Session], question_set: int) -> dict[str, int]:
    """EDUCAM's completed assessment with evidence text and a file, and its open one."""
    with unit_of_work(sessions) as db:
        done = run_assessment(db, "educam", LEVELS, complete=False)
        first = done.question_set.clauses[0].questions[0].id
        service.save_answers(db=db, actor=SYSTEM, assessment_id=done.id,
                             answers=[service.AnswerIn(question_id=first, level=4, evidence_text=SECRET)],
                             files={first: service.EvidenceFile("pipeline.pdf", b"%PDF secret")})  # fmt: skip
        from tests.conftest import NOW

        service.complete(db=db, actor=SYSTEM, assessment_id=done.id, now=NOW)
        running = run_assessment(db, "educam", LEVELS, complete=False)
    create_user(sessions, "own@test.example", {"role": "organisation_manager", "organisation": "educam"})
    create_user(sessions, "other@test.example", {"role": "organisation_manager", "organisation": "aco"})
    return {"done": done.id, "open": running.id, "question": first}


def _client(client: TestClient, email: str) -> TestClient:
    return login(TestClient(client.app, raise_server_exceptions=False), email)


def test_another_organisation_s_manager_reads_nothing(client: TestClient, assessed: dict[str, int]) -> None:
    other = _client(client, "other@test.example")
    done, running, question = assessed["done"], assessed["open"], assessed["question"]
    urls = [
        f"/api/innovation/assessments/{done}",
        f"/api/innovation/assessments/{done}/results",
        f"/api/innovation/assessments/{done}/benchmarks",
        f"/api/innovation/assessments/{done}/suggestions",
        f"/api/innovation/assessments/{done}/export",
        f"/api/innovation/assessments/{done}/report?format=csv",
        "/api/innovation/assessments?organisation=educam",
        f"/innovation/assessments/{done}",
        f"/innovation/assessments/{done}/clauses/context",
        f"/innovation/assessments/{done}/results",
        f"/innovation/assessments/{done}/report?format=pdf",
        f"/innovation/assessments/{done}/evidence/{question}",
        f"/api/innovation/assessments/{done}/answers/{question}/file",
    ]
    for url in urls:
        response = other.get(url)
        assert response.status_code == 403, url
        assert SECRET not in response.text and "pipeline" not in response.text, url
    assert other.put(f"/api/innovation/assessments/{running}/answers",
                     json={"answers": [{"question_id": question, "level": 0}]}).status_code == 403  # fmt: skip
    assert (
        other.post(
            f"/innovation/assessments/{running}/clauses/context", data={f"q{question}-level": "0"}
        ).status_code
        == 403
    )
    assert other.post(f"/api/innovation/assessments/{running}/complete").status_code == 403
    upload = {"file": ("x.pdf", b"%PDF x", "application/pdf")}
    assert (
        other.put(f"/api/innovation/assessments/{running}/answers/{question}/file", files=upload).status_code
        == 403
    )
    assert other.post("/api/innovation/assessments",
                      json={"organisation": "educam", "sector": "supplier", "size": "large"}).status_code == 403  # fmt: skip
    # its own list and landing page show none of EDUCAM's
    assert other.get("/api/innovation/assessments").json() == []
    landing = other.get("/innovation")
    assert landing.status_code == 200 and "EDUCAM" not in landing.text


def test_the_organisation_s_own_manager_and_the_office_read_it(
    client: TestClient, office_client: TestClient, assessed: dict[str, int]
) -> None:
    own = _client(client, "own@test.example")
    done = assessed["done"]
    for reader in (own, office_client):
        read = reader.get(f"/api/innovation/assessments/{done}").json()
        assert read["clauses"][0]["questions"][0]["evidence_text"] == SECRET
        evidence = reader.get(f"/innovation/assessments/{done}/evidence/{assessed['question']}")
        assert evidence.status_code == 200 and evidence.content == b"%PDF secret"
        assert evidence.headers["content-disposition"].startswith("attachment")
    listed = own.get("/api/innovation/assessments").json()
    assert {assessed["open"], done} <= {a["id"] for a in listed}
    assert {a["organisation"] for a in listed} == {"educam"}  # with the demo's two, only EDUCAM's


def test_the_service_refuses_without_a_page_in_between(
    sessions: sessionmaker[Session], assessed: dict[str, int]
) -> None:
    with unit_of_work(sessions) as db:
        from skillatlas.alliance import service as alliance

        aco = alliance.get_organisation(db=db, slug="aco")
        other = Principal(user_id=999, grants=frozenset({Grant(Role.ORGANISATION_MANAGER, organisation_id=aco.id)}),
                          via="session")  # fmt: skip
        for call in (service.get_assessment, service.results, service.benchmarks_for, service.suggestions,
                     service.export_assessment):  # fmt: skip
            with pytest.raises(PermissionDenied):
                call(db=db, actor=other, assessment_id=assessed["done"])


def test_evidence_files_through_the_api(
    client: TestClient, assessed: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    own = _client(client, "own@test.example")
    running = assessed["open"]
    with unit_of_work(sessions) as db:
        found = service.get_assessment(db=db, actor=SYSTEM, assessment_id=running)
        question = found.question_set.clauses[1].questions[0].id
    url = f"/api/innovation/assessments/{running}/answers/{question}/file"
    big = b"x" * (service.MAX_EVIDENCE_BYTES + 1)
    too_large = own.put(url, files={"file": ("big.pdf", big, "application/pdf")})
    assert too_large.status_code == 413 and too_large.json()["field"] == "file"
    wrong_kind = own.put(url, files={"file": ("tool.exe", b"MZ", "application/octet-stream")})
    assert wrong_kind.status_code == 422 and "PDF" in wrong_kind.json()["detail"]
    saved = own.put(url, files={"file": ("plan.pdf", b"%PDF plan", "application/pdf")})
    assert saved.status_code == 200
    assert saved.json()["clauses"][1]["questions"][0]["file_name"] == "plan.pdf"
    assert own.get(url).content == b"%PDF plan"
