"""Bulk issuing to many learners and a large course import run in the job worker: one transaction each,
their result on the job's page."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.jobs import service
from skillatlas.jobs.models import JobState
from tests.conftest import csrf_token
from tests.credentials.conftest import world
from tests.credentials.test_pages_issue import _achievement, _event, _held, _mark_attended, _register
from tests.jobs.conftest import wait_for
from tests.learning.conftest import PROVIDER, catalogue
from tests.learning.test_trainer_pages import GOOD_CSV, _check, _courses, trainer

__all__ = ["catalogue", "trainer", "world"]  # fixtures, used by name


def _job_id(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def test_bulk_issuing_to_many_runs_as_a_job_and_issues_each_once(
    office_client: TestClient,
    sessions: sessionmaker[Session],
    world: dict[str, int],
    worker: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "INLINE_CREDENTIALS", 1)  # more than one learner: a job
    slug = _achievement(sessions)
    event = _event(sessions)
    _register(sessions, event, world["p0"], world["p1"], world["p2"])
    _mark_attended(sessions, event, world["p0"], world["p1"], world["p2"])
    form = {"source": "event", "event": event, "achievement": slug}
    job_id = _job_id(office_client.post("/credentials/issue-bulk", data=form, follow_redirects=False))
    job = wait_for(sessions, job_id)
    assert job.state == JobState.DONE, job.message
    assert (job.result or {})["issued"] == 3 and job.total == 3 and job.done == 3
    assert sorted(p for p, _ in _held(sessions)) == sorted([world["p0"], world["p1"], world["p2"]])
    page = office_client.get(f"/jobs/{job_id}").text
    assert "Issued 3 credentials" in page and f'href="/achievements/{slug}"' in page
    # Again: everyone holds it, the dry run counts nobody, so it is issued at once (nothing).
    again = office_client.post("/credentials/issue-bulk", data=form, follow_redirects=False)
    assert again.status_code == 201 and re.search(r'id="issued-count">0<', again.text)
    assert len(_held(sessions)) == 3


def test_a_large_course_import_runs_as_a_job(
    trainer: TestClient, sessions: sessionmaker[Session], worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = len(_courses(sessions))
    good = _check(trainer, GOOD_CSV)
    assert good.status_code == 200 and 'id="import-ok"' in good.text
    content = re.search(r'name="content" value="([^"]+)"', good.text).group(1)  # type: ignore[union-attr]
    assert base64.b64decode(content).decode() == GOOD_CSV
    monkeypatch.setattr(service, "INLINE_BYTES", 10)
    started = trainer.post(
        "/my/courses/import",
        data={"provider": PROVIDER, "step": "import", "filename": "courses.csv", "content": content,
              "csrf_token": csrf_token(trainer)},
        follow_redirects=False,
    )  # fmt: skip
    job = wait_for(sessions, _job_id(started))
    assert job.state == JobState.DONE, job.message
    assert (job.result or {})["created"] == 2 and (job.result or {})["updated"] == 1
    courses = _courses(sessions)
    assert len(courses) == before + 2 and courses["IMP-2"].prerequisites[0].requires_id == courses["IMP-1"].id
    page = trainer.get(f"/jobs/{job.id}").text
    assert "2 new courses, 1 updated" in page and f"/my/courses?provider={PROVIDER}&amp;imported=2-1" in page
