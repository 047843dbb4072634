"""Rules of the training catalogue: courses, their import, search, suggested skills; gap analysis and paths."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FilePath
from typing import Any

import numpy as np
from pydantic import ValidationError
from sqlalchemy import String, delete, func, or_, select, type_coerce
from sqlalchemy.orm import Session, selectinload

from skillatlas import changes, limits, spreadsheets
from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Organisation, OrganisationType
from skillatlas.auth import audit
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.db import utcnow
from skillatlas.errors import AlreadyExists, FormErrors, InvalidInput, NotFound, SkillAtlasError
from skillatlas.learning import path as paths
from skillatlas.learning import policy as _policy  # noqa: F401  (registers the rules)
from skillatlas.learning.gap import Requirement, analyse
from skillatlas.learning.models import (
    Course,
    CourseMode,
    CoursePrerequisite,
    CourseSkill,
    DevelopmentPlan,
    PlanCourse,
    PlanState,
)
from skillatlas.learning.schemas import (
    CourseIn,
    CourseRead,
    CourseSkillRead,
    GapRead,
    ImportReport,
    ImportRowRead,
    PathCourseRead,
    PathPreferences,
    PathRead,
    SkillGapRead,
)
from skillatlas.people import service as people_service
from skillatlas.people.models import PersonSkill, SkillLevel
from skillatlas.roles import service as roles_service
from skillatlas.roles.models import JobRoleSkill, JobRoleVersion
from skillatlas.taxonomy.models import Skill
from skillatlas.validation import field_and_message

LEVELS = list(SkillLevel)


def level_of(rank: int) -> SkillLevel | None:
    return LEVELS[rank - 1] if rank > 0 else None


# --- courses ---------------------------------------------------------------------------------


def get_course(*, db: Session, course_id: int) -> Course:
    """The course, or NotFound."""
    course = db.get(Course, course_id)
    if course is None:
        raise NotFound(f"no course with id {course_id}", field="course_id")
    return course


def _check_no_cycle(db: Session, provider_id: int) -> None:
    edges: dict[int, list[int]] = {}
    rows = db.execute(
        select(CoursePrerequisite.course_id, CoursePrerequisite.requires_id)
        .join(Course, Course.id == CoursePrerequisite.course_id)
        .where(Course.provider_id == provider_id)
    ).all()
    for course_id, requires_id in rows:
        edges.setdefault(course_id, []).append(requires_id)
    state: dict[int, int] = {}  # 1 visiting, 2 done
    for start in edges:
        stack: list[tuple[int, int]] = [(start, 0)]
        while stack:
            node, i = stack.pop()
            if i == 0:
                if state.get(node) == 2:
                    continue
                state[node] = 1
            nexts = edges.get(node, [])
            if i < len(nexts):
                stack.append((node, i + 1))
                child = nexts[i]
                if state.get(child) == 1:
                    code = db.scalar(select(Course.code).where(Course.id == child))
                    raise InvalidInput(
                        f"prerequisites form a cycle through course {code!r}", field="prerequisites"
                    )
                if state.get(child) != 2:
                    stack.append((child, 0))
            else:
                state[node] = 2


def save_courses(
    *, db: Session, actor: Principal, provider: str, items: Sequence[CourseIn]
) -> tuple[list[Course], int]:
    """Creates or updates (by code) a provider's courses, then their prerequisites; (courses, how many new)."""
    organisation = alliance_service.get_organisation(db=db, slug=provider)
    authorize(actor, "learning.course.write", organisation_id=organisation.id)
    uris = {s.uri for item in items for s in item.skills}
    known = dict(db.execute(select(Skill.uri, Skill.id).where(Skill.uri.in_(uris))).all()) if uris else {}
    existing = {
        c.code: c
        for c in db.scalars(
            select(Course).where(
                Course.provider_id == organisation.id, Course.code.in_([i.code for i in items])
            )
        )
    }
    saved: list[Course] = []
    created = 0
    for item in items:
        missing = [s.uri for s in item.skills if s.uri not in known]
        if missing:
            raise InvalidInput(f"course {item.code}: unknown skill URI {missing[0]!r}", field="skills")
        course = existing.get(item.code)
        if course is None:
            course = Course(code=item.code, provider_id=organisation.id)
            db.add(course)
            created += 1
        values = item.model_dump(exclude={"skills", "prerequisites", "code"})
        for key, value in values.items():
            setattr(course, key, value)
        course.skills = [
            CourseSkill(skill_id=known[s.uri], level=s.level, confirmed=True) for s in item.skills
        ]
        course.updated_at = utcnow()  # also when only its skills or prerequisites change
        saved.append(course)
        existing[item.code] = course
    db.flush()
    codes = {c.code: c.id for c in db.scalars(select(Course).where(Course.provider_id == organisation.id))}
    for item, course in zip(items, saved, strict=True):
        unknown = [p for p in item.prerequisites if p not in codes]
        if unknown:
            raise InvalidInput(
                f"course {item.code}: the prerequisite {unknown[0]!r} is not a course of {provider}",
                field="prerequisites",
            )
        db.execute(delete(CoursePrerequisite).where(CoursePrerequisite.course_id == course.id))
        for p in dict.fromkeys(item.prerequisites):
            db.add(CoursePrerequisite(course_id=course.id, requires_id=codes[p]))
    db.flush()
    _check_no_cycle(db, organisation.id)
    for course in saved:
        db.expire(course, ["prerequisites"])
    audit.record(db=db, actor=actor, action="learning.course.write", object_type="organisation",
                 object_id=provider, details={"codes": [i.code for i in items][:50], "count": len(items)})  # fmt: skip
    return saved, created


def create_course(*, db: Session, actor: Principal, provider: str, data: CourseIn) -> Course:
    """Adds or updates one course of a provider."""
    saved, _ = save_courses(db=db, actor=actor, provider=provider, items=[data])
    return saved[0]


def add_course(*, db: Session, actor: Principal, provider: str, data: CourseIn) -> Course:
    """Adds a new course; a code the provider already uses is refused (the form for a new course must not
    silently overwrite an existing one: that is what editing is for)."""
    organisation = alliance_service.get_organisation(db=db, slug=provider)
    authorize(actor, "learning.course.write", organisation_id=organisation.id)
    clash = db.scalar(
        select(Course.id).where(Course.provider_id == organisation.id, Course.code == data.code)
    )
    if clash is not None:
        raise AlreadyExists(
            f"{organisation.name} has a course with the code {data.code} already: edit that one, or choose "
            "another code",
            field="code",
        )
    return create_course(db=db, actor=actor, provider=provider, data=data)


def update_course(*, db: Session, actor: Principal, course_id: int, data: CourseIn) -> Course:
    """Changes one course, its code included; suggested skills that wait for confirmation stay suggested."""
    course = get_course(db=db, course_id=course_id)
    authorize(actor, "learning.course.write", organisation_id=course.provider_id)
    provider = course.provider
    if data.code != course.code:
        clash = db.scalar(
            select(Course.id).where(Course.provider_id == course.provider_id, Course.code == data.code)
        )
        if clash is not None:
            raise AlreadyExists(f"{provider.name} has another course with the code {data.code}", field="code")
        course.code = data.code
        db.flush()
    suggested = [(cs.skill_id, cs.level) for cs in course.skills if not cs.confirmed]
    saved, _ = save_courses(db=db, actor=actor, provider=provider.slug, items=[data])
    kept = {cs.skill_id for cs in saved[0].skills}
    for skill_id, level in suggested:
        if skill_id not in kept:
            saved[0].skills.append(CourseSkill(skill_id=skill_id, level=level, confirmed=False))
    db.flush()
    return saved[0]


def providers_for(*, db: Session, actor: Principal) -> list[Organisation]:
    """The organisations whose courses the actor keeps: their own provider (trainers), the ones they manage;
    for the office every training provider and every organisation with courses."""
    if actor.is_system or actor.has(Role.ALLIANCE_OFFICE):
        statement = select(Organisation).where(
            or_(
                Organisation.type == OrganisationType.EDUCATION_TRAINING,
                Organisation.id.in_(select(Course.provider_id)),
            )
        )
    else:
        ids = {g.organisation_id for g in actor.grants
               if g.role == Role.ORGANISATION_MANAGER and g.organisation_id is not None}  # fmt: skip
        if actor.has(Role.TRAINER) and actor.organisation_id is not None:
            ids.add(actor.organisation_id)
        if not ids:
            return []
        statement = select(Organisation).where(Organisation.id.in_(ids))
    found = db.scalars(statement.order_by(Organisation.name))
    return [o for o in found if allowed(actor, "learning.course.write", organisation_id=o.id)]


@dataclass(frozen=True)
class KeptCourse:
    """A course in its keeper's list: how many suggested skills wait, how many learners wait for a result."""

    course: Course
    suggested: int
    waiting: int
    learners: int


def kept_courses(*, db: Session, actor: Principal, provider_id: int) -> list[KeptCourse]:
    """A provider's courses for those who keep them (see `providers_for`)."""
    authorize(actor, "learning.course.write", organisation_id=provider_id)
    courses = list(db.scalars(select(Course).where(Course.provider_id == provider_id).order_by(Course.code)))
    ids = [c.id for c in courses]
    suggested = dict(db.execute(
        select(CourseSkill.course_id, func.count())
        .where(CourseSkill.course_id.in_(ids), CourseSkill.confirmed.is_(False))
        .group_by(CourseSkill.course_id)).all())  # fmt: skip
    taking = (
        select(PlanCourse.course_id, PlanCourse.outcome, DevelopmentPlan.state)
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanCourse.plan_id)
        .where(PlanCourse.course_id.in_(ids),
               DevelopmentPlan.state.in_([PlanState.AGREED, PlanState.IN_PROGRESS, PlanState.COMPLETED]))
    )  # fmt: skip
    waiting: dict[int, int] = {}
    learners: dict[int, int] = {}
    for course_id, outcome, state in db.execute(taking):
        learners[course_id] = learners.get(course_id, 0) + 1
        if outcome is None and state == PlanState.IN_PROGRESS:
            waiting[course_id] = waiting.get(course_id, 0) + 1
    return [
        KeptCourse(c, suggested.get(c.id, 0), waiting.get(c.id, 0), learners.get(c.id, 0)) for c in courses
    ]


def keeper_provider_ids(actor: Principal) -> set[int]:
    """The providers whose courses the actor keeps, from the grants alone (no query): for the inbox."""
    ids = {g.organisation_id for g in actor.grants
           if g.role == Role.ORGANISATION_MANAGER and g.organisation_id is not None}  # fmt: skip
    if actor.has(Role.TRAINER) and actor.organisation_id is not None:
        ids.add(actor.organisation_id)
    return ids


def courses_to_confirm(
    db: Session, provider_ids: Iterable[int], limit: int = 10
) -> list[tuple[int, str, int]]:
    """(course id, title, suggested skills) of the providers' courses whose suggested skills wait."""
    rows = db.execute(
        select(Course.id, Course.title, func.count())
        .join(CourseSkill, CourseSkill.course_id == Course.id)
        .where(Course.provider_id.in_(list(provider_ids)), CourseSkill.confirmed.is_(False))
        .group_by(Course.id, Course.title)
        .order_by(Course.title)
        .limit(limit)
    ).all()
    return [(i, t, n) for i, t, n in rows]


def results_waiting(db: Session, provider_ids: Iterable[int], limit: int = 10) -> list[tuple[int, str, int]]:
    """(course id, title, learners) of the providers' courses with learners in running plans and no result."""
    rows = db.execute(
        select(Course.id, Course.title, func.count())
        .join(PlanCourse, PlanCourse.course_id == Course.id)
        .join(DevelopmentPlan, DevelopmentPlan.id == PlanCourse.plan_id)
        .where(Course.provider_id.in_(list(provider_ids)), PlanCourse.outcome.is_(None),
               DevelopmentPlan.state == PlanState.IN_PROGRESS)
        .group_by(Course.id, Course.title)
        .order_by(Course.title)
        .limit(limit)
    ).all()  # fmt: skip
    return [(i, t, n) for i, t, n in rows]


# --- import ----------------------------------------------------------------------------------

LIST_COLUMNS = ("learning_outcomes", "prerequisites")


def _row_to_input(row: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, raw in row.items():
        if key is None:
            continue
        key = key.strip()
        if raw is None:
            continue
        if isinstance(raw, dt.datetime):
            raw = raw.date()
        if isinstance(raw, str):
            raw = raw.strip()
            if not raw:
                continue
        if key == "skills":
            # "uri|level; uri|level" (level defaults to practitioner)
            values["skills"] = [
                {
                    "uri": part.split("|")[0].strip(),
                    **({"level": part.split("|")[1].strip()} if "|" in part else {}),
                }
                for part in str(raw).split(";")
                if part.strip()
            ]
        elif key in LIST_COLUMNS:
            values[key] = [p.strip() for p in str(raw).split(";") if p.strip()]
        else:
            values[key] = raw
    return values


def read_rows(name: str, content: bytes) -> list[dict[str, Any]]:
    """The rows of a CSV (UTF-8) or XLSX file, as dictionaries keyed by the header row."""
    if name.lower().endswith(".xlsx"):
        # read in a worker process within the limits (issue 18: openpyxl holds the GIL for seconds)
        rows = spreadsheets.read_xlsx(content, what="the workbook")
        if not rows:
            return []
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v not in (None, "") for v in r)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the CSV file is not UTF-8", field="file") from exc
    return list(limits.csv_rows(csv.DictReader(io.StringIO(text))))


def _words(field: str) -> str:
    """A dotted field as words: "skills.0.level" -> "skills #1 level"."""
    return " ".join(f"#{int(p) + 1}" if p.isdigit() else p for p in field.split("."))


class ImportProblems(FormErrors):
    """An import file with problems: every row's problems (`report.rows`) and the file's; nothing is saved."""

    def __init__(self, report: ImportReport) -> None:
        errors: dict[str, str] = {}
        for row in report.rows:
            for problem in row.problems:
                field, _, message = problem.partition(": ")
                key = f"row {row.line}: {field}" if message else f"row {row.line}"
                errors[key] = (
                    message or problem if key not in errors else errors[key] + "; " + (message or problem)
                )
        for problem in report.problems:
            field, _, message = problem.partition(": ")
            errors[field if message else "file"] = message or problem
        super().__init__(errors)
        shown = list(errors.items())[:5]
        more = len(errors) - len(shown)
        self.message = "; ".join(f"{k}: {m}" for k, m in shown) + (
            f"; and {more} more problems" if more else ""
        )
        self.args = (self.message,)
        self.report = report


def check_import(
    *, db: Session, actor: Principal, provider: str, name: str, content: bytes, save: bool = False
) -> ImportReport:
    """Reads an import file and checks every row: its values, codes twice in the file, unknown skills,
    unknown prerequisites; then, when no row has a problem, the whole import (prerequisite cycles) inside a
    savepoint that is kept only when `save`. Returns every row with its problems; saves nothing else."""
    organisation = alliance_service.get_organisation(db=db, slug=provider)
    authorize(actor, "learning.course.write", organisation_id=organisation.id)
    raw = read_rows(name, content)
    if not raw:
        raise InvalidInput("the file has no course rows", field="file")
    existing = set(db.scalars(select(Course.code).where(Course.provider_id == organisation.id)))
    inputs = [_row_to_input(row) for row in raw]
    # A skill may be named by its preferred label instead of its URI ("battery management systems|expert").
    names = {s["uri"].lower() for v in inputs for s in v.get("skills", []) if not s["uri"].startswith("http")}
    by_label: dict[str, str] = {}
    if names:
        for uri, label in db.execute(
            select(Skill.uri, Skill.preferred_label)
            .where(func.lower(Skill.preferred_label).in_(names))
            .order_by(Skill.uri)
        ):
            by_label.setdefault(label.lower(), uri)
    for values in inputs:
        for skill in values.get("skills", []):
            skill["uri"] = by_label.get(skill["uri"].lower(), skill["uri"])
    rows: list[ImportRowRead] = []
    items: list[CourseIn | None] = []
    for line, values in enumerate(inputs, start=2):
        problems: list[str] = []
        item: CourseIn | None = None
        try:
            item = CourseIn.model_validate(values)
        except ValidationError as exc:
            for error in exc.errors():
                field, message = field_and_message(error)
                problems.append(f"{_words(field)}: {message}")
        code = str(values.get("code", "")).strip()
        rows.append(ImportRowRead(line=line, code=code, title=str(values.get("title", "")),
                                  action="update" if code in existing else "new", problems=problems))  # fmt: skip
        items.append(item)
    # Skills and prerequisites are checked on every row, also one whose other values are wrong.
    uris = {
        str(s.get("uri", "")) for values in inputs for s in values.get("skills", []) if isinstance(s, dict)
    }
    known = set(db.scalars(select(Skill.uri).where(Skill.uri.in_(uris)))) if uris else set()
    in_file = {row.code for row in rows if row.code}
    first_line: dict[str, int] = {}
    for row, values in zip(rows, inputs, strict=True):
        if row.code:
            if row.code in first_line:
                row.problems.append(f"code: the code {row.code} is also on line {first_line[row.code]}")
            first_line.setdefault(row.code, row.line)
        for s in values.get("skills", []):
            uri = str(s.get("uri", "")) if isinstance(s, dict) else ""
            if uri and uri not in known:
                what = f"has the address {uri}" if uri.startswith("http") else f"is called {uri!r}"
                row.problems.append(f"skills: no skill in the taxonomy {what}")
        for code in values.get("prerequisites", []):
            if code not in in_file and code not in existing:
                row.problems.append(
                    f"prerequisites: {code} is neither in the file nor a course of {organisation.name}"
                )
    report = ImportReport(dry_run=not save, created=sum(r.action == "new" for r in rows),
                          updated=sum(r.action == "update" for r in rows), codes=[r.code for r in rows], rows=rows)  # fmt: skip
    if any(r.problems for r in rows):
        return report
    savepoint = db.begin_nested()
    try:
        save_courses(db=db, actor=actor, provider=provider, items=[i for i in items if i is not None])
    except SkillAtlasError as exc:
        savepoint.rollback()
        report.problems.append(f"{exc.field}: {exc.message}" if exc.field else exc.message)
        return report
    if save:
        savepoint.commit()
    else:
        savepoint.rollback()
    return report


def import_courses(
    *, db: Session, actor: Principal, provider: str, name: str, content: bytes, dry_run: bool = False
) -> ImportReport:
    """Imports a provider's courses from CSV or XLSX in one transaction: a bad row saves nothing, and the
    error names every problem of every row (ImportProblems). A dry run checks everything and saves nothing."""
    report = check_import(db=db, actor=actor, provider=provider, name=name, content=content, save=not dry_run)
    if report.problems or any(r.problems for r in report.rows):
        raise ImportProblems(report)
    return report


def import_file(
    *, db: Session, actor: Principal, provider: str, file: FilePath, dry_run: bool = False
) -> ImportReport:
    """Imports from a file on disk (the CLI)."""
    return import_courses(db=db, actor=actor, provider=provider, name=file.name, content=file.read_bytes(),
                          dry_run=dry_run)  # fmt: skip


# --- reading the catalogue -------------------------------------------------------------------


def course_read(*, db: Session, course: Course) -> CourseRead:
    """A course with its skills and prerequisites, labels resolved."""
    skills = db.execute(
        select(CourseSkill, Skill.uri, Skill.preferred_label)
        .join(Skill, Skill.id == CourseSkill.skill_id)
        .where(CourseSkill.course_id == course.id)
        .order_by(Skill.preferred_label)
    ).all()
    prerequisites = db.scalars(
        select(Course.code)
        .join(CoursePrerequisite, CoursePrerequisite.requires_id == Course.id)
        .where(CoursePrerequisite.course_id == course.id)
        .order_by(Course.code)
    ).all()
    return CourseRead(
        id=course.id, code=course.code, provider=course.provider.slug, provider_name=course.provider.name,
        title=course.title, description=course.description, learning_outcomes=list(course.learning_outcomes or []),
        eqf_level=course.eqf_level, hours=course.hours, ects=course.ects, language=course.language,
        mode=course.mode, country=course.country, city=course.city, starts_on=course.starts_on,
        ends_on=course.ends_on, price_eur=course.price_eur, award=course.award,
        skills=[CourseSkillRead(skill_id=cs.skill_id, uri=uri, label=label, level=cs.level, confirmed=cs.confirmed)
                for cs, uri, label in skills],
        prerequisites=list(prerequisites),
    )  # fmt: skip


def _text_matches(db: Session, query: str, backend: str, limit: int) -> list[int]:
    from skillatlas.learning.catalogue_index import course_index

    return course_index(db, backend).search(db, query, limit)


def search_courses(
    *,
    db: Session,
    q: str | None = None,
    skill: str | None = None,
    language: str | None = None,
    mode: CourseMode | None = None,
    country: str | None = None,
    max_price: float | None = None,
    provider: str | None = None,
    backend: str = "none",
    limit: int = 50,
    offset: int = 0,
) -> list[Course]:
    """The catalogue, filtered; free text ranks through the shared search package (BM25 + embeddings)."""
    statement = select(Course).options(selectinload(Course.provider))
    if skill:
        skill_ids = select(Skill.id).where(
            or_(Skill.uri == skill, func.lower(Skill.preferred_label) == skill.lower())
        )
        statement = statement.where(
            Course.id.in_(select(CourseSkill.course_id).where(CourseSkill.skill_id.in_(skill_ids)))
        )
    if language:
        statement = statement.where(Course.language == language.lower())
    if mode:
        statement = statement.where(Course.mode == mode)
    if country:
        statement = statement.where(Course.country == country.upper())
    if max_price is not None:
        statement = statement.where(Course.price_eur <= max_price)
    if provider:
        statement = statement.join(Organisation, Organisation.id == Course.provider_id).where(
            Organisation.slug == provider
        )
    if q and q.strip():
        ranked = _text_matches(db, q.strip(), backend, limit=max(500, (offset + limit) * 5))
        if not ranked:
            return []
        # The filters pass ids only; just the page's courses are loaded as objects. Without a filter every
        # ranked course passes (the index is rebuilt when courses change), so no query is needed for that.
        filtered = any(
            v is not None and v != "" for v in (skill, language, mode, country, max_price, provider)
        )
        passing = (
            set(db.scalars(statement.with_only_columns(Course.id).where(Course.id.in_(ranked))))
            if filtered
            else set(ranked)
        )
        page = [i for i in ranked if i in passing][offset : offset + limit]
        found = {c.id: c for c in db.scalars(statement.where(Course.id.in_(page)))}
        return [found[i] for i in page if i in found]
    return list(db.scalars(statement.order_by(Course.title, Course.id).limit(limit).offset(offset)))


# --- suggested skills ------------------------------------------------------------------------


def suggest_skills(
    *, db: Session, actor: Principal, course_id: int, extractor: Any, top: int = 8
) -> list[CourseSkillRead]:
    """Skills the description suggests (SkillExtractor), stored unconfirmed until the provider confirms them."""
    course = get_course(db=db, course_id=course_id)
    authorize(actor, "learning.course.write", organisation_id=course.provider_id)
    found = extractor.extract(
        " ".join([course.title + ".", course.description, *course.learning_outcomes]), k=top
    )
    ids = dict(db.execute(select(Skill.uri, Skill.id).where(Skill.uri.in_([s.uri for s in found]))).all())
    have = {cs.skill_id for cs in course.skills}
    for s in found:
        skill_id = ids.get(s.uri)
        if skill_id is not None and skill_id not in have:
            course.skills.append(
                CourseSkill(skill_id=skill_id, level=SkillLevel.PRACTITIONER, confirmed=False)
            )
            have.add(skill_id)
    course.updated_at = utcnow()
    db.flush()
    return course_read(db=db, course=course).skills


def confirm_skills(
    *, db: Session, actor: Principal, course_id: int, keep: Iterable[str]
) -> list[CourseSkillRead]:
    """The provider confirms the suggested skills in `keep` (URIs); the other suggestions are dropped."""
    course = get_course(db=db, course_id=course_id)
    authorize(actor, "learning.course.write", organisation_id=course.provider_id)
    keep_ids = set(db.scalars(select(Skill.id).where(Skill.uri.in_(list(keep)))))
    course.skills = [cs for cs in course.skills if cs.confirmed or cs.skill_id in keep_ids]
    for cs in course.skills:
        cs.confirmed = True
    course.updated_at = utcnow()
    db.flush()
    audit.record(
        db=db, actor=actor, action="learning.course.confirm_skills", object_type="course", object_id=course.id
    )
    return course_read(db=db, course=course).skills


# --- gap analysis and training path ------------------------------------------------------------


def requirements(db: Session, version: JobRoleVersion) -> list[tuple[Requirement, str, str]]:
    """(requirement, uri, label) for each skill of the version."""
    rows = db.execute(
        select(
            JobRoleSkill.skill_id, JobRoleSkill.level, JobRoleSkill.weight, Skill.uri, Skill.preferred_label
        )
        .join(Skill, Skill.id == JobRoleSkill.skill_id)
        .where(JobRoleSkill.version_id == version.id)
        .order_by(JobRoleSkill.weight, Skill.preferred_label)
    ).all()
    return [(Requirement(sid, SkillLevel(level).rank, str(getattr(weight, "value", weight))), uri, label)
            for sid, level, weight, uri, label in rows]  # fmt: skip


def gap_for(
    *, db: Session, actor: Principal, person_id: int, role: str, version: int | None = None
) -> tuple[GapRead, JobRoleVersion, list[tuple[Requirement, str, str]]]:
    """A person's gap against a role version (the newest published one unless numbered)."""
    person = people_service.get(db=db, person_id=person_id)
    authorize(actor, "learning.gap.read", **people_service.person_facts(db, person))
    found = roles_service.get_version(db=db, actor=actor, slug=role, number=version)
    reqs = requirements(db, found)
    current = {
        sid: SkillLevel(level).rank
        for sid, level in db.execute(
            select(PersonSkill.skill_id, PersonSkill.level).where(
                PersonSkill.person_id == person_id, PersonSkill.skill_id.in_([r.skill_id for r, _, _ in reqs])
            )
        )
    }
    gap = analyse([r for r, _, _ in reqs], current)
    rows = [
        SkillGapRead(uri=uri, label=label, weight=r.weight, required_level=level_of(r.level),
                     current_level=level_of(g.current), status=g.status)
        for (r, uri, label), g in zip(reqs, gap.skills, strict=True)
    ]  # fmt: skip
    return (
        GapRead(person_id=person_id, role=role, version=found.number, readiness=gap.readiness, skills=rows),
        found,
        reqs,
    )


def _cost(course: Course, prefs: PathPreferences) -> float:
    if prefs.cost == "hours":
        return float(course.hours)
    if prefs.cost == "mix":
        return float(course.price_eur) + prefs.euro_per_hour * float(course.hours)
    return float(course.price_eur)


def _pref_filters(prefs: PathPreferences) -> list[Any]:
    filters: list[Any] = []
    if prefs.languages:
        filters.append(Course.language.in_([lang.lower() for lang in prefs.languages]))
    if prefs.modes:
        filters.append(Course.mode.in_(prefs.modes))
    if prefs.countries:
        filters.append(
            or_(Course.mode == CourseMode.ONLINE, Course.country.in_([c.upper() for c in prefs.countries]))
        )
    if prefs.start_after:
        filters.append(or_(Course.starts_on.is_(None), Course.starts_on >= prefs.start_after))
    if prefs.finish_by:
        filters.append(or_(Course.ends_on.is_(None), Course.ends_on <= prefs.finish_by))
    if prefs.max_price is not None:
        filters.append(Course.price_eur <= prefs.max_price)
    return filters


@dataclass(frozen=True)
class _Candidates:
    """Every course teaching one of a role's skills (any level) within the preferences, with prerequisites."""

    teaches: dict[int, list[tuple[int, int]]]  # skill id -> [(course id, level rank)]
    cost: dict[int, float]  # candidate and prerequisite courses that fit the preferences
    requires: dict[int, tuple[int, ...]]
    # The same teaching rows as arrays sorted by course then skill (course, skill, level, the course's cost),
    # and the courses that require others: `path_options` works on them with NumPy (issue 14).
    rows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] = field(init=False, repr=False, compare=False)
    requiring: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        course = np.fromiter((c for rows in self.teaches.values() for c, _ in rows), dtype=np.int64)
        skill = np.fromiter((s for s, rows in self.teaches.items() for _ in rows), dtype=np.int64)
        level = np.fromiter((lv for rows in self.teaches.values() for _, lv in rows), dtype=np.int64)
        order = np.lexsort((skill, course))
        course, skill, level = course[order], skill[order], level[order]
        cost = np.fromiter((self.cost[c] for c in course.tolist()), dtype=np.float64, count=len(course))
        object.__setattr__(self, "rows", (course, skill, level, cost))
        object.__setattr__(self, "requiring", np.array(sorted(self.requires), dtype=np.int64))


_CACHE: OrderedDict[tuple[object, ...], tuple[tuple[object, ...], _Candidates]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def catalogue_version(db: Session) -> tuple[object, ...]:
    """Changes whenever a committed transaction adds, removes or changes a course, its skills or its
    prerequisites: one primary-key read (`changes`). It used to be count(*) and max() over every course at
    each path: 40-85 ms at the design point's 100,000 courses (issue 14)."""
    return (changes.current(db, "course_paths"),)


def _load_candidates(db: Session, skill_ids: Sequence[int], prefs: PathPreferences) -> _Candidates:
    filters = _pref_filters(prefs)
    weight = {"price": (1.0, 0.0), "hours": (0.0, 1.0), "mix": (1.0, prefs.euro_per_hour)}[prefs.cost]
    rank = {level.value: level.rank for level in LEVELS}
    conn = db.connection()  # Core rows: the ORM's per-row work is most of the cost at 100,000 courses
    teaches: dict[int, list[tuple[int, int]]] = {}
    cost: dict[int, float] = {}
    rows = conn.execute(
        select(CourseSkill.course_id, CourseSkill.skill_id, type_coerce(CourseSkill.level, String()),
               Course.price_eur, Course.hours)
        .join(Course, Course.id == CourseSkill.course_id)
        .where(CourseSkill.skill_id.in_(list(skill_ids)), CourseSkill.confirmed.is_(True), *filters)
    ).all()  # fmt: skip
    for course_id, skill_id, level, price, hours in rows:
        teaches.setdefault(skill_id, []).append((course_id, rank[level]))
        cost[course_id] = weight[0] * price + weight[1] * hours
    teaching = select(CourseSkill.course_id).where(
        CourseSkill.skill_id.in_(list(skill_ids)), CourseSkill.confirmed.is_(True)
    )
    requires: dict[int, list[int]] = {}
    edges = conn.execute(
        select(CoursePrerequisite.course_id, CoursePrerequisite.requires_id).where(
            CoursePrerequisite.course_id.in_(teaching)
        )
    ).all()
    seen: set[int] = set()
    while edges:  # prerequisites, transitively: the first level by a subquery, the (few) later ones by id
        for course_id, requires_id in edges:
            requires.setdefault(course_id, []).append(requires_id)
        new = sorted({r for _, r in edges} - set(cost) - seen)
        seen.update(new)
        edges = []
        if new:
            for course_id, price, hours in conn.execute(
                select(Course.id, Course.price_eur, Course.hours).where(Course.id.in_(new), *filters)
            ):
                cost[course_id] = weight[0] * price + weight[1] * hours
            edges = conn.execute(
                select(CoursePrerequisite.course_id, CoursePrerequisite.requires_id).where(
                    CoursePrerequisite.course_id.in_([c for c in new if c in cost])
                )
            ).all()
    return _Candidates(teaches, cost, {c: tuple(r) for c, r in requires.items()})


def _candidates(db: Session, skill_ids: Sequence[int], prefs: PathPreferences) -> _Candidates:
    """The role's candidates, cached in the process until the catalogue changes (see `catalogue_version`)."""
    if changes.pending(db, "course_paths"):  # this transaction's own, uncommitted changes: not kept
        return _load_candidates(db, skill_ids, prefs)
    key = (str(db.get_bind().url), tuple(sorted(skill_ids)), prefs.model_dump_json())
    version = catalogue_version(db)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == version:
            _CACHE.move_to_end(key)
            return hit[1]
    found = _load_candidates(db, skill_ids, prefs)
    with _CACHE_LOCK:
        _CACHE[key] = (version, found)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return found


def path_options(
    db: Session,
    skill_levels: dict[int, int],
    prefs: PathPreferences,
    role_skills: Sequence[int] | None = None,
) -> list[paths.Option]:
    """The courses that may be taken, as plain options: set-based queries, no ORM objects (100,000 courses).

    A course counts for a gap skill when it teaches it (confirmed) up to the level needed; its prerequisites
    are added transitively; every course must fit the preferences (language, mode, place, dates, price).
    The candidates of a role's skills are read once and cached until the catalogue changes. Interchangeable
    courses (no prerequisites, required by none, closing the same skills) are cut to the cheapest before the
    solver sees them, which keeps the answer exact.
    """
    if not skill_levels:
        return []
    found = _candidates(db, role_skills or sorted(skill_levels), prefs)
    return _options(found, skill_levels)


def _options(found: _Candidates, skill_levels: dict[int, int]) -> list[paths.Option]:
    """The options of `path_options`, vectorised over the teaching rows: at 100,000 courses a role's skills
    are taught by tens of thousands of them, and a loop in Python over them took 60-200 ms a path."""
    course, skill, level, cost = found.rows
    needed = np.array(sorted(skill_levels), dtype=np.int64)
    at = np.minimum(np.searchsorted(needed, skill), len(needed) - 1)
    closing = (needed[at] == skill) & (level >= np.array([skill_levels[s] for s in needed.tolist()])[at])
    course, at, cost = course[closing], at[closing], cost[closing]  # still sorted by course
    covering = course[np.r_[True, course[1:] != course[:-1]]] if len(course) else course  # sorted, unique
    # The courses closing a skill and, transitively, what they require. Few courses require others, so the
    # sets below stay small: sets over every covering course (tens of thousands) took 2-3 ms a path.
    requiring = covering[np.isin(covering, found.requiring, assume_unique=True)].tolist()

    def covers_one(course_id: int) -> bool:
        at_ = int(np.searchsorted(covering, course_id))
        return at_ < len(covering) and int(covering[at_]) == course_id

    extra: set[int] = set()  # prerequisites that close nothing needed themselves
    stack = [r for c in requiring for r in found.requires[c]]
    while stack:
        course_id = stack.pop()
        if course_id in extra or course_id not in found.cost or covers_one(course_id):
            continue
        extra.add(course_id)
        stack.extend(found.requires.get(course_id, ()))
    requiring_taken = set(requiring) | {c for c in extra if c in found.requires}
    required_by_others = {r for c in requiring_taken for r in found.requires[c]}
    linked = requiring_taken | {r for r in required_by_others if r in extra or covers_one(r)}
    options = []
    if linked:  # with their prerequisites: each one an option of its own
        closes: dict[int, set[int]] = {c: set() for c in linked}
        keep = np.isin(course, np.fromiter(linked, dtype=np.int64))
        for c, i in zip(course[keep].tolist(), at[keep].tolist(), strict=True):
            closes[c].add(int(needed[i]))
        options += [
            paths.Option(c, found.cost[c], frozenset(closes[c]), found.requires.get(c, ())) for c in linked
        ]
        keep = ~keep
        course, at, cost = course[keep], at[keep], cost[keep]
    if len(course):  # interchangeable courses (closing the same skills): the cheapest, then the lowest id
        starts = np.flatnonzero(np.r_[True, course[1:] != course[:-1]])
        words = np.zeros(((len(needed) + 63) // 64, len(course)), dtype=np.uint64)
        words[at // 64, np.arange(len(course))] = np.left_shift(np.uint64(1), (at % 64).astype(np.uint64))
        closes_bits = np.bitwise_or.reduceat(words, starts, axis=1)  # the set each course closes, exactly
        ids, costs = course[starts], cost[starts]
        order = np.lexsort((ids, costs, *closes_bits[::-1]))
        bits = closes_bits[:, order]
        first = np.r_[True, (bits[:, 1:] != bits[:, :-1]).any(axis=0)]
        for k in np.flatnonzero(first).tolist():
            members = []
            for w, value in enumerate(bits[:, k].tolist()):
                while value:
                    low = value & -value
                    members.append(int(needed[w * 64 + low.bit_length() - 1]))
                    value ^= low
            j = order[k]
            options.append(paths.Option(int(ids[j]), float(costs[j]), frozenset(members)))
    return options


def path_for(
    *,
    db: Session,
    actor: Principal,
    person_id: int,
    role: str,
    version: int | None = None,
    prefs: PathPreferences | None = None,
) -> PathRead:
    """The gap, and the cheapest set of courses closing it within the preferences, each with why it was picked."""
    prefs = prefs or PathPreferences()
    gap, _, reqs = gap_for(db=db, actor=actor, person_id=person_id, role=role, version=version)
    labels = {r.skill_id: label for r, _, label in reqs}
    needed = {
        r.skill_id: r.level for (r, _, _), g in zip(reqs, gap.skills, strict=True) if g.status != "have"
    }
    options = path_options(db, needed, prefs, [r.skill_id for r, _, _ in reqs])
    result = paths.optimal_path(needed, options)
    by_id = {
        c.id: c
        for c in db.scalars(
            select(Course).where(Course.id.in_(result.courses)).options(selectinload(Course.provider))
        )
    }
    chosen = {o.course_id: o for o in options if o.course_id in by_id}
    picked = []
    for cid in result.courses:
        c = by_id[cid]
        closes = sorted(labels[s] for s in chosen[cid].covers)
        needed_by = sorted(by_id[o].code for o in result.courses if cid in chosen[o].requires)
        why = []
        if closes:
            why.append("teaches " + ", ".join(closes))
        if needed_by:
            why.append("required before " + ", ".join(needed_by))
        picked.append(PathCourseRead(id=c.id, code=c.code, title=c.title, provider=c.provider.slug,
                                     price_eur=c.price_eur, hours=c.hours, cost=round(_cost(c, prefs), 2),
                                     why="; ".join(why) or "a prerequisite"))  # fmt: skip
    return PathRead(
        gap=gap, cost_basis=prefs.cost, courses=picked, total_cost=round(result.cost, 2),
        total_price_eur=round(sum(p.price_eur for p in picked), 2), total_hours=round(sum(p.hours for p in picked), 2),
        uncovered=sorted(labels[s] for s in result.uncovered), method=result.method,
        optimality_gap=None if math.isnan(result.optimality_gap) else result.optimality_gap,
        greedy_cost=round(result.greedy_cost, 2),
    )  # fmt: skip


def courses_per_skill(db: Session, skill_ids: list[int]) -> dict[int, int]:
    """How many catalogue courses teach each skill (confirmed by their provider): supply for the gap map."""
    rows = db.execute(
        select(CourseSkill.skill_id, func.count())
        .where(CourseSkill.confirmed.is_(True), CourseSkill.skill_id.in_(skill_ids))
        .group_by(CourseSkill.skill_id)
    ).all()
    return {skill_id: n for skill_id, n in rows}
