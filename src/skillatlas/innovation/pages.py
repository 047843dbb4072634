"""HTML pages of the innovation self-assessment: start, answer clause by clause, complete, results, the question set.

An organisation manager starts from /home (the menu's "Innovation self-assessment", and an inbox item while an
assessment is in progress). Each ISO 56002 clause is one step: its questions, a maturity level each (radio
buttons named by the scale), and evidence as text, a link or a file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from skillatlas.auth.permissions import Principal, allowed, authorize
from skillatlas.errors import FormErrors, InvalidInput, NotFound, SkillAtlasError
from skillatlas.innovation import report, service
from skillatlas.innovation.models import SECTOR_WORDS, SIZE_WORDS, AssessmentState, Clause
from skillatlas.innovation.radar import Series, radar_svg
from skillatlas.innovation.schemas import DEFAULT_LEVELS, AnswerIn, AssessmentStart, QuestionSetIn
from skillatlas.roles import service as roles_service
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.forms import form_again, form_values, picked_skills, skills_from_form
from skillatlas.web.home import InboxItem, register_inbox
from skillatlas.web.nav import add_nav, may
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)

SECTORS = [(s.value, w) for s, w in SECTOR_WORDS.items()]
SIZES = [(s.value, w) for s, w in SIZE_WORDS.items()]

add_nav("Innovation self-assessment", "/innovation", "Mine", may("innovation.assessment.open"), order=62)
add_nav(
    "Innovation question set", "/innovation/questions", "Office", may("innovation.questions.edit"), order=70
)


@register_inbox
def _in_progress(db: Session, actor: Principal, now: dt.datetime) -> list[InboxItem]:
    return [
        InboxItem(
            f"Innovation self-assessment of {a.organisation.name} in progress",
            f"/innovation/assessments/{a.id}",
            f"started {a.started_at:%d %b %Y} · answer the remaining questions and complete it",
        )
        for a in service.in_progress_for(db, actor)
    ]


def _start_context(db: Session, actor: Principal, values: dict[str, Any]) -> dict[str, Any]:
    organisations = service.organisations_for(db=db, actor=actor)
    return {
        "values": values,
        "organisations": [(o.slug, o.name) for o in organisations],
        "sectors": SECTORS,
        "sizes": SIZES,
        "assessments": service.list_assessments(db=db, actor=actor),
        "question_set": service.current_set(db),
        "sector_words": {s.value: w for s, w in SECTOR_WORDS.items()},
    }


@router.get("/innovation", response_class=HTMLResponse)
def landing(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The organisation's assessments over time and the form to start a new one."""
    authorize(actor, "innovation.assessment.open")
    organisations = service.organisations_for(db=db, actor=actor)
    values = {"organisation": organisations[0].slug} if len(organisations) == 1 else {}
    return templates.TemplateResponse(request, "innovation/index.html", _start_context(db, actor, values))


@router.post("/innovation/assessments", response_class=HTMLResponse, response_model=None)
async def start(request: Request, db: DB, actor: Actor, now: Now) -> HTMLResponse | RedirectResponse:
    """Starts an assessment, or shows the form again with what is wrong."""
    values = await form_values(request)
    try:
        data = parse_input(AssessmentStart, values)
        found = service.start(db=db, actor=actor, data=data, now=now)
    except SkillAtlasError as exc:
        return form_again(request, db, "innovation/index.html", exc, _start_context(db, actor, values))
    return RedirectResponse(f"/innovation/assessments/{found.id}", status_code=303)


def _clause_or_404(read: Any, clause: str) -> Any:
    found = next((c for c in read.clauses if c.clause.value == clause), None)
    if found is None:
        raise NotFound(f"no clause {clause!r}", field="clause")
    return found


@router.get("/innovation/assessments/{assessment_id}", response_class=HTMLResponse)
def overview(request: Request, db: DB, actor: Actor, assessment_id: int) -> HTMLResponse:
    """The assessment's steps: each clause with how many of its questions are answered, then completing it."""
    found = service.get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    read = service.assessment_read(db=db, assessment=found)
    return templates.TemplateResponse(
        request, "innovation/assessment.html",
        {"read": read, "sector_words": SECTOR_WORDS, "size_words": SIZE_WORDS, "error": None,
         "may_answer": allowed(actor, "innovation.assessment.answer", organisation_id=found.organisation_id)},
    )  # fmt: skip


def _clause_context(read: Any, clause: Any, values: dict[str, Any]) -> dict[str, Any]:
    keys = [c.clause.value for c in read.clauses]
    index = keys.index(clause.clause.value)
    return {
        "read": read,
        "clause": clause,
        "values": values,
        "step": index + 1,
        "steps": len(keys),
        "next_clause": keys[index + 1] if index + 1 < len(keys) else None,
        "previous_clause": keys[index - 1] if index > 0 else None,
        "max_mb": service.MAX_EVIDENCE_BYTES // (1024 * 1024),
        "kinds": ", ".join(sorted(s.lstrip(".").upper() for s in service.EVIDENCE_TYPES)),
    }


def _answer_values(clause: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for q in clause.questions:
        if q.level is not None:
            values[f"q{q.question_id}-level"] = str(q.level)
        values[f"q{q.question_id}-text"] = q.evidence_text
        values[f"q{q.question_id}-url"] = q.evidence_url or ""
    return values


@router.get("/innovation/assessments/{assessment_id}/clauses/{clause}", response_class=HTMLResponse)
def clause_form(request: Request, db: DB, actor: Actor, assessment_id: int, clause: str) -> HTMLResponse:
    """One step: the clause's questions with the maturity scale and the evidence fields."""
    found = service.get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    read = service.assessment_read(db=db, assessment=found)
    chosen = _clause_or_404(read, clause)
    return templates.TemplateResponse(
        request, "innovation/clause.html", _clause_context(read, chosen, _answer_values(chosen))
    )


@router.post(
    "/innovation/assessments/{assessment_id}/clauses/{clause}",
    response_class=HTMLResponse,
    response_model=None,
)
async def save_clause(
    request: Request, db: DB, actor: Actor, assessment_id: int, clause: str
) -> HTMLResponse | RedirectResponse:
    """Saves the clause's answers and evidence; then the next step (or the same one when asked to stay)."""
    form = await request.form()
    values = await form_values(request)
    found = service.get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    read = service.assessment_read(db=db, assessment=found)
    chosen = _clause_or_404(read, clause)
    answers, files, remove, errors = [], {}, set(), {}
    for q in chosen.questions:
        key = f"q{q.question_id}"
        level = values.get(f"{key}-level")
        text, url = values.get(f"{key}-text", ""), values.get(f"{key}-url")
        upload = form.get(f"{key}-file")
        has_file = isinstance(upload, UploadFile) and bool(upload.filename)
        if level is None:
            if text or url or has_file:
                errors[f"{key}-level"] = "Choose the maturity level before giving evidence."
            continue
        try:
            answers.append(parse_input(AnswerIn, {"question_id": q.question_id, "level": level,
                                                   "evidence_text": text, "evidence_url": url}))  # fmt: skip
        except FormErrors as exc:
            for name, message in exc.errors.items():
                field = {"level": "level", "evidence_text": "text", "evidence_url": "url"}.get(name, "level")
                errors[f"{key}-{field}"] = message
        if has_file:
            assert isinstance(upload, UploadFile)
            content = await upload.read(service.MAX_EVIDENCE_BYTES + 1)
            files[q.question_id] = service.EvidenceFile(upload.filename or "evidence", content)
        if values.get(f"{key}-remove"):
            remove.add(q.question_id)
    try:
        if errors:
            raise FormErrors(errors)
        service.save_answers(db=db, actor=actor, assessment_id=assessment_id, answers=answers, files=files,
                             remove_files=remove)  # fmt: skip
    except SkillAtlasError as exc:
        if not isinstance(exc, FormErrors) and exc.field == "file":
            qid = next(iter(files), None)
            exc = FormErrors({f"q{qid}-file": exc.message}) if qid else exc
        return form_again(request, db, "innovation/clause.html", exc, _clause_context(read, chosen, values))
    context = _clause_context(read, chosen, values)
    if values.get("then") == "next" and context["next_clause"]:
        return RedirectResponse(
            f"/innovation/assessments/{assessment_id}/clauses/{context['next_clause']}", status_code=303
        )
    if values.get("then") == "stay":
        return RedirectResponse(f"/innovation/assessments/{assessment_id}/clauses/{clause}", status_code=303)
    return RedirectResponse(f"/innovation/assessments/{assessment_id}", status_code=303)


@router.post(
    "/innovation/assessments/{assessment_id}/complete", response_class=HTMLResponse, response_model=None
)
def complete(
    request: Request, db: DB, actor: Actor, now: Now, assessment_id: int
) -> HTMLResponse | RedirectResponse:
    """Completes the assessment when every question is answered, then shows the results."""
    try:
        service.complete(db=db, actor=actor, assessment_id=assessment_id, now=now)
    except (InvalidInput, NotFound) as exc:
        db.rollback()
        found = service.get_assessment(db=db, actor=actor, assessment_id=assessment_id)
        read = service.assessment_read(db=db, assessment=found)
        return templates.TemplateResponse(
            request, "innovation/assessment.html",
            {"read": read, "sector_words": SECTOR_WORDS, "size_words": SIZE_WORDS, "error": exc.message,
             "may_answer": True}, status_code=422,
        )  # fmt: skip
    return RedirectResponse(f"/innovation/assessments/{assessment_id}/results", status_code=303)


@router.get(
    "/innovation/assessments/{assessment_id}/results", response_class=HTMLResponse, response_model=None
)
def results(request: Request, db: DB, actor: Actor, assessment_id: int) -> HTMLResponse | RedirectResponse:
    """The radar and the table of scores, strengths and gaps, the change over time, the peer groups, and training."""
    found = service.get_assessment(db=db, actor=actor, assessment_id=assessment_id)
    if found.state != AssessmentState.COMPLETED:
        return RedirectResponse(f"/innovation/assessments/{assessment_id}", status_code=303)
    read = service.results(db=db, actor=actor, assessment_id=assessment_id)
    benchmarks = service.benchmarks_for(db=db, actor=actor, assessment_id=assessment_id)
    suggestions = service.suggestions(db=db, actor=actor, assessment_id=assessment_id)
    axes = [c.clause.value for c in read.clauses]
    series = [Series(f"This assessment ({read.overall:.0f})", [c.score for c in read.clauses], "current")]
    if read.previous is not None:
        series.append(Series("Previous assessment", [c.previous or 0.0 for c in read.clauses], "previous"))
    peers = next((b for b in benchmarks if b.enough and b.clauses), None)
    if peers is not None and peers.clauses is not None:
        series.append(
            Series(f"Peers: {peers.label}", [peers.clauses.get(Clause(a), 0.0) for a in axes], "peers")
        )
    title = f"Innovation maturity of {read.assessment.organisation_name} per ISO 56002 clause (0 to 100)"
    return templates.TemplateResponse(
        request, "innovation/results.html",
        {"read": read, "benchmarks": benchmarks, "suggestions": suggestions, "radar": radar_svg(axes, series, title=title),
         "series": series, "peers": peers, "strength": service.STRENGTH, "gap": service.GAP,
         "minimum": service.MIN_PEERS},
    )  # fmt: skip


@router.get("/innovation/assessments/{assessment_id}/report")
def download_report(db: DB, actor: Actor, assessment_id: int, format: str = "pdf") -> Response:
    """The results as a JSON, CSV, XLSX or PDF file."""
    content, media_type, name = report.build(db=db, actor=actor, assessment_id=assessment_id, fmt=format)
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/innovation/assessments/{assessment_id}/evidence/{question_id}")
def evidence(db: DB, actor: Actor, assessment_id: int, question_id: int) -> Response:
    """An evidence file, for the organisation's managers and the office (always as a download)."""
    answer = service.evidence_file(db=db, actor=actor, assessment_id=assessment_id, question_id=question_id)
    safe = (answer.file_name or "evidence").replace('"', "")
    return Response(answer.file_data or b"", media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})  # fmt: skip


# --- the question set (the office) -----------------------------------------------------------------


@router.get("/innovation/questions", response_class=HTMLResponse)
def questions(request: Request, db: DB, actor: Actor, version: int | None = None) -> HTMLResponse:
    """A version of the question set: clauses, weights, questions, the maturity scale and the skills mapped."""
    try:
        found = service.get_set(db=db, actor=actor, number=version)
    except NotFound:
        found = None
    role_title = None
    if found is not None:
        try:
            role = roles_service.get_role(db=db, slug=found.role_slug)
            shown = roles_service.published(role)
            role_title = shown.title if shown else None
        except NotFound:
            role_title = None
    return templates.TemplateResponse(
        request, "innovation/questions.html",
        {"read": service.set_read(db=db, question_set=found) if found else None, "role_title": role_title,
         "versions": service.list_sets(db=db, actor=actor),
         "may_edit": allowed(actor, "innovation.questions.edit")},
    )  # fmt: skip


def _role_options(db: Session, actor: Principal) -> list[tuple[str, str]]:
    return [(r.slug, r.title) for r in roles_service.list_roles(db=db, actor=actor)]


def _editor_context(
    db: Session, actor: Principal, values: dict[str, Any], picked: dict[str, list]
) -> dict[str, Any]:
    return {"values": values, "clauses": list(Clause), "picked": picked, "roles": _role_options(db, actor)}


def _editor_values(data: QuestionSetIn | None) -> tuple[dict[str, Any], dict[str, list]]:
    if data is None:
        values: dict[str, Any] = {"title": "ASA innovation self-assessment", "levels": "\n".join(DEFAULT_LEVELS),
                                  "role": "innovation-agent"}  # fmt: skip
        return values | {f"{c.value}-weight": "1" for c in Clause}, {c.value: [] for c in Clause}
    values = {"title": data.title, "levels": "\n".join(data.levels), "role": data.role}
    picked: dict[str, list] = {}
    for c in data.clauses:
        values[f"{c.clause.value}-weight"] = f"{c.weight:g}"
        values[f"{c.clause.value}-description"] = c.description
        values[f"{c.clause.value}-questions"] = "\n".join(c.questions)
        picked[c.clause.value] = [{"uri": s.uri, "level": s.level.value} for s in c.skills]
    return values, picked


def _labelled(db: Session, picked: dict[str, list]) -> dict[str, list]:
    return {k: picked_skills(db, v) for k, v in picked.items()}


@router.get("/innovation/questions/edit", response_class=HTMLResponse)
def edit_questions(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The editor, filled with the newest version (saving a published one starts a new draft version)."""
    authorize(actor, "innovation.questions.edit")
    sets = service.list_sets(db=db, actor=actor)
    values, picked = _editor_values(service.set_input(sets[-1]) if sets else None)
    return templates.TemplateResponse(
        request, "innovation/questions_form.html", _editor_context(db, actor, values, _labelled(db, picked))
    )


@router.post("/innovation/questions", response_class=HTMLResponse, response_model=None)
async def save_questions(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Saves the draft (a new version when the newest is published), or shows the form again."""
    values = await form_values(request)
    picked = {c.value: skills_from_form(values, f"skills-{c.value}") for c in Clause}
    data = {
        "title": values.get("title", ""),
        "levels": [line for line in values.get("levels", "").splitlines() if line.strip()],
        "role": values.get("role", ""),
        "change_note": values.get("change_note", ""),
        "clauses": [
            {"clause": c.value, "weight": values.get(f"{c.value}-weight", "1"),
             "description": values.get(f"{c.value}-description", ""),
             "questions": [line for line in values.get(f"{c.value}-questions", "").splitlines() if line.strip()],
             "skills": picked[c.value]}
            for c in Clause
        ],
    }  # fmt: skip
    try:
        authorize(actor, "innovation.questions.edit")
        try:
            parsed = parse_input(QuestionSetIn, data)
        except FormErrors as exc:  # "clauses.2.questions" -> the field of that clause
            errors = {}
            for name, message in exc.errors.items():
                parts = name.split(".")
                if parts[0] == "clauses" and len(parts) > 2 and parts[1].isdigit():
                    errors[f"{list(Clause)[int(parts[1])].value}-{parts[2]}"] = message
                else:
                    errors[parts[0]] = message
            raise FormErrors(errors) from exc
        service.save_question_set(db=db, actor=actor, data=parsed)
    except SkillAtlasError as exc:
        return form_again(request, db, "innovation/questions_form.html", exc,
                          _editor_context(db, actor, values, _labelled(db, picked)))  # fmt: skip
    return RedirectResponse("/innovation/questions", status_code=303)


@router.post("/innovation/questions/publish", response_model=None)
def publish_questions(db: DB, actor: Actor, now: Now) -> RedirectResponse:
    """Publishes the draft: new assessments use it, started ones keep theirs."""
    found = service.publish_question_set(db=db, actor=actor, now=now)
    return RedirectResponse(f"/innovation/questions?version={found.number}", status_code=303)
