"""Background jobs: a large job-ads import runs in the job worker with its progress on a page, in the API and in
the CLI; only its owner and the office see it; a job cut off mid-run runs again whole, and counts once."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import app as cli
from skillatlas.config import Settings
from skillatlas.db import unit_of_work
from skillatlas.intelligence.models import JobAd, JobAdSkill
from skillatlas.jobs import queue, service
from skillatlas.jobs.models import Job, JobState
from tests.conftest import create_user, login
from tests.intelligence.test_import_pages import GOOD, esco, kept_files, preview, token_of
from tests.jobs.conftest import wait_for

__all__ = ["esco"]  # the fixture, used by name


@pytest.fixture
def always_a_job(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every upload counts as large: the page hands it to the job worker."""
    monkeypatch.setattr(service, "INLINE_BYTES", 0)


def _ads(count: int, start: int = 0) -> str:
    rows = ["id,date,country,title,text"]
    for i in range(start, start + count):
        rows.append(
            f'"j-{i}","2026-0{1 + i % 5}-1{i % 9}","DE","Battery engineer {i}",'
            f'"You design battery packs and battery management systems, number {i}."'
        )
    return "\n".join(rows) + "\n"


def _count(sessions: sessionmaker[Session], model: type) -> int:
    with unit_of_work(sessions) as db:
        return db.scalar(select(func.count()).select_from(model)) or 0


def _job_id(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/jobs/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def _submit_import(client: TestClient, content: str, name: str = "big.csv") -> int:
    token = token_of(preview(client, content, name=name).text)
    assert token
    return _job_id(client.post("/intelligence/job-ads/import", data={"token": token}, follow_redirects=False))


def test_a_large_import_runs_as_a_job_with_its_progress_on_the_page_in_the_api_and_at_home(
    office_client: TestClient,
    esco: None,
    sessions,
    settings: Settings,
    empty_queue: Settings,
    always_a_job: None,
) -> None:
    job_id = _submit_import(office_client, GOOD, name="march.csv")
    assert kept_files(settings) == []  # the job keeps its own copy; the checked upload is gone
    assert _count(sessions, JobAd) == 0  # queued, nothing imported yet

    # Waiting: the page follows itself every second, the API and the home page say so.
    page = office_client.get(f"/jobs/{job_id}")
    assert page.status_code == 200 and "Import job ads from march.csv" in page.text
    assert 'hx-trigger="every 1s"' in page.text and f'hx-get="/jobs/{job_id}/progress"' in page.text
    assert "Waiting" in page.text
    api = office_client.get(f"/api/jobs/{job_id}").json()
    assert api["state"] == "queued" and api["kind"] == "job_ads.import" and api["href"] == f"/jobs/{job_id}"
    assert f'href="/jobs/{job_id}"' in office_client.get("/home").text

    # Running: the figures the worker writes (done of total) are what the page and the API show.
    name = service.worker_name("test")
    assert service.claim(sessions, job_id, name)
    progress = service.Progress(sessions, job_id, name)
    progress.start(3, "finding the skills in 3 new job ads")
    progress.advance(2)
    progress.write(force=True)
    fragment = office_client.get(f"/jobs/{job_id}/progress").text
    assert "2 of 3" in fragment and 'value="66"' in fragment and 'hx-trigger="every 1s"' in fragment
    running = office_client.get(f"/api/jobs/{job_id}").json()
    assert (running["state"], running["done"], running["total"], running["percent"]) == ("running", 2, 3, 66)
    # That run is cut off (its worker gone without a word): recovery queues it again.
    with unit_of_work(sessions) as db:
        db.get(Job, job_id).worker = f"{socket.gethostname()}:999999999:gone"  # type: ignore[union-attr]
    assert service.recover(sessions, set()) == [job_id]

    # The worker runs it again, from the beginning: every ad once.
    with queue.start_consumer(empty_queue, office_client.app.state.sessions):
        queue.enqueue(queue.queue_for(settings.effective_database_url), job_id)
        job = wait_for(sessions, job_id)
    assert job.state == JobState.DONE, job.message
    assert job.attempts == 2 and job.done == 3 and job.total == 3
    assert _count(sessions, JobAd) == 3 and _count(sessions, JobAdSkill) >= 3
    assert (job.result or {})["imported"] == 3
    done = office_client.get(f"/jobs/{job_id}")
    assert "Imported 3 job ads from march.csv" in done.text and "hx-trigger" not in done.text
    assert "/intelligence/demand?start=" in done.text
    body = office_client.get(f"/api/jobs/{job_id}").json()
    assert body["state"] == "done" and body["percent"] == 100 and body["result"]["imported"] == 3
    assert "Done: Import job ads from march.csv" in office_client.get("/home").text
    assert list(service.inputs_dir(settings.data_dir).glob("*.input")) == []  # the job's copy goes once done
    listed = office_client.get("/jobs").text
    assert f'<a href="/jobs/{job_id}">Import job ads from march.csv</a>' in listed


def test_a_small_file_is_still_imported_at_once(office_client: TestClient, esco: None, sessions) -> None:
    token = token_of(preview(office_client, GOOD).text)
    done = office_client.post("/intelligence/job-ads/import", data={"token": token})
    assert done.status_code == 200 and "Imported 3 job ads" in done.text
    assert _count(sessions, Job) == 0


def test_the_worker_runs_a_real_import_job_and_a_rerun_counts_nothing_twice(
    office_client: TestClient, esco: None, sessions, worker: None, always_a_job: None
) -> None:
    first = wait_for(sessions, _submit_import(office_client, _ads(60), name="sixty.csv"))
    assert first.state == JobState.DONE and (first.result or {})["imported"] == 60
    assert _count(sessions, JobAd) == 60
    again = wait_for(sessions, _submit_import(office_client, _ads(70), name="seventy.csv"))
    assert again.state == JobState.DONE, again.message
    assert (again.result or {})["imported"] == 10 and (again.result or {})["duplicates"] == 60
    assert _count(sessions, JobAd) == 70


def test_a_job_runs_once_even_when_queued_twice_and_a_lost_job_saves_nothing(
    office_client: TestClient, esco: None, sessions, always_a_job: None, empty_queue: Settings
) -> None:
    job_id = _submit_import(office_client, GOOD)
    first, second = service.worker_name("first"), service.worker_name("second")
    assert service.claim(sessions, job_id, first)
    assert not service.claim(sessions, job_id, second)  # queued twice: the second hand-over finds it taken
    # The first worker is thought dead and the job is given to the second: the first can no longer save it.
    with unit_of_work(sessions) as db:
        db.get(Job, job_id).worker = second  # type: ignore[union-attr]
    with pytest.raises(service.JobLost), unit_of_work(sessions) as db:
        db.add(JobAd(fingerprint="x" * 64, posted_on=db.get(Job, job_id).created_at.date(), country="DE",  # type: ignore[union-attr]
                     title="Written by a worker that lost the job", text="-", source="lost.csv"))  # fmt: skip
        service.finish(db, job_id, first, {"summary": "lost"}, "lost", 1)
    assert _count(sessions, JobAd) == 0  # its writes rolled back with it
    with pytest.raises(service.JobLost):
        service.Progress(sessions, job_id, first).start(3, "lost")


def test_a_failed_job_saves_nothing_and_can_be_tried_again(
    office_client: TestClient,
    esco: None,
    sessions,
    settings: Settings,
    empty_queue: Settings,
    always_a_job: None,
) -> None:
    job_id = _submit_import(office_client, GOOD, name="spoilt.csv")
    # The job's copy of the file gets a bad row before the worker reads it: the worker checks it again.
    (copy,) = service.inputs_dir(settings.data_dir).glob("*.input")
    copy.write_bytes(GOOD.encode() + b"p4,2026-03-13,ZZ,Tester,Test.\n")
    with queue.start_consumer(empty_queue, office_client.app.state.sessions):
        failed = wait_for(sessions, job_id)
        assert failed.state == JobState.FAILED and "line 5: unknown country" in failed.message
        assert failed.message.startswith("nothing was saved")
        assert _count(sessions, JobAd) == 0
        page = office_client.get(f"/jobs/{job_id}").text
        assert "The job failed" in page and "Try again" in page and "hx-trigger" not in page
        assert "Failed: Import job ads from spoilt.csv" in office_client.get("/home").text
        assert office_client.get(f"/api/jobs/{job_id}").json()["state"] == "failed"
        # Corrected, and tried again from its page: imported whole, once.
        copy.write_bytes(GOOD.encode())
        again = office_client.post(f"/jobs/{job_id}/retry", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == f"/jobs/{job_id}"
        done = wait_for(sessions, job_id)
    assert done.state == JobState.DONE and done.attempts == 2, done.message
    assert _count(sessions, JobAd) == 3
    # A job that is not failed cannot be tried again.
    refused = office_client.post(f"/api/jobs/{job_id}/retry")
    assert refused.status_code == 422 and "only a failed job" in refused.json()["detail"]


def test_only_the_owner_and_the_office_see_a_job(
    client: TestClient, sessions, settings: Settings, empty_queue: Settings
) -> None:
    owner_id, _ = create_user(sessions, "owner@test.example", {"role": "worker"})
    create_user(sessions, "other@test.example", {"role": "worker"})
    create_user(sessions, "office@test.example", {"role": "alliance_office"})
    with unit_of_work(sessions) as db:
        from skillatlas.auth.models import User
        from skillatlas.auth.service import principal_for

        owner = principal_for(db.get(User, owner_id), via="session")  # type: ignore[arg-type]
        job = service.submit(
            db=db, actor=owner, kind="job_ads.import", title="Import job ads from mine.csv",
            params={"filename": "mine.csv", "today": "2026-06-01"}, data_dir=settings.data_dir,
        )  # fmt: skip
        job_id = job.id
    urls = [f"/jobs/{job_id}", f"/jobs/{job_id}/progress", f"/api/jobs/{job_id}"]
    anonymous = TestClient(client.app, raise_server_exceptions=False)
    for url in urls:
        assert anonymous.get(url, follow_redirects=False).status_code in (401, 303), url
    for email, status in (
        ("other@test.example", 403),
        ("owner@test.example", 200),
        ("office@test.example", 200),
    ):
        viewer = login(TestClient(client.app, raise_server_exceptions=False), email)
        for url in urls:
            assert viewer.get(url).status_code == status, (email, url)
        mine = viewer.get("/api/jobs").json()
        assert [j["id"] for j in mine] == ([job_id] if email == "owner@test.example" else [])
        viewer.close()
    office = login(TestClient(client.app, raise_server_exceptions=False), "office@test.example")
    assert [j["id"] for j in office.get("/api/jobs?everyone=true").json()] == [job_id]
    assert office.get("/api/jobs/999999").status_code == 404
    office.close()


def test_the_cli_lists_and_shows_jobs(
    office_client: TestClient, esco: None, sessions, cli_env: dict[str, str], worker: None, always_a_job: None
) -> None:
    job_id = _submit_import(office_client, GOOD, name="cli.csv")
    wait_for(sessions, job_id)
    runner = CliRunner()
    listed = runner.invoke(cli, ["jobs", "list"])
    assert (
        listed.exit_code == 0 and "Import job ads from cli.csv" in listed.output and "done" in listed.output
    )
    shown = runner.invoke(cli, ["jobs", "show", str(job_id)])
    assert shown.exit_code == 0 and "Imported 3 job ads from cli.csv" in " ".join(shown.output.split())
    missing = runner.invoke(cli, ["jobs", "show", "99999"])
    assert missing.exit_code == 2 and "no job with id 99999" in missing.output


def test_the_queue_lives_beside_the_sqlite_file_or_in_its_own_postgresql_schema(settings: Settings) -> None:
    huey = queue.queue_for(settings.effective_database_url)
    if settings.effective_database_url.startswith("sqlite"):
        path = Path(huey.storage.filename)
        assert path.name == "skillatlas.jobs.db" and path.exists()
    else:
        assert huey.storage.connection_params["options"] == f"-c search_path={queue.PG_SCHEMA}"
    assert SYSTEM.is_system


def test_recovery_queues_again_the_jobs_of_dead_workers_only(sessions, empty_queue: Settings) -> None:
    import datetime as dt
    import os

    host = socket.gethostname()
    now = dt.datetime.now(dt.UTC)
    old = now - service.STALE_AFTER - dt.timedelta(seconds=1)
    workers = {
        "silent elsewhere": ("another-host:123:a", old, True),
        "speaking elsewhere": ("another-host:123:b", now, False),
        "silent but alive here": (f"{host}:{os.getppid()}:c", old, False),  # a long saving transaction
        "gone from here": (f"{host}:999999999:d", now, True),
        "this process, not a running consumer": (f"{host}:{os.getpid()}:e", now, True),
    }
    ids = {}
    with unit_of_work(sessions) as db:
        for title, (worker, heard, _) in workers.items():
            job = Job(kind="job_ads.import", title=title, state=JobState.RUNNING, worker=worker, heartbeat_at=heard,
                      params={}, done=5, message="", attempts=1)  # fmt: skip
            db.add(job)
            db.flush()
            ids[title] = job.id
        queued = Job(kind="job_ads.import", title="queued", state=JobState.QUEUED, params={}, done=0, message="",
                     attempts=0)  # fmt: skip
        db.add(queued)
        db.flush()
        queued_id = queued.id
    again = service.recover(sessions, set(), now=now)
    assert sorted(again) == sorted(ids[t] for t, (_, _, requeued) in workers.items() if requeued)
    with unit_of_work(sessions) as db:
        for title, job_id in ids.items():
            job = db.get(Job, job_id)
            assert job is not None
            assert (job.state == JobState.QUEUED) == workers[title][2], title
            if job.state == JobState.QUEUED:
                assert (
                    job.done == 0 and job.worker is None and "nothing of the interrupted run" in job.message
                )
    # A worker's start also hands every queued job over again (its first hand-over may have been lost).
    assert queued_id in service.recover(sessions, set(), now=now, queued_too=True)
