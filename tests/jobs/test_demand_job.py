"""Classified job-ad files of many ads, loaded from the import page, go to the job worker: the page shows how far
the load is, the result links to the demand page, and a file that fails inside the job loads nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.config import Settings
from skillatlas.intelligence import demand
from skillatlas.jobs import service
from skillatlas.jobs.models import JobState
from skillatlas.taxonomy.models import Occupation, Skill
from tests.intelligence.test_demand_upload import classified, counts, parquet, post_page
from tests.intelligence.test_intelligence import esco
from tests.jobs.conftest import wait_for

__all__ = ["esco"]  # the fixture, used by name
pytestmark = pytest.mark.usefixtures("esco")

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def many_ads(monkeypatch: pytest.MonkeyPatch) -> None:
    """More than 5 ads in an upload count as many: the page hands them to the job worker."""
    monkeypatch.setattr(service, "INLINE_DEMAND_ADS", 5)


def _submit(client: TestClient, files: list[tuple[str, bytes]]) -> int:
    """The upload from the import page; the job it started."""
    response = client.post(
        "/intelligence/demand-files",
        files=[("files", (name, content, "application/vnd.apache.parquet")) for name, content in files],
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def test_many_ads_load_as_a_job_with_progress_and_a_link_to_the_demand(
    office_client: TestClient,
    sessions: sessionmaker[Session],
    settings: Settings,
    worker: None,
    many_ads: None,
) -> None:
    page = office_client.get("/intelligence/job-ads/import").text
    assert "more than 5 job ads in all are loaded in the background" in page
    before = office_client.get("/api/intelligence/demand", params=MARCH).json()["total_ads"]
    files = [("part-a.parquet", classified(sessions, 6, "DE", 2)),
             ("part-b.parquet", classified(sessions, 4, "FR", 9))]  # fmt: skip

    job = wait_for(sessions, _submit(office_client, files))
    assert job.state == JobState.DONE, job.message
    assert job.title == "Load 10 classified job ads from part-a.parquet and 1 more file"
    assert (job.done, job.total) == (2, 2)  # a file at a time
    assert (job.result or {})["ads"] == 10 and (job.result or {})["skill_links"] == 20
    assert counts(sessions)[0] == 2
    assert office_client.get("/api/intelligence/demand", params=MARCH).json()["total_ads"] == before + 10
    shown = office_client.get(f"/jobs/{job.id}").text
    assert "Loaded 2 files: 10 job ads, 20 skill mentions." in shown
    assert "See the skills in demand" in shown and "/intelligence/demand?start=" in shown
    assert list(service.inputs_dir(settings.data_dir).glob("*.input")) == []  # the job's copy goes once done
    # The same files again: a job that loads nothing and says so.
    again = wait_for(sessions, _submit(office_client, files))
    assert again.state == JobState.DONE and (again.result or {})["already_loaded"] == 2
    assert "2 files loaded before, left as they were" in office_client.get(f"/jobs/{again.id}").text
    assert counts(sessions)[0] == 2


def test_a_file_wrong_inside_fails_the_job_and_loads_nothing(
    office_client: TestClient, sessions: sessionmaker[Session], worker: None, many_ads: None
) -> None:
    with sessions() as db:
        skill = db.scalar(select(Skill.uri).order_by(Skill.id))
        occupation = db.scalar(select(Occupation.uri).order_by(Occupation.id))
    # Its footer is a classify-ads output's; two of its ads have no date (only reading the rows shows it).
    undated = parquet([
        {"id": f"x-{i}", "date": None if i < 2 else dt.date(2026, 3, 4), "country": "DE",
         "occupation_uri": occupation, "skills": [{"uri": skill, "score": 1.0}]}
        for i in range(4)
    ])  # fmt: skip
    files = [("good.parquet", classified(sessions, 6, "DE", 2)), ("undated.parquet", undated)]
    job = wait_for(sessions, _submit(office_client, files))
    assert job.state == JobState.FAILED
    assert "undated.parquet: 2 of its ads have no date" in job.message
    assert counts(sessions) == (0, 0, 0)  # the good file was not loaded either
    shown = office_client.get(f"/jobs/{job.id}").text
    assert "The job failed" in shown and "undated.parquet: 2 of its ads have no date" in shown
    assert "Traceback" not in shown


def test_a_wrong_upload_is_refused_beside_the_field_before_any_job(
    office_client: TestClient, sessions: sessionmaker[Session], many_ads: None
) -> None:
    response = post_page(
        office_client, [("a.parquet", classified(sessions, 6, "DE", 2)), ("b.parquet", b"no")]
    )
    assert response.status_code == 422
    assert 'class="field has-error"' in response.text and "b.parquet is not a Parquet file" in response.text
    assert office_client.get("/api/jobs").json() == []


def test_packed_files_come_back_in_their_order_with_their_names() -> None:
    files = [("b.parquet", b"\x00\x01"), ("a.parquet", b""), ("b.parquet", b"again")]
    assert demand.unpack_uploads(demand.pack_uploads(files)) == files
    with pytest.raises(Exception, match="damaged"):
        demand.unpack_uploads(b"not a zip")


def test_the_api_loads_in_the_background_and_its_job_says_what_it_did(
    office_client: TestClient, sessions: sessionmaker[Session], worker: None
) -> None:
    files = [("files", ("p1.parquet", classified(sessions, 6, "DE", 2), "application/octet-stream")),
             ("files", ("p2.parquet", classified(sessions, 4, "FR", 9), "application/octet-stream"))]  # fmt: skip
    started = office_client.post("/api/intelligence/demand-jobs", files=files)
    assert started.status_code == 202, started.text
    body = started.json()
    assert body["kind"] == "demand.load" and body["href"] == f"/jobs/{body['id']}"
    assert body["title"] == "Load 10 classified job ads from p1.parquet and 1 more file"
    job = wait_for(sessions, body["id"])
    assert job.state == JobState.DONE, job.message
    done = office_client.get(f"/api/jobs/{job.id}").json()
    assert done["state"] == "done" and done["percent"] == 100
    assert (done["result"]["loaded"], done["result"]["ads"], done["result"]["skill_links"]) == (2, 10, 20)
    assert counts(sessions)[0] == 2
    # A wrong file is refused at once, on the field, and no job is started.
    bad = office_client.post(
        "/api/intelligence/demand-jobs", files=[("files", ("x.parquet", b"nope", "application/octet-stream"))]
    )
    assert bad.status_code == 422 and bad.json()["field"] == "files"
    assert "x.parquet is not a Parquet file" in bad.json()["detail"]
    assert len(office_client.get("/api/jobs").json()) == 1
