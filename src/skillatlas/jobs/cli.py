"""`skillatlas jobs`: the job worker, and the jobs with their progress."""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import threading
import time

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, err_console, friendly_errors, open_database
from skillatlas.config import get_settings
from skillatlas.db import unit_of_work
from skillatlas.jobs import service
from skillatlas.jobs.models import Job, JobState

app = typer.Typer(
    help="Background jobs: the worker that runs them, and their progress.", no_args_is_help=True
)


def _watch_parent(parent: int) -> None:
    """Ends this worker when the process that started it is gone (a `serve` stopped or killed)."""

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)  # a job cut off here saved nothing; the next worker runs it again
            time.sleep(0.5)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


@app.command("worker")
@friendly_errors
def worker(
    workers: int = typer.Option(1, min=1, max=16, help="Jobs run at the same time (threads)."),
    parent: int = typer.Option(None, hidden=True, help="Stop when this process is gone (serve sets it)."),
) -> None:
    """Run queued jobs until stopped (Ctrl-C waits for the running job; SIGTERM stops at once).

    At its start the worker queues again every job a stopped worker left running: nothing of an interrupted
    run was saved, and the job runs again from its beginning.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if parent:
        _watch_parent(parent)
    settings = get_settings()
    sessions = open_database(settings)
    from skillatlas.jobs import queue

    console.print(f"job worker on {settings.effective_database_url} ({workers} at a time)", highlight=False)
    queue.run_worker(settings, sessions, workers=workers)


_child: subprocess.Popen[bytes] | None = None


def start_worker_process() -> subprocess.Popen[bytes]:
    """`skillatlas jobs worker` as a child of this process (serve): stopped when this process exits, and
    ending by itself when this process is killed."""
    global _child
    _child = subprocess.Popen(
        [sys.executable, "-m", "skillatlas", "jobs", "worker", "--parent", str(os.getpid())]
    )
    atexit.register(stop_worker_process)
    return _child


def stop_worker_process() -> None:
    if _child is not None and _child.poll() is None:
        _child.terminate()
        try:
            _child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _child.kill()


@app.command("list")
@friendly_errors
def list_jobs(
    limit: int = typer.Option(30, min=1, help="How many, newest first."),
) -> None:
    """Every user's jobs, newest first, with their progress."""
    with unit_of_work(open_database()) as db:
        table = Table("Id", "Job", "State", "Progress", "Started (UTC)")
        for job in service.list_jobs(db=db, actor=SYSTEM, limit=limit, everyone=True):
            pct = service.percent(job)
            shown = f"{job.done:,} of {job.total:,}" if job.total else f"{job.done:,}"
            table.add_row(
                str(job.id),
                job.title,
                service.STATE_WORDS[job.state],
                shown + (f" ({pct}%)" if pct is not None else ""),
                f"{job.created_at:%Y-%m-%d %H:%M}",
            )
    console.print(table)


def _read(sessions, job_id: int) -> Job:  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as db:
        return service.get_job(db=db, actor=SYSTEM, job_id=job_id)


@app.command("show")
@friendly_errors
def show(
    job_id: int = typer.Argument(..., help="The job's id (skillatlas jobs list)."),
    follow: bool = typer.Option(
        True, help="Follow a waiting or running job with a progress bar until it ends."
    ),
) -> None:
    """A job's state and result; a running one followed with a progress bar. Exit code 1 when it failed."""
    sessions = open_database()
    job = _read(sessions, job_id)
    console.print(f"[bold]{job.title}[/bold] (job {job.id})", highlight=False)
    if follow and job.state in (JobState.QUEUED, JobState.RUNNING):
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=console,
        ) as bar:  # fmt: skip
            task = bar.add_task(job.message, total=job.total)
            while job.state in (JobState.QUEUED, JobState.RUNNING):
                time.sleep(0.5)
                job = _read(sessions, job_id)
                bar.update(task, completed=job.done, total=job.total, description=job.message[:60])
    console.print(f"state: {service.STATE_WORDS[job.state]}", highlight=False)
    if job.state == JobState.DONE:
        console.print((job.result or {}).get("summary") or job.message, highlight=False)
    elif job.state == JobState.FAILED:
        err_console.print(f"[red]failed:[/red] {job.message}", highlight=False)
        raise typer.Exit(code=1)
    else:
        console.print(f"{job.done:,} of {job.total or '?'}: {job.message}", highlight=False)
