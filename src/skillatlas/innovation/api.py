"""REST API of the innovation self-assessment: the question set, assessments, answers, results, benchmarks, reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from skillatlas.innovation import report, service
from skillatlas.innovation.schemas import (
    AnswersIn,
    AssessmentRead,
    AssessmentStart,
    AssessmentSummary,
    BenchmarkRead,
    QuestionSetIn,
    QuestionSetRead,
    ResultsRead,
    SuggestionsRead,
)
from skillatlas.web.deps import DB, Actor, Now

router = APIRouter(prefix="/api/innovation", tags=["innovation"])


@router.get("/questions", response_model=QuestionSetRead)
def get_questions(
    db: DB, actor: Actor, version: Annotated[int | None, Query(ge=1)] = None
) -> QuestionSetRead:
    """A version of the question set (default: the newest published); the draft only for the office."""
    return service.set_read(db=db, question_set=service.get_set(db=db, actor=actor, number=version))


@router.put("/questions", response_model=QuestionSetRead)
def edit_questions(db: DB, actor: Actor, data: QuestionSetIn) -> QuestionSetRead:
    """Changes the draft, or starts a new version when the newest is published (the office)."""
    return service.set_read(db=db, question_set=service.save_question_set(db=db, actor=actor, data=data))


@router.post("/questions/publish", response_model=QuestionSetRead)
def publish_questions(db: DB, actor: Actor, now: Now) -> QuestionSetRead:
    """Publishes the draft; assessments already started keep the version they were started with."""
    return service.set_read(db=db, question_set=service.publish_question_set(db=db, actor=actor, now=now))


@router.get("/assessments", response_model=list[AssessmentSummary])
def list_assessments(db: DB, actor: Actor, organisation: str | None = None) -> list[AssessmentSummary]:
    """The assessments the caller may read: their organisations' (managers), all (the office)."""
    return service.list_assessments(db=db, actor=actor, organisation=organisation)


@router.post("/assessments", response_model=AssessmentRead, status_code=status.HTTP_201_CREATED)
def start(db: DB, actor: Actor, now: Now, data: AssessmentStart) -> AssessmentRead:
    """Starts an assessment of the organisation against the newest published question set."""
    found = service.start(db=db, actor=actor, data=data, now=now)
    return service.assessment_read(db=db, assessment=found)


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead)
def get_assessment(db: DB, actor: Actor, assessment_id: int) -> AssessmentRead:
    """The assessment with every question of its version and the answers given (its managers and the office)."""
    found = service.get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    return service.assessment_read(db=db, assessment=found)


@router.put("/assessments/{assessment_id}/answers", response_model=AssessmentRead)
def answer(db: DB, actor: Actor, assessment_id: int, data: AnswersIn) -> AssessmentRead:
    """Records maturity levels and evidence (text, link) while the assessment is in progress."""
    found = service.save_answers(db=db, actor=actor, assessment_id=assessment_id, answers=data.answers)
    return service.assessment_read(db=db, assessment=found)


@router.put("/assessments/{assessment_id}/answers/{question_id}/file", response_model=AssessmentRead)
async def upload_evidence(
    db: DB, actor: Actor, assessment_id: int, question_id: int, file: Annotated[UploadFile, File()]
) -> AssessmentRead:
    """Adds (or replaces) an answered question's evidence file: at most 2 MB, PDF, images, text or office files."""
    content = await file.read(service.MAX_EVIDENCE_BYTES + 1)
    found = service.save_answers(
        db=db, actor=actor, assessment_id=assessment_id, answers=[],
        files={question_id: service.EvidenceFile(file.filename or "evidence", content)},
    )  # fmt: skip
    return service.assessment_read(db=db, assessment=found)


@router.get("/assessments/{assessment_id}/answers/{question_id}/file", response_class=Response)
def download_evidence(db: DB, actor: Actor, assessment_id: int, question_id: int) -> Response:
    """An answer's evidence file (always as a download)."""
    answer = service.evidence_file(db=db, actor=actor, assessment_id=assessment_id, question_id=question_id)
    safe = (answer.file_name or "evidence").replace('"', "")
    return Response(answer.file_data or b"", media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})  # fmt: skip


@router.post("/assessments/{assessment_id}/complete", response_model=ResultsRead)
def complete(db: DB, actor: Actor, now: Now, assessment_id: int) -> ResultsRead:
    """Completes the assessment (every question answered) and answers with its results."""
    service.complete(db=db, actor=actor, assessment_id=assessment_id, now=now)
    return service.results(db=db, actor=actor, assessment_id=assessment_id)


@router.get("/assessments/{assessment_id}/results", response_model=ResultsRead)
def results(db: DB, actor: Actor, assessment_id: int) -> ResultsRead:
    """Scores per clause and overall, strengths, gaps and the change since the previous assessment."""
    return service.results(db=db, actor=actor, assessment_id=assessment_id)


@router.get("/assessments/{assessment_id}/benchmarks", response_model=list[BenchmarkRead])
def benchmarks(db: DB, actor: Actor, assessment_id: int) -> list[BenchmarkRead]:
    """The organisation's peer groups (sector, size, country, member type): aggregates of five or more only."""
    return service.benchmarks_for(db=db, actor=actor, assessment_id=assessment_id)


@router.get("/assessments/{assessment_id}/suggestions", response_model=SuggestionsRead)
def suggestions(db: DB, actor: Actor, assessment_id: int) -> SuggestionsRead:
    """The gaps' skills of the innovation agent role, the workers lacking them, courses and an expert request link."""
    return service.suggestions(db=db, actor=actor, assessment_id=assessment_id)


@router.get("/assessments/{assessment_id}/export")
def export(db: DB, actor: Actor, assessment_id: int) -> dict[str, Any]:
    """The assessment as JSON, for `skillatlas innovation import` (evidence files by name only)."""
    return service.export_assessment(db=db, actor=actor, assessment_id=assessment_id)


@router.get("/assessments/{assessment_id}/report", response_class=Response)
def get_report(
    db: DB,
    actor: Actor,
    assessment_id: int,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx|pdf)$")] = "json",
) -> Response:
    """The results as a report: JSON, CSV, XLSX or PDF."""
    content, media_type, name = report.build(db=db, actor=actor, assessment_id=assessment_id, fmt=format)
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/benchmark", response_model=BenchmarkRead)
def benchmark(
    db: DB,
    actor: Actor,
    dimension: Annotated[str, Query(pattern="^(sector|size|country|type)$")],
    value: Annotated[str, Query(min_length=1, max_length=40)],
) -> BenchmarkRead:
    """A peer group's mean scores, only when at least five organisations are in it (any logged-in user)."""
    return service.benchmark(db=db, actor=actor, dimension=dimension, value=value)
