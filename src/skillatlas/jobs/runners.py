"""What each kind of job does, in the worker: the domains' own import and issuing services, run as the user
who started the job (their rights checked again when it runs), in ONE transaction with the job's "done".

The job-ads import does its CPU work first, outside any write: it reads the file and finds the skills of every
new ad (with progress), then saves everything in one short transaction through the same
`importing.import_file` the page and the API use, fed with the skills already found. On SQLite the write
lock is then held for the saving only, not for the minutes the extraction takes. Loading classified job-ad
files (demand counts) is Arrow and NumPy work that writes as it goes, so it all runs in the one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from skillatlas.auth.permissions import SYSTEM, Principal, authorize
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput, PermissionDenied
from skillatlas.jobs import service
from skillatlas.jobs.models import Job

if TYPE_CHECKING:
    from skillatlas.jobs.queue import WorkerContext

log = logging.getLogger(__name__)


class Run:
    """One run of one job: its row (as claimed), its input, the owner as the actor, its transaction."""

    def __init__(self, context: WorkerContext, job: Job, progress: service.Progress) -> None:
        self.context = context
        self.job = job
        self.params: dict[str, Any] = dict(job.params or {})
        self.progress = progress
        self.settings = context.settings
        self.sessions = context.sessions
        self._dialect = context.sessions.kw["bind"].dialect.name

    def input(self) -> bytes:
        path = service.input_path(self.settings.data_dir, self.job)
        if path is None or not path.exists():
            raise InvalidInput("the job's file is no longer kept: start the import again", field="file")
        return path.read_bytes()

    def actor(self, db: Session) -> Principal:
        """The user who started the job, with the rights they have now (SYSTEM for a job of the CLI)."""
        if self.job.owner_id is None:
            return SYSTEM
        from skillatlas.auth.models import User
        from skillatlas.auth.service import principal_for

        user = db.get(User, self.job.owner_id)
        if user is None:
            raise PermissionDenied("the account that started this job no longer exists")
        return principal_for(user, via="session")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """The job's one transaction; on SQLite progress waits meanwhile (one writer at a time)."""
        self.progress.paused = self._dialect == "sqlite"
        try:
            with unit_of_work(self.sessions) as db:
                yield db
        finally:
            self.progress.paused = False

    def finish(self, db: Session, summary: str, done: int, **result: Any) -> None:
        service.finish(db, self.job.id, self.context.name, {"summary": summary, **result}, summary, done)


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


# --- job ads -----------------------------------------------------------------------------------------


class _Remembered:
    """The skills found before the saving transaction; any text not found before is extracted now."""

    def __init__(self, found: dict[tuple[str, int], Sequence[Any]], make: Callable[[], Any]) -> None:
        self.found = found
        self.make = make
        self._extractor: Any = None

    def extract(self, text: str, k: int = 20) -> Sequence[Any]:
        hit = self.found.get((text, k))
        if hit is not None:
            return hit
        if self._extractor is None:
            self._extractor = self.make()
        return self._extractor.extract(text, k=k)


def demand_href(first: dt.date | None, today: dt.date) -> str:
    """The demand page over a period that shows every imported ad (at least the last twelve months)."""
    start = today - dt.timedelta(days=365)
    if first is not None and first < start:
        start = first
    return f"/intelligence/demand?start={start.isoformat()}&end={today.isoformat()}"


def _job_ads(run: Run) -> None:
    from skillatlas.intelligence import importing
    from skillatlas.intelligence import service as intelligence
    from skillatlas.intelligence.engine import engine_for
    from skillatlas.intelligence.models import JobAd

    filename = str(run.params["filename"])
    today = dt.date.fromisoformat(str(run.params["today"]))
    top = int(run.params.get("top", 15))
    content = run.input()
    engine = engine_for(run.settings.data_dir, run.settings.embedding_backend)
    found: dict[tuple[str, int], Sequence[Any]] = {}
    titles: dict[str, int | None] = {}
    # 1. The CPU work, outside any write: the skills of every new ad (nothing is saved yet).
    with service.owned_session(run.sessions) as db:
        authorize(run.actor(db), "intelligence.job_ads.import")
        parsed = importing.parse_file(content, filename)
        ads, problems, _ = importing.check_rows(parsed.rows, today)
        if not problems and not parsed.problems:
            unique = {intelligence.fingerprint(ad): ad for _, ad in ads}
            keys = list(unique)
            known: set[str] = set()
            for start in range(0, len(keys), 900):
                known |= set(
                    db.scalars(
                        select(JobAd.fingerprint).where(JobAd.fingerprint.in_(keys[start : start + 900]))
                    )
                )
            fresh = [ad for key, ad in unique.items() if key not in known]
            run.progress.start(len(fresh), f"finding the skills in {_plural(len(fresh), 'new job ad')}")
            extractor = engine.skill_extractor(db)
            for ad in fresh:
                text = f"{ad.title}.\n{ad.text}"
                found[(text, top)] = extractor.extract(text, k=top)
                if ad.title not in titles:
                    titles[ad.title] = engine.classify_job_title(db, ad.title)
                run.progress.advance()
    # 2. Saving: every ad with its skills, and the job's "done", in one transaction (counted again as it goes,
    # on PostgreSQL; SQLite's one writer is the job itself meanwhile).
    run.progress.start(len(found) or None, "saving the job ads")
    with run.transaction() as db:

        def classify(title: str) -> int | None:
            return titles[title] if title in titles else engine.classify_job_title(db, title)

        remembered = _Remembered(found, lambda: engine.skill_extractor(db))
        outcome = importing.import_file(
            db=db,
            actor=run.actor(db),
            content=content,
            filename=filename,
            today=today,
            make_extractor=lambda: remembered,
            classify=classify,
            progress=run.progress.advance,
            top=top,
        )
        report = outcome.report
        summary = f"Imported {_plural(report.imported, 'job ad')} from {filename}"
        if report.duplicates:
            summary += f" ({report.duplicates:,} already imported, left as they were)"
        summary += f"; {_plural(report.skills_found, 'skill mention')} found in them."
        run.finish(
            db,
            summary,
            report.imported,
            imported=report.imported,
            duplicates=report.duplicates,
            skills_found=report.skills_found,
            links=[{"href": demand_href(outcome.first_date, today), "label": "See the skills in demand"}],
        )


# --- courses -----------------------------------------------------------------------------------------


def _courses(run: Run) -> None:
    from skillatlas.learning import service as learning

    provider = str(run.params["provider"])
    name = str(run.params["name"])
    content = run.input()
    run.progress.start(None, f"importing the courses of {name}")
    with run.transaction() as db:
        report = learning.import_courses(
            db=db, actor=run.actor(db), provider=provider, name=name, content=content
        )
        summary = (
            f"Imported the courses of {name}: {_plural(report.created, 'new course')}, "
            f"{report.updated:,} updated."
        )
        run.finish(
            db,
            summary,
            report.created + report.updated,
            created=report.created,
            updated=report.updated,
            links=[
                {
                    "href": f"/my/courses?provider={provider}&imported={report.created}-{report.updated}",
                    "label": "See the courses",
                }
            ],
        )


# --- bulk issuing ------------------------------------------------------------------------------------


def _credentials(run: Run) -> None:
    from skillatlas.credentials import service as credentials
    from skillatlas.credentials.schemas import CourseIssueRequest, EventIssueRequest
    from skillatlas.credentials.settings import issuing_for

    request = dict(run.params["request"], dry_run=False)
    now = dt.datetime.fromisoformat(str(run.params["now"]))
    issuing = issuing_for(run.settings)
    run.progress.start(run.params.get("total"), "signing the credentials")
    with run.transaction() as db:
        actor = run.actor(db)
        if run.params["source"] == "event":
            outcome = credentials.issue_for_event(
                db=db, actor=actor, data=EventIssueRequest.model_validate(request), issuing=issuing, now=now,
                progress=run.progress.advance,
            )  # fmt: skip
        else:
            outcome = credentials.issue_for_course(
                db=db, actor=actor, data=CourseIssueRequest.model_validate(request), issuing=issuing, now=now,
                progress=run.progress.advance,
            )  # fmt: skip
        issued = len(outcome.issued)
        summary = (
            f"Issued {_plural(issued, 'credential')} of {outcome.achievement.name} from {outcome.source}; "
            f"skipped {len(outcome.skipped):,} (who hold it already)."
        )
        run.finish(
            db,
            summary,
            issued,
            issued=issued,
            skipped=len(outcome.skipped),
            links=[
                {"href": f"/achievements/{outcome.achievement.slug}", "label": outcome.achievement.name},
            ],
        )


# --- demand counts ---------------------------------------------------------------------------------


def _demand(run: Run) -> None:
    """Classified job-ad files loaded as monthly demand counts: all or none, in the job's one transaction (the
    same `load_demand_uploads` the page and the API call), progress a file at a time."""
    from skillatlas.intelligence import demand

    files = demand.unpack_uploads(run.input())
    today = dt.date.fromisoformat(str(run.params["today"]))
    ads = int(run.params.get("ads") or 0)
    run.progress.start(
        len(files), f"counting {_plural(ads, 'job ad')} from {_plural(len(files), 'file')} by skill and month"
    )
    with run.transaction() as db:
        report = demand.load_demand_uploads(
            db=db, actor=run.actor(db), files=files, progress=run.progress.advance
        )
        summary = (
            f"Loaded {_plural(report.loaded, 'file')}: {_plural(report.ads, 'job ad')}, "
            f"{_plural(report.skill_links, 'skill mention')}"
        )
        if report.already_loaded:
            left = "it was" if report.already_loaded == 1 else "they were"
            summary += f"; {_plural(report.already_loaded, 'file')} loaded before, left as {left}"
        if report.unknown_skills:
            summary += f"; {_plural(report.unknown_skills, 'mention')} of skills this taxonomy does not hold not counted"
        run.finish(
            db,
            summary + ".",
            report.loaded,
            loaded=report.loaded,
            already_loaded=report.already_loaded,
            ads=report.ads,
            skill_links=report.skill_links,
            unknown_skills=report.unknown_skills,
            links=[{"href": demand_href(None, today), "label": "See the skills in demand"}],
        )


RUNNERS: dict[str, Callable[[Run], None]] = {
    "job_ads.import": _job_ads,
    "courses.import": _courses,
    "credentials.issue_bulk": _credentials,
    "demand.load": _demand,
}


def run(context: WorkerContext, job_id: int, progress: service.Progress) -> None:
    """Runs the claimed job; its input file goes once its transaction committed."""
    with service.owned_session(context.sessions) as db:
        job = db.get(Job, job_id)
        if job is None:
            return
        db.expunge(job)
    runner = RUNNERS.get(job.kind)
    if runner is None:
        raise InvalidInput(f"no runner for jobs of the kind {job.kind!r}")
    runner(Run(context, job, progress))
    path = service.input_path(context.settings.data_dir, job)
    if path is not None:
        Path(path).unlink(missing_ok=True)
