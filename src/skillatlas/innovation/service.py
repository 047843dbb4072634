"""Rules of the innovation self-assessment: the versioned question set, answering, scores, benchmarks, training.

Scores: a clause scores the mean of its answers' maturity levels as a share of the scale's top level (0..100);
the overall score is the clause scores' mean weighted by the clauses' weights. A clause scoring STRENGTH or more
is a strength, below GAP a gap. Benchmarks aggregate the newest completed assessment of each organisation in a
peer group and say nothing at all about a group of fewer than MIN_PEERS organisations (enforced here, so every
door obeys it).
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.models import Organisation, OrganisationType
from skillatlas.auth import audit
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooLarge
from skillatlas.geo import country_name
from skillatlas.innovation import policy as _policy  # noqa: F401  (registers the rules)
from skillatlas.innovation.models import (
    SECTOR_WORDS,
    SIZE_WORDS,
    Answer,
    Assessment,
    AssessmentState,
    Clause,
    ClauseResult,
    ClauseSkill,
    Question,
    QuestionSet,
    Sector,
    SetClause,
    SetState,
    Size,
)
from skillatlas.innovation.schemas import (
    AnswerIn,
    AnswerRead,
    AssessmentClauseRead,
    AssessmentRead,
    AssessmentStart,
    AssessmentSummary,
    BenchmarkRead,
    ClauseRead,
    ClauseScore,
    ClauseSkillRead,
    CourseSuggestion,
    Dimension,
    GapSuggestion,
    HistoryPoint,
    QuestionRead,
    QuestionSetIn,
    QuestionSetRead,
    ResultsRead,
    SkillSuggestion,
    SuggestionsRead,
)
from skillatlas.taxonomy.models import Skill
from skillatlas.validation import parse_input

MIN_PEERS = 5  # a benchmark shows a peer group only when at least this many organisations are in it
STRENGTH = 75.0  # a clause scoring this much or more is a strength
GAP = 50.0  # a clause scoring less is a gap
MAX_EVIDENCE_BYTES = 2 * 1024 * 1024  # one evidence file
EVIDENCE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text",
}
DIMENSIONS = ("sector", "size", "country", "type")
DIMENSION_WORDS = {"sector": "Sector", "size": "Size", "country": "Country", "type": "Member type"}


# --- scores: pure functions ------------------------------------------------------------------------


def clause_score(levels: list[int], top: int) -> float:
    """The mean maturity level as a share of the top level, 0..100, rounded to one decimal."""
    if not levels or top <= 0:
        return 0.0
    return round(100.0 * sum(levels) / (len(levels) * top), 1)


def overall_score(scores: dict[Clause, float], weights: dict[Clause, float]) -> float:
    """The clause scores' mean, weighted; 0 when nothing weighs."""
    total = sum(weights.get(c, 0.0) for c in scores)
    if total <= 0:
        return 0.0
    return round(sum(score * weights.get(c, 0.0) for c, score in scores.items()) / total, 1)


def strengths_and_gaps(scores: dict[Clause, float]) -> tuple[list[Clause], list[Clause]]:
    """Strengths (best first) and gaps (worst first)."""
    strengths = sorted((c for c, s in scores.items() if s >= STRENGTH), key=lambda c: (-scores[c], c.number))
    gaps = sorted((c for c, s in scores.items() if s < GAP), key=lambda c: (scores[c], c.number))
    return strengths, gaps


# --- the question set ------------------------------------------------------------------------------


def _sets(db: Session) -> list[QuestionSet]:
    return list(db.scalars(select(QuestionSet).order_by(QuestionSet.number)))


def current_set(db: Session) -> QuestionSet | None:
    """The newest published version: new assessments use it."""
    return db.scalar(
        select(QuestionSet)
        .where(QuestionSet.state == SetState.PUBLISHED)
        .order_by(QuestionSet.number.desc())
        .limit(1)
    )


def get_set(*, db: Session, actor: Principal, number: int | None = None) -> QuestionSet:
    """A version (the newest published unless numbered); a draft only for the office."""
    if number is None:
        found = current_set(db)
        if found is None and allowed(actor, "innovation.questions.read_draft"):
            found = db.scalar(select(QuestionSet).order_by(QuestionSet.number.desc()).limit(1))
        if found is None:
            raise NotFound("no question set is published yet", field="version")
        return found
    found = db.scalar(select(QuestionSet).where(QuestionSet.number == number))
    if found is None:
        raise NotFound(f"no version {number} of the question set", field="version")
    if found.state != SetState.PUBLISHED:
        authorize(actor, "innovation.questions.read_draft")
    return found


def list_sets(*, db: Session, actor: Principal) -> list[QuestionSet]:
    """Every version the actor may see: the published ones, and the draft for the office."""
    drafts = allowed(actor, "innovation.questions.read_draft")
    return [s for s in _sets(db) if s.state == SetState.PUBLISHED or drafts]


def set_read(*, db: Session, question_set: QuestionSet) -> QuestionSetRead:
    return QuestionSetRead(
        version=question_set.number, title=question_set.title, state=question_set.state,
        levels=list(question_set.levels), role=question_set.role_slug, change_note=question_set.change_note,
        published_at=question_set.published_at,
        clauses=[
            ClauseRead(
                clause=c.clause, number=c.clause.number, title=c.clause.title, weight=c.weight,
                description=c.description,
                questions=[QuestionRead(id=q.id, position=q.position, text=q.text) for q in c.questions],
                skills=[ClauseSkillRead(uri=s.skill.uri, label=s.skill.preferred_label, level=s.level)
                        for s in sorted(c.skills, key=lambda s: s.skill.preferred_label)],
            )
            for c in question_set.clauses
        ],
    )  # fmt: skip


def save_question_set(*, db: Session, actor: Principal, data: QuestionSetIn) -> QuestionSet:
    """Changes the draft, or starts a new draft version when the newest is published (which never changes)."""
    authorize(actor, "innovation.questions.edit")
    uris = {s.uri for c in data.clauses for s in c.skills}
    known = (
        {u: i for u, i in db.execute(select(Skill.uri, Skill.id).where(Skill.uri.in_(uris)))} if uris else {}
    )
    unknown = sorted(uris - set(known))
    if unknown:
        raise InvalidInput(f"unknown skill URI {unknown[0]!r}", field="skills")
    sets = _sets(db)
    latest = sets[-1] if sets else None
    if latest is None or latest.state == SetState.PUBLISHED:
        latest = QuestionSet(number=(latest.number + 1) if latest else 1, state=SetState.DRAFT)
        db.add(latest)
    else:
        latest.clauses.clear()  # a draft has no answers: its questions may be replaced
        db.flush()
    latest.title, latest.levels, latest.role_slug = data.title, list(data.levels), data.role
    latest.change_note = data.change_note
    for position, c in enumerate(data.clauses):
        clause = SetClause(clause=c.clause, position=position, weight=c.weight, description=c.description)
        clause.questions = [Question(position=i + 1, text=text) for i, text in enumerate(c.questions)]
        seen: set[str] = set()
        for s in c.skills:
            if s.uri not in seen:
                seen.add(s.uri)
                clause.skills.append(ClauseSkill(skill_id=known[s.uri], level=s.level))
        latest.clauses.append(clause)
    db.flush()
    audit.record(db=db, actor=actor, action="innovation.questions.edit", object_type="innovation_question_set",
                 object_id=latest.number)  # fmt: skip
    return latest


def publish_question_set(*, db: Session, actor: Principal, now: dt.datetime) -> QuestionSet:
    """Publishes the draft: new assessments use it; assessments already started keep their version."""
    authorize(actor, "innovation.questions.edit")
    sets = _sets(db)
    if not sets or sets[-1].state != SetState.DRAFT:
        raise Conflict("there is no draft to publish: change the question set first", field="version")
    latest = sets[-1]
    latest.state, latest.published_at = SetState.PUBLISHED, now
    db.flush()
    audit.record(db=db, actor=actor, action="innovation.questions.publish", object_type="innovation_question_set",
                 object_id=latest.number)  # fmt: skip
    return latest


def set_input(question_set: QuestionSet) -> QuestionSetIn:
    """A version as input again: what the editor starts from."""
    return QuestionSetIn(
        title=question_set.title, levels=list(question_set.levels), role=question_set.role_slug,
        clauses=[{"clause": c.clause, "weight": c.weight, "description": c.description,
                  "questions": [q.text for q in c.questions],
                  "skills": [{"uri": s.skill.uri, "level": s.level} for s in c.skills]}
                 for c in question_set.clauses],
    )  # fmt: skip


# --- assessments -----------------------------------------------------------------------------------


def _facts(assessment: Assessment) -> dict[str, Any]:
    return {"organisation_id": assessment.organisation_id}


def managed_ids(actor: Principal) -> list[int]:
    """The organisations the actor manages."""
    return sorted(
        g.organisation_id for g in actor.grants if g.role == Role.ORGANISATION_MANAGER and g.organisation_id
    )


def organisations_for(*, db: Session, actor: Principal) -> list[Organisation]:
    """The organisations the actor may assess: every member for the office, else the ones they manage."""
    query = select(Organisation).order_by(Organisation.name)
    if actor.is_system or actor.has(Role.ALLIANCE_OFFICE):
        return list(db.scalars(query))
    return list(db.scalars(query.where(Organisation.id.in_(managed_ids(actor)))))


def get_assessment(*, db: Session, actor: Principal, assessment_id: int) -> Assessment:
    """The assessment, for its organisation's managers and the office; NotFound or PermissionDenied otherwise."""
    found = db.scalar(
        select(Assessment)
        .where(Assessment.id == assessment_id)
        .options(selectinload(Assessment.answers), selectinload(Assessment.results))
    )
    if found is None:
        raise NotFound(f"no assessment {assessment_id}", field="assessment")
    authorize(actor, "innovation.assessment.read", **_facts(found))
    return found


def list_assessments(
    *, db: Session, actor: Principal, organisation: str | None = None
) -> list[AssessmentSummary]:
    """The assessments the actor may read, newest first: the office sees all, a manager their organisations'."""
    authorize(actor, "innovation.assessment.open")
    query = select(Assessment).options(
        selectinload(Assessment.organisation), selectinload(Assessment.question_set)
    )
    if organisation is not None:
        org = alliance_service.get_organisation(db=db, slug=organisation)
        authorize(actor, "innovation.assessment.read", organisation_id=org.id)
        query = query.where(Assessment.organisation_id == org.id)
    elif not (actor.is_system or actor.has(Role.ALLIANCE_OFFICE)):
        query = query.where(Assessment.organisation_id.in_(managed_ids(actor)))
    found = db.scalars(query.order_by(Assessment.started_at.desc(), Assessment.id.desc()))
    return [summary(a) for a in found]


def summary(a: Assessment) -> AssessmentSummary:
    return AssessmentSummary(
        id=a.id, organisation=a.organisation.slug, organisation_name=a.organisation.name,
        version=a.question_set.number, state=a.state, sector=a.sector, size=a.size, started_at=a.started_at,
        completed_at=a.completed_at, overall=a.overall,
    )  # fmt: skip


def open_assessment(db: Session, organisation_id: int) -> Assessment | None:
    return db.scalar(
        select(Assessment).where(
            Assessment.organisation_id == organisation_id, Assessment.state == AssessmentState.IN_PROGRESS
        )
    )


def start(*, db: Session, actor: Principal, data: AssessmentStart, now: dt.datetime) -> Assessment:
    """A new assessment of the organisation against the newest published question set (one open at a time)."""
    org = alliance_service.get_organisation(db=db, slug=data.organisation)
    authorize(actor, "innovation.assessment.start", organisation_id=org.id)
    question_set = current_set(db)
    if question_set is None:
        raise Conflict("the alliance has not published a question set yet", field="version")
    if (running := open_assessment(db, org.id)) is not None:
        raise Conflict(
            f"{org.name} has an assessment in progress (started {running.started_at:%d %b %Y}): finish it first",
            field="organisation",
        )
    assessment = Assessment(
        organisation_id=org.id, set_id=question_set.id, sector=data.sector, size=data.size,
        started_by_id=actor.user_id, started_at=now,
    )  # fmt: skip
    db.add(assessment)
    db.flush()
    audit.record(db=db, actor=actor, action="innovation.assessment.start", object_type="innovation_assessment",
                 object_id=assessment.id, details={"organisation": org.slug})  # fmt: skip
    return assessment


def _questions(db: Session, assessment: Assessment) -> dict[int, Question]:
    return {
        q.id: q
        for q in db.scalars(
            select(Question)
            .join(SetClause, SetClause.id == Question.clause_id)
            .where(SetClause.set_id == assessment.set_id)
        )
    }


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    content: bytes


def _check_file(upload: EvidenceFile) -> tuple[str, str]:
    """(name, content type) of an acceptable evidence file; refuses a large or an unknown kind of file."""
    name = upload.name.replace("\\", "/").rsplit("/", 1)[-1][:200] or "evidence"
    if len(upload.content) > MAX_EVIDENCE_BYTES:
        raise TooLarge(
            f"the evidence file {name} is larger than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB", field="file"
        )
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in EVIDENCE_TYPES:
        kinds = ", ".join(sorted(s.lstrip(".").upper() for s in EVIDENCE_TYPES))
        raise InvalidInput(f"the evidence file must be one of {kinds}", field="file")
    return name, EVIDENCE_TYPES[suffix]


def save_answers(
    *,
    db: Session,
    actor: Principal,
    assessment_id: int,
    answers: list[AnswerIn],
    files: dict[int, EvidenceFile] | None = None,
    remove_files: set[int] | None = None,
) -> Assessment:
    """Records answers (a level and evidence per question) while the assessment is in progress."""
    assessment = get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    authorize(actor, "innovation.assessment.answer", **_facts(assessment))
    if assessment.state != AssessmentState.IN_PROGRESS:
        raise Conflict("the assessment is completed: its answers no longer change", field="assessment")
    questions = _questions(db, assessment)
    top = len(assessment.question_set.levels) - 1
    by_question = {a.question_id: a for a in assessment.answers}
    files = files or {}
    for item in answers:
        if item.question_id not in questions:
            raise InvalidInput(f"question {item.question_id} is not part of this assessment", field="answers")
        if item.level > top:
            raise InvalidInput(f"the maturity level is 0 to {top}", field="answers")
        answer = by_question.get(item.question_id)
        if answer is None:
            answer = Answer(question_id=item.question_id, level=item.level)
            assessment.answers.append(answer)
            by_question[item.question_id] = answer
        answer.level, answer.evidence_text, answer.evidence_url = (
            item.level,
            item.evidence_text,
            item.evidence_url,
        )
        if item.question_id in (remove_files or set()):
            answer.file_name = answer.file_type = answer.file_data = None
    for question_id, upload in files.items():
        answer = by_question.get(question_id)
        if answer is None:
            raise InvalidInput(
                "give the maturity level of a question before adding its evidence file", field="file"
            )
        answer.file_name, answer.file_type = _check_file(upload)
        answer.file_data = upload.content
    db.flush()
    return assessment


def evidence_file(*, db: Session, actor: Principal, assessment_id: int, question_id: int) -> Answer:
    """The answer holding an evidence file, for those who may read the assessment."""
    assessment = get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    answer = next((a for a in assessment.answers if a.question_id == question_id), None)
    if answer is None or answer.file_data is None:
        raise NotFound("no evidence file for this question", field="question")
    return answer


def assessment_read(*, db: Session, assessment: Assessment) -> AssessmentRead:
    levels = list(assessment.question_set.levels)
    by_question = {a.question_id: a for a in assessment.answers}
    clauses, answered, total = [], 0, 0
    for c in assessment.question_set.clauses:
        rows = []
        for q in c.questions:
            a = by_question.get(q.id)
            rows.append(AnswerRead(
                question_id=q.id, position=q.position, text=q.text, level=a.level if a else None,
                level_name=levels[a.level] if a and a.level < len(levels) else None,
                evidence_text=a.evidence_text if a else "", evidence_url=a.evidence_url if a else None,
                file_name=a.file_name if a else None,
            ))  # fmt: skip
        done = sum(1 for r in rows if r.level is not None)
        answered, total = answered + done, total + len(rows)
        clauses.append(AssessmentClauseRead(clause=c.clause, number=c.clause.number, title=c.clause.title,
                                            weight=c.weight, answered=done, questions=rows))  # fmt: skip
    return AssessmentRead(**summary(assessment).model_dump(), levels=levels, answered=answered, total=total,
                          clauses=clauses)  # fmt: skip


def _scores(db: Session, assessment: Assessment) -> tuple[dict[Clause, float], dict[Clause, float]]:
    """Each clause's score from the answers, and its weight."""
    top = len(assessment.question_set.levels) - 1
    by_question = {a.question_id: a.level for a in assessment.answers}
    scores, weights = {}, {}
    for c in assessment.question_set.clauses:
        scores[c.clause] = clause_score([by_question[q.id] for q in c.questions if q.id in by_question], top)
        weights[c.clause] = c.weight
    return scores, weights


def complete(*, db: Session, actor: Principal, assessment_id: int, now: dt.datetime) -> Assessment:
    """Completes the assessment once every question is answered, and keeps its scores."""
    assessment = get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    authorize(actor, "innovation.assessment.answer", **_facts(assessment))
    if assessment.state != AssessmentState.IN_PROGRESS:
        raise Conflict("the assessment is completed already", field="assessment")
    read = assessment_read(db=db, assessment=assessment)
    if read.answered < read.total:
        missing = [f"{c.number} {c.title}" for c in read.clauses if c.answered < len(c.questions)]
        raise InvalidInput(
            f"{read.total - read.answered} of {read.total} questions are not answered yet "
            f"(clauses {', '.join(missing)})",
            field="answers",
        )
    scores, weights = _scores(db, assessment)
    assessment.results = [ClauseResult(clause=c, score=s, weight=weights[c]) for c, s in scores.items()]
    assessment.overall = overall_score(scores, weights)
    assessment.state, assessment.completed_at = AssessmentState.COMPLETED, now
    db.flush()
    audit.record(db=db, actor=actor, action="innovation.assessment.complete", object_type="innovation_assessment",
                 object_id=assessment.id, details={"overall": assessment.overall})  # fmt: skip
    return assessment


def _completed_of(db: Session, organisation_id: int) -> list[Assessment]:
    return list(db.scalars(
        select(Assessment)
        .where(Assessment.organisation_id == organisation_id, Assessment.state == AssessmentState.COMPLETED)
        .options(selectinload(Assessment.results), selectinload(Assessment.question_set))
        .order_by(Assessment.completed_at, Assessment.id)
    ))  # fmt: skip


def _point(a: Assessment) -> HistoryPoint:
    assert a.completed_at is not None and a.overall is not None
    return HistoryPoint(
        id=a.id, version=a.question_set.number, completed_at=a.completed_at, overall=a.overall
    )


def results(*, db: Session, actor: Principal, assessment_id: int) -> ResultsRead:
    """Scores per clause and overall, strengths and gaps, and the change since the organisation's previous one."""
    assessment = get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    if assessment.state != AssessmentState.COMPLETED or assessment.overall is None:
        raise Conflict("the assessment is not completed yet: its results come when every question is answered",
                       field="assessment")  # fmt: skip
    history = _completed_of(db, assessment.organisation_id)
    index = next(i for i, a in enumerate(history) if a.id == assessment.id)
    previous = history[index - 1] if index > 0 else None
    before = {r.clause: r.score for r in previous.results} if previous else {}
    scores = {r.clause: r.score for r in assessment.results}
    rows = [
        ClauseScore(clause=r.clause, number=r.clause.number, title=r.clause.title, weight=r.weight, score=r.score,
                    previous=before.get(r.clause),
                    change=round(r.score - before[r.clause], 1) if r.clause in before else None)
        for r in sorted(assessment.results, key=lambda r: r.clause.number)
    ]  # fmt: skip
    strengths, gaps = strengths_and_gaps(scores)
    return ResultsRead(
        assessment=summary(assessment), overall=assessment.overall, clauses=rows, strengths=strengths, gaps=gaps,
        previous=_point(previous) if previous else None,
        overall_change=round(assessment.overall - previous.overall, 1) if previous and previous.overall is not None else None,
        history=[_point(a) for a in history],
    )  # fmt: skip


# --- benchmarks: aggregates of at least MIN_PEERS organisations ------------------------------------


def dimension_label(dimension: str, value: str) -> str:
    try:
        if dimension == "sector":
            return SECTOR_WORDS[Sector(value)]
        if dimension == "size":
            return SIZE_WORDS[Size(value)]
        if dimension == "type":
            words = {"education_training_provider": "education or training provider"}
            kind = OrganisationType(value).value
            return "Members: " + words.get(kind, kind.replace("_", " "))
    except ValueError:
        raise InvalidInput(f"no {DIMENSION_WORDS[dimension].lower()} {value!r}", field="value") from None
    if dimension == "country":
        return country_name(value.upper()) or value.upper()
    raise InvalidInput(f"peer groups are by {', '.join(DIMENSIONS)}", field="dimension")


def _peer_aggregate(
    db: Session, dimension: str, value: str, *, exclude_organisation: int | None = None
) -> BenchmarkRead:
    """The newest completed assessment of each organisation in the group; numbers only from MIN_PEERS up."""
    label = dimension_label(dimension, value)
    newest = (
        select(Assessment.organisation_id, func.max(Assessment.completed_at).label("at"))
        .where(Assessment.state == AssessmentState.COMPLETED)
        .group_by(Assessment.organisation_id)
        .subquery()
    )
    peers = (
        select(Assessment.id, Assessment.organisation_id, Assessment.overall)
        .join(
            newest,
            (newest.c.organisation_id == Assessment.organisation_id)
            & (newest.c.at == Assessment.completed_at),
        )
        .where(Assessment.state == AssessmentState.COMPLETED)
    )
    if dimension in ("country", "type"):
        peers = peers.join(Organisation, Organisation.id == Assessment.organisation_id)
        column = Organisation.country if dimension == "country" else Organisation.type
        peers = peers.where(column == (value.upper() if dimension == "country" else value))
    else:
        peers = peers.where((Assessment.sector if dimension == "sector" else Assessment.size) == value)
    if exclude_organisation is not None:
        peers = peers.where(Assessment.organisation_id != exclude_organisation)
    rows = list({r.organisation_id: r for r in db.execute(peers.order_by(Assessment.id))}.values())
    empty = BenchmarkRead(dimension=dimension, value=value, label=label, minimum=MIN_PEERS, enough=False)
    if len(rows) < MIN_PEERS:
        return empty
    ids = [r.id for r in rows]
    means = db.execute(
        select(ClauseResult.clause, func.avg(ClauseResult.score), func.count(func.distinct(ClauseResult.assessment_id)))
        .where(ClauseResult.assessment_id.in_(ids))
        .group_by(ClauseResult.clause)
    ).all()  # fmt: skip
    return BenchmarkRead(
        dimension=dimension, value=value, label=label, minimum=MIN_PEERS, enough=True, organisations=len(rows),
        overall=round(sum(float(r.overall or 0) for r in rows) / len(rows), 1),
        clauses={Clause(c): round(float(mean), 1) for c, mean, n in means if n >= MIN_PEERS},
    )  # fmt: skip


def benchmark(*, db: Session, actor: Principal, dimension: str, value: str) -> BenchmarkRead:
    """A peer group's aggregate, for any logged-in user: never one organisation's answers."""
    authorize(actor, "innovation.benchmark.read")
    if dimension not in DIMENSIONS:
        raise InvalidInput(f"peer groups are by {', '.join(DIMENSIONS)}", field="dimension")
    return _peer_aggregate(db, dimension, value)


def peer_groups(assessment: Assessment) -> list[Dimension]:
    org = assessment.organisation
    values = {"sector": assessment.sector.value, "size": assessment.size.value, "country": org.country,
              "type": org.type.value}  # fmt: skip
    return [Dimension(dimension=d, value=values[d], label=dimension_label(d, values[d])) for d in DIMENSIONS]


def benchmarks_for(*, db: Session, actor: Principal, assessment_id: int) -> list[BenchmarkRead]:
    """The assessment's four peer groups (its sector, size, country and member type), the organisation left out."""
    assessment = get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    return [
        _peer_aggregate(db, g.dimension, g.value, exclude_organisation=assessment.organisation_id)
        for g in peer_groups(assessment)
    ]


# --- from gaps to people ---------------------------------------------------------------------------


def expert_link(organisation: str, title: str, description: str, skills: list[tuple[str, str]]) -> str:
    """The expertise request form, prefilled: organisation, title, description and the skills with their levels."""
    query: list[tuple[str, str]] = [
        ("organisation", organisation),
        ("title", title),
        ("description", description),
    ]
    for uri, level in skills:
        query += [("skills.uri", uri), ("skills.level", level)]
    return "/experts/requests/new?" + urllib.parse.urlencode(query)


def suggestions(*, db: Session, actor: Principal, assessment_id: int) -> SuggestionsRead:
    """The gap clauses' skills of the innovation agent role, with the organisation's workers lacking each (the
    learning package's workforce gap, which obeys the workers' consent) and the cheapest set of courses teaching
    them (its training paths); plus a link to ask for an expert in those skills."""
    from skillatlas.learning import path as paths
    from skillatlas.learning import service as learning_service
    from skillatlas.learning.schemas import PathPreferences
    from skillatlas.learning.workforce import workforce_gap

    read = results(db=db, actor=actor, assessment_id=assessment_id)
    assessment = get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    org = assessment.organisation
    role = assessment.question_set.role_slug
    clauses = {c.clause: c for c in assessment.question_set.clauses}
    scores = {c.clause: c.score for c in read.clauses}
    workforce = None
    try:
        workforce = workforce_gap(db=db, actor=actor, organisation=org.slug, role=role)
        role_found = True
    except NotFound:
        role_found = False
    except PermissionDenied:
        role_found = (
            True  # the role is there; this reader may not see the workforce (cannot happen for readers)
        )
    demand = {d.uri: d for d in workforce.demand} if workforce else {}
    gaps, needed, labels, asked = [], {}, {}, []
    for clause in read.gaps:
        skills = []
        for s in sorted(clauses[clause].skills, key=lambda s: s.skill.preferred_label):
            d = demand.get(s.skill.uri)
            skills.append(SkillSuggestion(uri=s.skill.uri, label=s.skill.preferred_label, level=s.level,
                                          workers_with_gap=d.workers_with_gap if d else None,
                                          course=d.course if d else None))  # fmt: skip
            needed[s.skill_id] = max(needed.get(s.skill_id, 0), s.level.rank)
            labels[s.skill_id] = s.skill.preferred_label
            if s.skill.uri not in [u for u, _ in asked]:
                asked.append((s.skill.uri, s.level.value))
        gaps.append(GapSuggestion(clause=clause, title=clause.title, score=scores[clause], skills=skills))
    courses: list[CourseSuggestion] = []
    uncovered: list[str] = []
    if needed:
        options = learning_service.path_options(db, needed, PathPreferences())
        found = paths.optimal_path(needed, options)
        from skillatlas.learning.models import Course

        by_id = {c.id: c for c in db.scalars(
            select(Course).where(Course.id.in_(found.courses)).options(selectinload(Course.provider)))}  # fmt: skip
        covers = {o.course_id: o.covers for o in options}
        for cid in found.courses:
            c = by_id[cid]
            closes = sorted(labels[s] for s in covers.get(cid, ()) if s in labels)
            courses.append(CourseSuggestion(id=c.id, code=c.code, title=c.title, provider=c.provider.name,
                                            price_eur=c.price_eur, hours=c.hours,
                                            why=("teaches " + ", ".join(closes)) if closes else "a prerequisite"))  # fmt: skip
        uncovered = sorted(labels[s] for s in found.uncovered)
    link = None
    if gaps:
        titles = ", ".join(g.title.lower() for g in gaps)
        description = (
            f"Our innovation self-assessment ({read.assessment.completed_at:%d %b %Y}) found gaps in {titles} "
            f"(ISO 56002). We look for an innovation expert to help us close them."
        )
        link = expert_link(org.slug, "Innovation management support", description, asked)
    role_title = None
    if role_found:
        from skillatlas.roles import service as roles_service

        role_title = roles_service.get_version(db=db, actor=actor, slug=role).title
    return SuggestionsRead(
        role=role, role_found=role_found, role_title=role_title, workers=workforce.workers if workforce else 0,
        not_sharing=workforce.not_sharing if workforce else 0, gaps=gaps, courses=courses, uncovered=uncovered,
        expert_link=link,
    )  # fmt: skip


# --- export and import (JSON) ----------------------------------------------------------------------

FORMAT = "skillatlas.innovation.assessment/1"


def export_assessment(*, db: Session, actor: Principal, assessment_id: int) -> dict[str, Any]:
    """The assessment as JSON: its organisation, version, profile and every answer (evidence files by name only)."""
    assessment = get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    read = assessment_read(db=db, assessment=assessment)
    return {
        "format": FORMAT,
        "organisation": read.organisation,
        "version": read.version,
        "sector": read.sector.value,
        "size": read.size.value,
        "state": read.state.value,
        "started_at": read.started_at.isoformat(),
        "completed_at": read.completed_at.isoformat() if read.completed_at else None,
        "answers": [
            {"clause": c.clause.value, "position": q.position, "question": q.text, "level": q.level,
             "evidence_text": q.evidence_text, "evidence_url": q.evidence_url, "evidence_file": q.file_name}
            for c in read.clauses for q in c.questions if q.level is not None
        ],
    }  # fmt: skip


def import_assessment(*, db: Session, actor: Principal, data: dict[str, Any], now: dt.datetime) -> Assessment:
    """An exported assessment again (another platform's, or a backup): tied to the same version, which must
    hold the same questions; completed ones are completed again, so their scores are computed here."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidInput(f"this is not an exported assessment (format {FORMAT})", field="file")
    org = alliance_service.get_organisation(db=db, slug=str(data.get("organisation", "")))
    authorize(actor, "innovation.assessment.import", organisation_id=org.id)
    question_set = db.scalar(select(QuestionSet).where(QuestionSet.number == data.get("version"),
                                                       QuestionSet.state == SetState.PUBLISHED))  # fmt: skip
    if question_set is None:
        raise InvalidInput(
            f"no published version {data.get('version')!r} of the question set", field="version"
        )
    if open_assessment(db, org.id) is not None and data.get("state") != AssessmentState.COMPLETED.value:
        raise Conflict(f"{org.name} has an assessment in progress already", field="organisation")
    try:
        started = dt.datetime.fromisoformat(data["started_at"])
        completed = dt.datetime.fromisoformat(data["completed_at"]) if data.get("completed_at") else None
        assessment = Assessment(organisation_id=org.id, set_id=question_set.id, sector=Sector(data["sector"]),
                                size=Size(data["size"]), started_by_id=actor.user_id, started_at=started)  # fmt: skip
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidInput(f"the export is incomplete or wrong: {exc}", field="file") from None
    db.add(assessment)
    db.flush()
    questions = {(c.clause.value, q.position): q for c in question_set.clauses for q in c.questions}
    answers = []
    items = data.get("answers") or []
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InvalidInput("the export's answers must be a list of answers", field="answers")
    for item in items:
        q = questions.get((item.get("clause"), item.get("position")))
        if q is None or q.text != item.get("question"):
            raise InvalidInput(
                f"question {item.get('position')} of clause {item.get('clause')} differs from version "
                f"{question_set.number} of the question set", field="answers")  # fmt: skip
        answers.append(parse_input(AnswerIn, {"question_id": q.id, "level": item.get("level"),
                                              "evidence_text": item.get("evidence_text") or "",
                                              "evidence_url": item.get("evidence_url")}))  # fmt: skip
    save_answers(db=db, actor=actor, assessment_id=assessment.id, answers=answers)
    if data.get("state") == AssessmentState.COMPLETED.value:
        complete(db=db, actor=actor, assessment_id=assessment.id, now=completed or now)
    audit.record(db=db, actor=actor, action="innovation.assessment.import", object_type="innovation_assessment",
                 object_id=assessment.id, details={"organisation": org.slug})  # fmt: skip
    return assessment


# --- the home inbox ---------------------------------------------------------------------------------


def in_progress_for(db: Session, actor: Principal) -> list[Assessment]:
    """The assessments in progress of the organisations the actor manages."""
    managed = managed_ids(actor)
    if not managed:
        return []
    return list(db.scalars(
        select(Assessment)
        .where(Assessment.organisation_id.in_(managed), Assessment.state == AssessmentState.IN_PROGRESS)
        .options(selectinload(Assessment.organisation))
        .order_by(Assessment.started_at)
        .limit(10)
    ))  # fmt: skip
