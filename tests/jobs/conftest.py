"""Background jobs in the tests: a real huey consumer in threads of the test process, on the test database."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.config import Settings
from skillatlas.jobs import queue
from skillatlas.jobs.models import Job, JobState


@pytest.fixture
def empty_queue(settings: Settings) -> Settings:
    """The queue of the test database, emptied (the queue's storage outlives each test's emptied tables)."""
    queue.queue_for(settings.effective_database_url).flush()
    return settings


@pytest.fixture
def worker(client: TestClient, empty_queue: Settings) -> Iterator[None]:
    """The job worker (huey's consumer) running beside the app, on the app's own sessions."""
    with queue.start_consumer(empty_queue, client.app.state.sessions):
        yield


def wait_for(sessions: sessionmaker[Session], job_id: int, timeout: float = 120) -> Job:
    """The job once it is done or failed."""
    deadline = time.monotonic() + timeout
    while True:
        with database.unit_of_work(sessions) as db:
            job = db.get(Job, job_id)
            assert job is not None
            if job.state in (JobState.DONE, JobState.FAILED):
                db.expunge(job)
                return job
        assert time.monotonic() < deadline, f"job {job_id} still {job.state} after {timeout} s"
        time.sleep(0.1)
