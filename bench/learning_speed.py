"""How fast a person's gap + optimal training path over a large catalogue, and a workforce's bulk gap, run.

Targets: one person's gap analysis and optimal path over 100,000 courses, p95 < 200 ms; bulk gap analysis of
100,000 workers against one role < 30 s. SQLite file database, bundled ESCO, synthetic courses and workers.
Run: python -m bench.learning_speed [--quick]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

from bench.common import report
from skillatlas import db as database
from skillatlas.alliance.models import Organisation, OrganisationType
from skillatlas.auth.permissions import SYSTEM
from skillatlas.learning import service
from skillatlas.learning.models import Course, CoursePrerequisite, CourseSkill
from skillatlas.learning.workforce import workforce_gap
from skillatlas.people.models import Person, PersonSkill
from skillatlas.roles import service as roles_service
from skillatlas.roles.schemas import RoleCreate
from skillatlas.taxonomy import service as taxonomy
from skillatlas.taxonomy.models import Skill

LEVELS = np.array(["awareness", "practitioner", "expert"])
ROLE_SKILLS = 10
SKILL_POOL = 3000


def setup(directory: Path) -> tuple[object, list[int]]:
    engine = database.make_engine(f"sqlite:///{directory / 'bench.db'}")
    database.upgrade(engine)
    sessions = database.session_factory(engine)
    with database.unit_of_work(sessions) as db:
        taxonomy.load_bundled(db=db)
        skills = list(db.scalars(select(Skill.id).order_by(Skill.id).limit(SKILL_POOL)))
        uris = list(db.scalars(select(Skill.uri).where(Skill.id.in_(skills[:ROLE_SKILLS]))))
        db.add_all([Organisation(slug="provider", name="Provider", type=OrganisationType.EDUCATION_TRAINING,
                                 country="DE"),
                    Organisation(slug="employer", name="Employer", type=OrganisationType.INDUSTRY, country="DE")])  # fmt: skip
        roles_service.create_role(db=db, actor=SYSTEM, data=RoleCreate(
            slug="role", title="Bench role", skills=[{"uri": u, "level": LEVELS[i % 3]} for i, u in enumerate(uris)]))  # fmt: skip
        roles_service.submit(db=db, actor=SYSTEM, slug="role")
        roles_service.publish(db=db, actor=SYSTEM, slug="role")
    return sessions, skills


def add_courses(sessions: object, skills: list[int], start: int, n: int, rng: np.random.Generator) -> None:
    with database.unit_of_work(sessions) as db:
        provider = db.scalar(select(Organisation.id).where(Organisation.slug == "provider"))
        langs = rng.choice(["en", "de", "fr", "it"], n)
        modes = rng.choice(["online", "on_site", "blended"], n)
        prices = rng.integers(0, 3000, n)
        hours = rng.integers(2, 200, n)
        db.execute(insert(Course), [
            {"id": start + i, "code": f"C{start + i}", "provider_id": provider, "title": f"Course {start + i}",
             "description": "", "learning_outcomes": [], "language": str(langs[i]), "mode": str(modes[i]),
             "country": "DE", "price_eur": float(prices[i]), "hours": float(hours[i]), "award": "none"}
            for i in range(n)
        ])  # fmt: skip
        rows = []
        for i in range(n):
            k = int(rng.integers(1, 4))
            # About one course in ten teaches a skill of the role; the rest teach other skills.
            pool = skills[:ROLE_SKILLS] if rng.random() < 0.1 else skills[ROLE_SKILLS:]
            for sid in set(rng.choice(pool, k).tolist()):
                rows.append(
                    {
                        "course_id": start + i,
                        "skill_id": sid,
                        "level": str(rng.choice(LEVELS)),
                        "confirmed": True,
                    }
                )
        db.execute(insert(CourseSkill), rows)
        pre = [{"course_id": start + i, "requires_id": start + int(rng.integers(0, i))}
               for i in range(1, n) if rng.random() < 0.05]  # fmt: skip
        if pre:
            db.execute(insert(CoursePrerequisite), pre)


def add_workers(sessions: object, skills: list[int], start: int, n: int, rng: np.random.Generator) -> int:
    with database.unit_of_work(sessions) as db:
        employer = db.scalar(select(Organisation.id).where(Organisation.slug == "employer"))
        for b in range(0, n, 20_000):
            m = min(20_000, n - b)
            db.execute(insert(Person), [{"id": start + b + i, "full_name": f"W{start + b + i}", "kind": "worker",
                                         "employer_id": employer} for i in range(m)])  # fmt: skip
            rows = []
            for i in range(m):
                for sid in set(rng.choice(skills[: ROLE_SKILLS * 2], 5).tolist()):
                    rows.append({"person_id": start + b + i, "skill_id": sid, "level": str(rng.choice(LEVELS)),
                                 "source": "claimed", "evidence": ""})  # fmt: skip
            db.execute(insert(PersonSkill), rows)
    return start


def main() -> None:
    quick = "--quick" in sys.argv
    course_sizes = [1_000, 10_000] if quick else [10_000, 30_000, 100_000]
    worker_sizes = [1_000, 10_000] if quick else [10_000, 30_000, 100_000]
    rng = np.random.default_rng(7)
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        sessions, skills = setup(Path(tmp))
        add_workers(sessions, skills, 1, 50, rng)
        done = 0
        for size in course_sizes:
            add_courses(sessions, skills, done + 1, size - done, rng)
            done = size
            times, methods, picked = [], set(), 0
            for person in range(1, 41):
                t = time.perf_counter()
                with database.unit_of_work(sessions) as db:
                    result = service.path_for(db=db, actor=SYSTEM, person_id=person, role="role")
                times.append((time.perf_counter() - t) * 1000)
                methods.add(result.method)
                picked += len(result.courses)
            cold = times[0]  # the first call after the catalogue changed reads the role's candidates
            times = times[3:]  # later calls find them cached (until a course changes)
            rows.append({"work": "one person: gap + optimal path", "size": f"{size:,} courses",
                         "p50 ms": statistics.median(times), "p95 ms": float(np.percentile(times, 95)),
                         "total s": "", "note": f"first call {cold:.0f} ms; {'/'.join(sorted(methods))}, {picked / 40:.1f} courses per path"})  # fmt: skip
        done = 50
        for size in worker_sizes:
            add_workers(sessions, skills, done + 1, size - done, rng)
            done = size
            t = time.perf_counter()
            with database.unit_of_work(sessions) as db:
                result = workforce_gap(db=db, actor=SYSTEM, organisation="employer", role="role")
            seconds = time.perf_counter() - t
            rows.append({"work": "workforce gap (bulk)", "size": f"{result.workers:,} workers", "p50 ms": "",
                         "p95 ms": "", "total s": seconds, "note": f"mean readiness {result.mean_readiness:.2f}"})  # fmt: skip
    report("learning_speed" + ("_quick" if quick else ""), "Gap analysis and optimal training paths",
           ["work", "size", "p50 ms", "p95 ms", "total s", "note"], rows,
           extra={"targets": {"path p95 ms at 100k courses": 200, "bulk s at 100k workers": 30},
                  "database": "SQLite file (WAL)", "role skills": ROLE_SKILLS,
                  # Other work on the machine slows every figure; the 1-minute load average says how much.
                  "load average before, after": [load_before[0], os.getloadavg()[0]],
                  "catalogue": "one course in ten teaches a skill of the role (about 1,900 courses per role skill "
                               "at 100,000): a stress case; 5% of courses have a prerequisite"})  # fmt: skip


if __name__ == "__main__":
    main()
