"""Background jobs: submitting one, its life (queued, running, done or failed), its progress, and recovery.

The queue itself is huey's (`jobs/queue.py`); the `job` row is the user-visible record the pages and the API
read. A job is handed to the queue only after the transaction that wrote its row committed (an
`after_commit` listener), so a worker never looks for a row that is not there, and a rolled-back request
queues nothing.

A worker *claims* a queued job with one conditional UPDATE (state queued -> running, its own name in
`worker`): a job queued twice runs once. The job's writes and the row's "done" are committed in one
transaction, and only while the row still names this worker, so a job taken over by another worker (its
first worker thought dead) can never be saved twice. A worker that dies mid-job leaves the row "running":
`recover` queues it again (the worker is gone from this host, or silent longer than STALE_AFTER), and its
next run starts from the beginning, since nothing of the interrupted one was committed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import Principal, authorize
from skillatlas.db import unit_of_work, utcnow
from skillatlas.errors import InvalidInput, NotFound
from skillatlas.jobs import policy as _policy  # noqa: F401  the rules of jobs.*
from skillatlas.jobs.models import Job, JobState

log = logging.getLogger(__name__)

# An upload larger than this is imported by a background job (progress on /jobs/<id>); a smaller one at once.
INLINE_BYTES = 64 * 1024
# Bulk issuing to more learners than this runs as a background job.
INLINE_CREDENTIALS = 25
# Classified job-ad files (classify-ads' Parquet) holding more ads than this are loaded by a background job.
INLINE_DEMAND_ADS = 50_000
# A running job whose worker said nothing for this long is taken to be dead and queued again.
STALE_AFTER = dt.timedelta(minutes=2)
# Progress is written at most this often (each write is a short transaction of its own).
PROGRESS_EVERY = 0.5
# A failed job's input is kept this long for "Try again".
INPUT_LIFE = dt.timedelta(days=7)

KINDS = {
    "job_ads.import": "Job-ads import",
    "courses.import": "Course import",
    "credentials.issue_bulk": "Bulk issuing",
    "demand.load": "Demand counts load",
}
STATE_WORDS = {
    JobState.QUEUED: "waiting",
    JobState.RUNNING: "running",
    JobState.DONE: "done",
    JobState.FAILED: "failed",
}
PENDING_KEY = "skillatlas.jobs.pending"


class JobLost(Exception):
    """This worker no longer owns the job (another took it over): it stops and saves nothing."""


def runs_in_background(size: int, limit: int | None = None) -> bool:
    """True for an upload large enough to go to the job worker."""
    return size > (INLINE_BYTES if limit is None else limit)


# --- inputs: a job's uploaded file, kept under the data dir until the job is done ------------------------


def inputs_dir(data_dir: Path) -> Path:
    return data_dir / "jobs"


def input_path(data_dir: Path, job: Job) -> Path | None:
    token = (job.params or {}).get("input")
    if not isinstance(token, str) or not token.isalnum():
        return None
    return inputs_dir(data_dir) / f"{token}.input"


def purge_inputs(data_dir: Path, now: dt.datetime) -> int:
    """Removes inputs older than INPUT_LIFE (a failed job not tried again); how many."""
    directory = inputs_dir(data_dir)
    if not directory.is_dir():
        return 0
    removed = 0
    for path in directory.glob("*.input"):
        try:
            if now.timestamp() - path.stat().st_mtime > INPUT_LIFE.total_seconds():
                path.unlink()
                removed += 1
        except OSError:
            continue
    return removed


# --- submitting --------------------------------------------------------------------------------------


def submit(
    *,
    db: Session,
    actor: Principal,
    kind: str,
    title: str,
    params: dict[str, Any],
    data_dir: Path,
    content: bytes | None = None,
    total: int | None = None,
) -> Job:
    """A queued job in the caller's transaction; handed to the queue once that transaction commits."""
    if kind not in KINDS:
        raise InvalidInput(f"unknown kind of job {kind!r}", field="kind")
    values = dict(params)
    if content is not None:
        directory = inputs_dir(data_dir)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        token = secrets.token_hex(16)
        (directory / f"{token}.input").write_bytes(content)
        values["input"] = token
    job = Job(
        kind=kind,
        title=title[:300],
        owner_id=actor.user_id,
        state=JobState.QUEUED,
        params=values,
        total=total,
        done=0,
        message="waiting for the job worker",
        attempts=0,
    )
    db.add(job)
    db.flush()
    db.info.setdefault(PENDING_KEY, []).append(job.id)
    return job


def _database_url(session: Session) -> str:
    bind = session.get_bind()
    return bind.engine.url.render_as_string(hide_password=False)


def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    from skillatlas.jobs import queue

    try:
        huey = queue.queue_for(_database_url(session))
        for job_id in pending:
            queue.enqueue(huey, job_id)
    except Exception:  # the job row is committed: the worker's recovery queues it at its next start
        log.exception("could not hand jobs %s to the queue; the worker queues them when it starts", pending)


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:
        session.info.pop(PENDING_KEY, None)


if not event.contains(Session, "after_commit", _after_commit):
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)


# --- reading -----------------------------------------------------------------------------------------


def get_job(*, db: Session, actor: Principal, job_id: int) -> Job:
    """The job, for its owner and the office (others: 403; an unknown id: 404)."""
    job = db.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    authorize(actor, "jobs.read", owner_id=job.owner_id)
    return job


def list_jobs(*, db: Session, actor: Principal, limit: int = 50, everyone: bool = False) -> list[Job]:
    """The actor's own jobs, the newest first; the office may ask for everyone's."""
    authorize(actor, "jobs.list")
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if not (everyone and (actor.is_system or _is_office(actor))):
        query = query.where(Job.owner_id == actor.user_id)
    return list(db.scalars(query))


def _is_office(actor: Principal) -> bool:
    from skillatlas.auth.models import Role

    return actor.has(Role.ALLIANCE_OFFICE)


def percent(job: Job) -> int | None:
    if job.state == JobState.DONE:
        return 100
    if not job.total:
        return None
    return max(0, min(100, int(100 * job.done / job.total)))


def job_read(job: Job) -> dict[str, Any]:
    """The job as the API and the progress fragment show it (its parameters stay inside)."""
    return {
        "id": job.id,
        "kind": job.kind,
        "title": job.title,
        "state": job.state.value,
        "done": job.done,
        "total": job.total,
        "percent": percent(job),
        "message": job.message,
        "result": job.result,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "href": f"/jobs/{job.id}",
    }


def retry(*, db: Session, actor: Principal, job_id: int, data_dir: Path) -> Job:
    """A failed job queued again (its input is still kept); handed to the queue after the commit."""
    job = db.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job with id {job_id}")
    authorize(actor, "jobs.retry", owner_id=job.owner_id)
    if job.state != JobState.FAILED:
        raise InvalidInput("only a failed job can be tried again", field="job")
    path = input_path(data_dir, job)
    if (job.params or {}).get("input") and (path is None or not path.exists()):
        raise InvalidInput("the job's file is no longer kept: start it again from its page", field="job")
    job.state = JobState.QUEUED
    job.done = 0
    job.message = "waiting for the job worker (tried again)"
    job.result = None
    job.finished_at = None
    job.worker = None
    db.flush()
    db.info.setdefault(PENDING_KEY, []).append(job.id)
    return job


# --- running (the worker's side) ---------------------------------------------------------------------


def worker_name(token: str) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{token}"


def claim(sessions: sessionmaker[Session], job_id: int, worker: str, now: dt.datetime | None = None) -> bool:
    """Takes a queued job for this worker; False when it is not queued (done, or running elsewhere)."""
    now = now or utcnow()
    with unit_of_work(sessions) as db:
        taken = db.execute(
            update(Job)
            .where(Job.id == job_id, Job.state == JobState.QUEUED)
            .values(
                state=JobState.RUNNING,
                worker=worker,
                heartbeat_at=now,
                started_at=func.coalesce(Job.started_at, now),
                attempts=Job.attempts + 1,
                done=0,
                message="started",
            )
        ).rowcount
    return taken == 1


def _mine(job_id: int, worker: str) -> Any:
    return (Job.id == job_id) & (Job.state == JobState.RUNNING) & (Job.worker == worker)


class Progress:
    """How far a running job is, written to its row in short transactions of their own (at most twice a second).

    `paused` while the job holds SQLite's write lock (one writer at a time): a second connection could not
    write, so the page shows the last figure until the job's own transaction ends. PostgreSQL never pauses.
    """

    def __init__(self, sessions: sessionmaker[Session], job_id: int, worker: str) -> None:
        self.sessions = sessions
        self.job_id = job_id
        self.worker = worker
        self.done = 0
        self.total: int | None = None
        self.message = ""
        self.paused = False
        self._written = 0.0

    def start(self, total: int | None, message: str) -> None:
        self.done, self.total, self.message = 0, total, message
        self.write(force=True)

    def advance(self, n: int = 1) -> None:
        self.done += n
        self.write()

    def note(self, message: str) -> None:
        self.message = message
        self.write(force=True)

    def write(self, force: bool = False) -> None:
        import time

        if self.paused:
            return
        moment = time.monotonic()
        if not force and moment - self._written < PROGRESS_EVERY:
            return
        self._written = moment
        with unit_of_work(self.sessions) as db:
            mine = db.execute(
                update(Job)
                .where(_mine(self.job_id, self.worker))
                .values(done=self.done, total=self.total, message=self.message[:500], heartbeat_at=utcnow())
            ).rowcount
        if mine != 1:
            raise JobLost(f"job {self.job_id} is no longer this worker's")


def finish(db: Session, job_id: int, worker: str, result: dict[str, Any], message: str, done: int) -> None:
    """Marks the job done in the caller's transaction: the job's writes and its "done" commit together."""
    now = utcnow()
    mine = db.execute(
        update(Job)
        .where(_mine(job_id, worker))
        .values(
            state=JobState.DONE,
            result=result,
            message=message[:500],
            done=done,
            total=func.coalesce(Job.total, done),
            finished_at=now,
            heartbeat_at=now,
        )
    ).rowcount
    if mine != 1:
        raise JobLost(f"job {job_id} is no longer this worker's: nothing of this run is saved")


def fail(sessions: sessionmaker[Session], job_id: int, worker: str, message: str) -> None:
    """Marks the job failed (nothing of it was saved), if this worker still owns it."""
    now = utcnow()
    with unit_of_work(sessions) as db:
        db.execute(
            update(Job)
            .where(_mine(job_id, worker))
            .values(state=JobState.FAILED, message=message[:500], finished_at=now, heartbeat_at=now)
        )


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def worker_gone(worker: str | None, live_names: set[str]) -> bool:
    """True when the worker named is certainly not running: on this host, its process is gone (or it is this
    process, under a name no running consumer has)."""
    if not worker:
        return True
    if worker in live_names:
        return False
    host, _, rest = worker.partition(":")
    pid_text, _, _token = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another host: only its silence (STALE_AFTER) tells
    pid = int(pid_text)
    return pid == os.getpid() or not _pid_alive(pid)


def _alive_here(worker: str | None, live_names: set[str]) -> bool:
    if not worker:
        return False
    return worker in live_names or (
        worker.partition(":")[0] == socket.gethostname() and not worker_gone(worker, live_names)
    )


def recover(
    sessions: sessionmaker[Session],
    live_names: set[str],
    now: dt.datetime | None = None,
    queued_too: bool = False,
) -> list[int]:
    """Queues again every running job whose worker is gone or silent; with `queued_too` (a worker's start)
    also every queued job (one whose hand-over to the queue was lost). Returns the ids to hand to the queue:
    a job handed over twice still runs once (the claim)."""
    now = now or utcnow()
    ids: list[int] = []
    with unit_of_work(sessions) as db:
        running = db.scalars(select(Job).where(Job.state == JobState.RUNNING).with_for_update()).all()
        for job in running:
            silent = job.heartbeat_at is None or now - job.heartbeat_at > STALE_AFTER
            gone = worker_gone(job.worker, live_names)
            # A worker alive on this host is never cut short, however long its saving transaction keeps it
            # silent; one on another host is taken to be dead once it has been silent for STALE_AFTER.
            if gone or (silent and not _alive_here(job.worker, live_names)):
                job.state = JobState.QUEUED
                job.worker = None
                job.done = 0
                job.message = (
                    "queued again: the worker running it stopped; nothing of the interrupted run was kept"
                )
                ids.append(job.id)
                log.warning("job %s: its worker stopped; queued again", job.id)
        if queued_too:
            ids += [
                i
                for i in db.scalars(select(Job.id).where(Job.state == JobState.QUEUED).order_by(Job.id))
                if i not in ids
            ]
    return ids


@contextmanager
def owned_session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for reading outside any write (rolled back at the end: it saved nothing)."""
    session = sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def active_for(db: Session, actor: Principal, since: dt.datetime) -> list[Job]:
    """The actor's jobs still waiting or running, and those finished since `since` (the home inbox)."""
    if actor.user_id is None:
        return []
    return list(
        db.scalars(
            select(Job)
            .where(
                Job.owner_id == actor.user_id,
                or_(Job.state.in_([JobState.QUEUED, JobState.RUNNING]), Job.finished_at >= since),
            )
            .order_by(Job.id.desc())
            .limit(10)
        )
    )
