"""The job queue: huey, on the database the platform already has, so no other server is needed.

* The embedded SQLite default: `SqliteHuey`, a queue file beside the database file (`skillatlas.jobs.db` next to
  `skillatlas.db`), so that the queue's writes never wait for the platform's write lock, nor it for them.
* PostgreSQL: huey's `PostgresHuey` (psycopg 3, LISTEN/NOTIFY, `FOR UPDATE SKIP LOCKED`) in a schema of its own,
  `skillatlas_queue`, which the platform's migrations and tables never touch.

One task, `skillatlas.jobs.run(job_id)`, runs any job: what it does is in the job row (jobs/runners.py); a
periodic task puts jobs whose worker died back in the queue. The consumer runs in `skillatlas jobs worker`,
which `skillatlas serve` starts as a child process (its CPU work then never holds the server's interpreter),
or in a thread of any process (`start_consumer`, the tests).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from huey import Huey, PostgresHuey, SqliteHuey, crontab
from huey.consumer import Consumer
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.config import Settings
from skillatlas.jobs import service

log = logging.getLogger(__name__)

QUEUE_NAME = "skillatlas"
PG_SCHEMA = "skillatlas_queue"
RUN_TASK = "skillatlas.jobs.run"
RECOVER_TASK = "skillatlas.jobs.recover"


@dataclass
class WorkerContext:
    """What a consumer's tasks run with: the settings, the sessions, this consumer's name."""

    settings: Settings
    sessions: sessionmaker[Session]
    name: str


_lock = threading.Lock()
_queues: dict[str, Huey] = {}
_contexts: dict[str, list[WorkerContext]] = {}
_run_tasks: dict[int, Any] = {}


def queue_file(url: URL) -> Path:
    path = Path(url.database or "skillatlas.db")
    return path.with_name(f"{path.stem}.jobs{path.suffix or '.db'}")


def _key(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def queue_for(database_url: str) -> Huey:
    """The huey instance for this database (one per process and database)."""
    url = make_url(database_url)
    key = _key(url)
    with _lock:
        huey = _queues.get(key)
        if huey is None:
            huey = _queues[key] = _make(url, key)
        return huey


def _make(url: URL, key: str) -> Huey:
    backend = url.get_backend_name()
    huey: Huey
    if backend == "sqlite":
        filename = queue_file(url)
        filename.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(QUEUE_NAME, filename=str(filename), results=False, utc=True, timeout=30)
    elif backend == "postgresql":
        import psycopg

        params: dict[str, Any] = {
            k: v
            for k, v in {
                "host": url.host,
                "port": url.port,
                "user": url.username,
                "password": url.password,
                "dbname": url.database,
            }.items()
            if v is not None
        }
        with psycopg.connect(**params, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{PG_SCHEMA}"')
        huey = PostgresHuey(
            QUEUE_NAME,
            results=False,
            utc=True,
            table_prefix="huey",
            options=f"-c search_path={PG_SCHEMA}",
            **params,
        )
    else:
        raise ValueError(f"no job queue for the database {backend!r}")

    def run(job_id: int) -> None:
        context = _context(key)
        run_job(context, job_id)

    def recover_periodically() -> None:
        context = _context(key)
        for job_id in service.recover(context.sessions, _live_names(key)):
            enqueue(huey, job_id)

    _run_tasks[id(huey)] = huey.task(name=RUN_TASK)(run)
    huey.periodic_task(crontab(minute="*"), name=RECOVER_TASK)(recover_periodically)
    return huey


def _context(key: str) -> WorkerContext:
    with _lock:
        contexts = _contexts.get(key)
        if not contexts:
            raise RuntimeError("a job task ran without a consumer context")
        return contexts[0]


def _live_names(key: str) -> set[str]:
    with _lock:
        return {c.name for c in _contexts.get(key, [])}


def enqueue(huey: Huey, job_id: int) -> None:
    """Hands the job to the queue (calling a huey task enqueues it)."""
    _run_tasks[id(huey)](job_id)


def run_job(context: WorkerContext, job_id: int) -> None:
    """Runs one job if this worker can claim it: all its writes and its "done" in one transaction."""
    from skillatlas.errors import SkillAtlasError
    from skillatlas.jobs import runners

    if not service.claim(context.sessions, job_id, context.name):
        return  # done already, or running elsewhere: a job queued twice runs once
    progress = service.Progress(context.sessions, job_id, context.name)
    try:
        runners.run(context, job_id, progress)
    except service.JobLost as exc:
        log.warning("%s", exc)
    except SkillAtlasError as exc:
        message = exc.message
        if exc.field and message.startswith(
            f"{exc.field}: "
        ):  # the form's field means nothing on the job's page
            message = message[len(exc.field) + 2 :]
        service.fail(context.sessions, job_id, context.name, f"nothing was saved: {message}")
    except Exception:
        log.exception("job %s failed", job_id)
        service.fail(
            context.sessions,
            job_id,
            context.name,
            "nothing was saved: the job stopped on an unexpected error (the server log has the details); "
            "try again",
        )


# --- consumers ---------------------------------------------------------------------------------------


class _Consumer(Consumer):
    """huey's consumer; its signal handlers only where signals can be handled (the main thread)."""

    def _set_signal_handlers(self) -> None:
        if threading.current_thread() is threading.main_thread():
            super()._set_signal_handlers()


def _consumer(huey: Huey, workers: int) -> _Consumer:
    return _Consumer(
        huey,
        workers=workers,
        periodic=True,
        initial_delay=0.1,
        max_delay=1.0,  # a new job starts within a second
        worker_type="thread",
        check_worker_health=True,
    )


def _register(settings: Settings, sessions: sessionmaker[Session]) -> tuple[Huey, WorkerContext, str]:
    url = make_url(settings.effective_database_url)
    key = _key(url)
    huey = queue_for(settings.effective_database_url)
    context = WorkerContext(settings, sessions, service.worker_name(secrets.token_hex(4)))
    with _lock:
        _contexts.setdefault(key, []).append(context)
    return huey, context, key


def _unregister(key: str, context: WorkerContext) -> None:
    with _lock:
        contexts = _contexts.get(key, [])
        if context in contexts:
            contexts.remove(context)


def _recover_at_start(huey: Huey, context: WorkerContext, key: str) -> None:
    ids = service.recover(context.sessions, _live_names(key), queued_too=True)
    for job_id in ids:
        enqueue(huey, job_id)
    service.purge_inputs(context.settings.data_dir, dt.datetime.now(dt.UTC))
    if ids:
        log.info("jobs queued again at the worker's start: %s", ids)


@contextlib.contextmanager
def start_consumer(settings: Settings, sessions: sessionmaker[Session], workers: int = 1) -> Any:
    """A consumer in threads of this process while the block runs (stops gracefully at its end)."""
    huey, context, key = _register(settings, sessions)
    consumer = _consumer(huey, workers)
    try:
        _recover_at_start(huey, context, key)
        consumer.start()
        yield consumer
    finally:
        consumer.stop(graceful=True)
        _unregister(key, context)


def run_worker(settings: Settings, sessions: sessionmaker[Session], workers: int = 1) -> None:
    """The consumer in this process's main thread until SIGINT (graceful) or SIGTERM (`skillatlas jobs worker`)."""
    huey, context, key = _register(settings, sessions)
    try:
        _recover_at_start(huey, context, key)
        _consumer(huey, workers).run()
    finally:
        _unregister(key, context)
