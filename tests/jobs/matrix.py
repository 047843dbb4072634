"""Background jobs' permission-matrix entries: a job is seen by the user who started it and by the office."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.db import unit_of_work
from skillatlas.jobs.models import Job, JobState
from tests.auth.matrix_support import ALL_ROLES, USERS, Case, World, fixed

OWNER = "worker"
SEES = frozenset({OWNER, "office"})


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """A done job of the worker's to look at, and a failed one per role to try again (each try queues it)."""
    with unit_of_work(sessions) as db:

        def job(state: JobState) -> int:
            row = Job(kind="job_ads.import", title="Import job ads from matrix.csv", owner_id=world.user_ids[OWNER],
                      state=state, params={"filename": "matrix.csv", "today": "2026-06-01"}, done=0, message="",
                      attempts=1)  # fmt: skip
            db.add(row)
            db.flush()
            return row.id

        world.extra["job"] = job(JobState.DONE)
        world.extra["failed_jobs"] = {role: job(JobState.FAILED) for role in ALL_ROLES}
        world.extra["failed_api_jobs"] = {role: job(JobState.FAILED) for role in ALL_ROLES}


def _job(suffix: str = "", api: bool = False):  # type: ignore[no-untyped-def]
    return lambda role, w: f"{'/api' if api else ''}/jobs/{w.extra['job']}{suffix}"


ENTRIES: dict[tuple[str, str], Case] = {
    ("GET", "/jobs"): Case(USERS, fixed("/jobs")),
    ("GET", "/jobs/{job_id}"): Case(SEES, _job()),
    ("GET", "/jobs/{job_id}/progress"): Case(SEES, _job("/progress")),
    ("POST", "/jobs/{job_id}/retry"): Case(
        SEES, lambda role, w: f"/jobs/{w.extra['failed_jobs'][role]}/retry"
    ),
    ("GET", "/api/jobs"): Case(USERS, fixed("/api/jobs")),
    ("GET", "/api/jobs/{job_id}"): Case(SEES, _job(api=True)),
    ("POST", "/api/jobs/{job_id}/retry"): Case(
        SEES,
        lambda role, w: f"/api/jobs/{w.extra['failed_api_jobs'][role]}/retry",
        ok=frozenset({202}),
    ),
}
