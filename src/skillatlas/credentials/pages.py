"""Pages and documents of micro-credentials: /verify, certificates with a QR code, status lists, DID documents,
contexts; defining achievements, issuing (one, or to an event's attendees or a course's graduates), revoking
and suspending; a learner's own credentials with share link, downloads and a wallet QR code."""

from __future__ import annotations

import os
from typing import Any

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import Principal, authorize
from skillatlas.credentials import document, jsonld, service
from skillatlas.credentials.edc import pages as edc_pages
from skillatlas.credentials.edc.vocab import ISCED_F
from skillatlas.credentials.models import (
    Achievement,
    AssessmentType,
    AwardedFor,
    CredentialFormat,
    ParticipationForm,
)
from skillatlas.credentials.schemas import (
    AchievementCreate,
    AchievementUpdate,
    CourseIssueRequest,
    EventIssueRequest,
    IssueRequest,
    StatusReason,
)
from skillatlas.credentials.settings import PUBLIC_URL_ENV, issuing_for
from skillatlas.errors import Conflict, FormErrors, InvalidInput, NotAuthenticated, NotFound, SkillAtlasError
from skillatlas.jobs import service as jobs
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.forms import PICKER_SUFFIXES, form_again, form_values, picked_skills, skills_from_form
from skillatlas.web.nav import add_nav, has_role, logged_in
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)
router.include_router(edc_pages.router)  # European Digital Credentials: EDC download, seal certificates
MAX_UPLOAD = 2 * 1024 * 1024

add_nav("Achievements", "/achievements", "Skills", order=85)
add_nav("My credentials", "/my/credentials", "Mine", logged_in, order=35)
add_nav("Issue credentials", "/credentials/issue", "Office", has_role(Role.ALLIANCE_OFFICE), order=50)
add_nav(
    "Credentials to issue",
    "/credentials/issue",
    "Mine",
    lambda actor: actor.has(Role.ORGANISATION_MANAGER) and not actor.has(Role.ALLIANCE_OFFICE),
    order=62,
)


def _base(request: Request) -> str:
    return issuing_for(request.app.state.settings).base_url


def _public(request: Request) -> str:
    """The address people reach this platform at: SKILLATLAS_PUBLIC_URL, else the one this request came to."""
    return (os.environ.get(PUBLIC_URL_ENV) or str(request.base_url)).rstrip("/")


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for the URL."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return Markup(svg[svg.index("<svg") :])


def _words(value: str) -> str:
    text = value.replace("_", " ")
    return text[:1].upper() + text[1:]


EQF_LEVELS = [(str(level), f"EQF level {level}") for level in range(1, 9)]
ASSESSMENTS = [(a.value, _words(a.value)) for a in AssessmentType]
PARTICIPATION = [(p.value, _words(p.value)) for p in ParticipationForm]
LANGUAGES = [
    ("en", "English"), ("de", "German"), ("fr", "French"), ("es", "Spanish"), ("it", "Italian"),
    ("nl", "Dutch"), ("pt", "Portuguese"), ("pl", "Polish"), ("cs", "Czech"), ("sk", "Slovak"),
    ("ro", "Romanian"), ("hu", "Hungarian"), ("sv", "Swedish"), ("fi", "Finnish"), ("sl", "Slovenian"),
]  # fmt: skip


# --- achievements: defined and edited in the browser ----------------------------------------------


def _achievement_form(
    request: Request, db: DB, actor: Principal, achievement: Achievement | None
) -> dict[str, Any]:
    issuers = service.issuer_choices(db=db, actor=actor)
    events = service.linkable_events(db=db, actor=actor)
    linked = service.linked_event(db=db, achievement=achievement) if achievement else None
    if linked is not None and linked not in events:  # kept as it is by whoever may not change it
        events.insert(0, linked)
    return {
        "achievement": achievement,
        "action": f"/achievements/{achievement.slug}/edit" if achievement else "/achievements",
        "issuers": [(o.slug, o.name) for o in issuers],
        "events": [(e.slug, f"{e.name} ({e.starts_on:%d %b %Y})") for e in events],
        "eqf_levels": EQF_LEVELS,
        "assessments": ASSESSMENTS,
        "participation": PARTICIPATION,
        "languages": LANGUAGES,
        "isced_fields": [(code, f"{code} {label}") for code, label in ISCED_F.items()],
    }


def _achievement_values(db: DB, achievement: Achievement) -> dict[str, Any]:
    event = service.linked_event(db=db, achievement=achievement)
    values: dict[str, Any] = {
        "name": achievement.name,
        "issuer": achievement.issuer.slug,
        "description": achievement.description,
        "criteria": achievement.criteria,
        "learning_outcomes": "\n".join(achievement.learning_outcomes),
        "eqf_level": achievement.eqf_level,
        "hours": f"{achievement.hours:g}",
        "ects": "" if achievement.ects is None else f"{achievement.ects:g}",
        "assessment_type": achievement.assessment_type.value,
        "participation_form": achievement.participation_form.value,
        "quality_assurance": achievement.quality_assurance,
        "language": achievement.language,
        "valid_for_days": achievement.valid_for_days or "",
        "isced_f": achievement.isced_f or "",
        "awarded_for_ref": event.slug if event else "",
    }
    return values


def _achievement_data(values: dict[str, Any], existing: Achievement | None) -> dict[str, Any]:
    """The form's fields as the schema's: outcomes one per line, skills from the picker, the event link."""
    data = {k: v for k, v in values.items() if not k.endswith(PICKER_SUFFIXES)}
    outcomes = str(values.get("learning_outcomes", ""))
    data["learning_outcomes"] = [line.strip() for line in outcomes.splitlines() if line.strip()]
    data["skills"] = [s["uri"] for s in skills_from_form(values)]
    event = data.pop("awarded_for_ref", None)
    if event:
        data["awarded_for"], data["awarded_for_ref"] = AwardedFor.EVENT.value, event
    elif existing is not None and existing.awarded_for != AwardedFor.EVENT:
        data["awarded_for"], data["awarded_for_ref"] = existing.awarded_for.value, existing.awarded_for_ref
    if existing is not None:
        data["achievement_type"] = existing.achievement_type
    return data


def _friendlier(exc: SkillAtlasError) -> SkillAtlasError:
    """The service's messages in a form-filler's words (no URI on the page)."""
    if isinstance(exc, FormErrors) and "learning_outcomes" in exc.errors:
        errors = dict(exc.errors)
        errors["learning_outcomes"] = "Write at least one learning outcome, one per line."
        return FormErrors(errors)
    if isinstance(exc, InvalidInput) and not isinstance(exc, FormErrors) and exc.field == "skills":
        return FormErrors({"skills": "Choose the skills from the list: one of them is not in the taxonomy."})
    return exc


def _achievement_again(
    request: Request,
    db: DB,
    actor: Principal,
    exc: SkillAtlasError,
    values: dict[str, Any],
    existing: Achievement | None,
) -> HTMLResponse:
    selected = picked_skills(db, skills_from_form(values))
    context = {**_achievement_form(request, db, actor, existing), "values": values, "selected": selected}
    return form_again(request, db, "credentials/achievement_form.html", _friendlier(exc), context)


@router.get("/achievements", response_class=HTMLResponse)
def achievements(request: Request, db: DB) -> HTMLResponse:
    """What can be earned in the alliance."""
    return templates.TemplateResponse(
        request, "credentials/achievements.html", {"achievements": service.list_achievements(db=db)}
    )


@router.get("/achievements/new", response_class=HTMLResponse)
def new_achievement(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The form to define an achievement (the office, and managers for their own organisations)."""
    authorize(actor, "credentials.achievement.open_form")
    context = _achievement_form(request, db, actor, None)
    values: dict[str, Any] = {"language": "en"}
    if len(context["issuers"]) == 1:
        values["issuer"] = context["issuers"][0][0]
    return templates.TemplateResponse(
        request, "credentials/achievement_form.html", {**context, "values": values, "selected": []}
    )


@router.post("/achievements", response_class=HTMLResponse, response_model=None)
async def create_achievement(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Defines the achievement, or shows the form again with every mistake beside its field."""
    authorize(actor, "credentials.achievement.open_form")
    values = await form_values(request)
    try:
        data = parse_input(AchievementCreate, _achievement_data(values, None))
        created = service.create_achievement(db=db, actor=actor, data=data)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        return _achievement_again(request, db, actor, exc, values, None)
    return RedirectResponse(f"/achievements/{created.slug}", status_code=303)


@router.get("/achievements/{slug}", response_class=HTMLResponse)
def achievement(request: Request, db: DB, slug: str) -> HTMLResponse:
    """An achievement: what it stands for, the skills it aligns to, the event that awards it."""
    found = service.get_achievement(db=db, ref=slug)
    if found.slug != slug:  # only slugs name an achievement's page
        raise NotFound(f"no achievement {slug!r}", field="achievement")
    return templates.TemplateResponse(
        request,
        "credentials/achievement.html",
        {"a": found, "event": service.linked_event(db=db, achievement=found)},
    )


@router.get("/achievements/{slug}/edit", response_class=HTMLResponse)
def edit_achievement(request: Request, db: DB, actor: Actor, slug: str) -> HTMLResponse:
    """The achievement's form, filled in."""
    found = service.get_achievement(db=db, ref=slug)
    authorize(actor, "credentials.achievement.edit", organisation_id=found.issuer_id)
    selected = [{**s, "level": None} for s in found.skills]
    context = _achievement_form(request, db, actor, found)
    return templates.TemplateResponse(
        request,
        "credentials/achievement_form.html",
        {**context, "values": _achievement_values(db, found), "selected": selected},
    )


@router.post("/achievements/{slug}/edit", response_class=HTMLResponse, response_model=None)
async def update_achievement(
    request: Request, db: DB, actor: Actor, slug: str
) -> HTMLResponse | RedirectResponse:
    """Saves the changes, or shows the form again with every mistake beside its field."""
    found = service.get_achievement(db=db, ref=slug)
    authorize(actor, "credentials.achievement.edit", organisation_id=found.issuer_id)
    values = await form_values(request)
    try:
        data = parse_input(AchievementUpdate, _achievement_data(values, found))
        service.update_achievement(db=db, actor=actor, ref=found.id, data=data)
    except SkillAtlasError as exc:
        if exc.status_code in (401, 403):
            raise
        return _achievement_again(request, db, actor, exc, values, found)
    return RedirectResponse(f"/achievements/{found.slug}", status_code=303)


# --- issuing one credential: choose the achievement, find the recipient, preview, issue ------------


def _issue_context(db: DB, actor: Principal, values: dict[str, Any]) -> dict[str, Any]:
    authorize(actor, "credentials.issue.open_form")
    choices = service.issuable_achievements(db=db, actor=actor)
    results = None
    if values.get("achievement") and values.get("q"):
        results = service.find_recipients(
            db=db, actor=actor, achievement_ref=values["achievement"], query=values["q"]
        )
    return {
        "achievements": [(a.slug, f"{a.name} ({a.issuer.name})") for a in choices],
        "values": values,
        "results": results,
        "min_query": service.MIN_QUERY,
    }


@router.get("/credentials/issue", response_class=HTMLResponse)
def issue_form(
    request: Request, db: DB, actor: Actor, achievement: str | None = None, q: str | None = None
) -> HTMLResponse:
    """Choose the achievement and find the recipient by name or e-mail address."""
    values = {k: v.strip() for k, v in {"achievement": achievement, "q": q}.items() if v and v.strip()}
    return templates.TemplateResponse(request, "credentials/issue.html", _issue_context(db, actor, values))


@router.get("/credentials/issue/recipients", response_class=HTMLResponse)
def issue_recipients(
    request: Request, db: DB, actor: Actor, achievement: str | None = None, q: str = ""
) -> HTMLResponse:
    """The people matching what was typed, to choose one (the issue form asks while you type)."""
    authorize(actor, "credentials.issue.open_form")
    results = (
        service.find_recipients(db=db, actor=actor, achievement_ref=achievement, query=q)
        if achievement
        else None
    )
    return templates.TemplateResponse(
        request,
        "credentials/_recipients.html",
        {
            "results": results,
            "values": {"q": q.strip(), "achievement": achievement},
            "min_query": service.MIN_QUERY,
        },
    )


async def _chosen(request: Request, db: DB, actor: Principal) -> tuple[dict[str, Any], Any, Any]:
    """The form's achievement and recipient, each checked; FormErrors names what is missing."""
    authorize(actor, "credentials.issue.open_form")
    values = await form_values(request)
    errors = {}
    if not values.get("achievement"):
        errors["achievement"] = "Choose the achievement."
    person_id = values.get("person", "")
    if not str(person_id).isdigit():
        errors["person"] = "Type a name or e-mail address, then choose the recipient from the list."
    if errors:
        raise FormErrors(errors)
    found = service.get_achievement(db=db, ref=values["achievement"])
    authorize(actor, "credentials.issue", organisation_id=found.issuer_id)
    person = service.recipient(
        db=db, actor=actor, achievement_ref=found.id, person_id=int(person_id), query=values.get("q", "")
    )
    return values, found, person


@router.post("/credentials/issue/preview", response_class=HTMLResponse)
async def issue_preview(request: Request, db: DB, actor: Actor, now: Now) -> HTMLResponse:
    """What will be issued, to whom, before it is signed."""
    try:
        values, found, person = await _chosen(request, db, actor)
    except (InvalidInput, NotFound) as exc:
        values = await form_values(request)
        return form_again(request, db, "credentials/issue.html", exc, _issue_context(db, actor, values))
    held = service.holders(db=db, achievement_id=found.id, person_ids=[person.id])
    return templates.TemplateResponse(
        request,
        "credentials/issue_preview.html",
        {"values": values, "a": found, "person": person, "holds": bool(held), "now": now},
    )


@router.post("/credentials/issue", response_class=HTMLResponse, response_model=None)
async def issue(request: Request, db: DB, actor: Actor, now: Now) -> HTMLResponse | RedirectResponse:
    """Signs the credential and shows it."""
    try:
        values, found, person = await _chosen(request, db, actor)
    except (InvalidInput, NotFound) as exc:
        values = await form_values(request)
        return form_again(request, db, "credentials/issue.html", exc, _issue_context(db, actor, values))
    issuing = issuing_for(request.app.state.settings)
    data = IssueRequest(achievement=str(found.id), learner=person.id)
    issued = service.issue(db=db, actor=actor, data=data, issuing=issuing, now=now)
    return RedirectResponse(f"/credentials/{issued.uuid}?issued=1", status_code=303)


# --- issuing in bulk: everyone who attended an event, or passed a course ----------------------------


def _bulk_context(db: DB, actor: Principal, values: dict[str, Any]) -> dict[str, Any]:
    authorize(actor, "credentials.issue.open_form")
    choices = service.issuable_achievements(db=db, actor=actor)
    events = service.attendance_sources(db=db, actor=actor)
    courses = service.course_sources(db=db, actor=actor)
    return {
        "achievements": [(a.slug, f"{a.name} ({a.issuer.name})") for a in choices],
        "events": [(e.slug, f"{e.name} ({e.starts_on:%d %b %Y}): {n} attended") for e, n in events],
        "courses": [(str(c.id), f"{c.code} {c.title}: {n} passed") for c, n in courses],
        "values": values,
    }


@router.get("/credentials/issue-bulk", response_class=HTMLResponse)
def bulk_form(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """Issue to everyone marked attended at an event, or to everyone who passed a course."""
    return templates.TemplateResponse(request, "credentials/issue_bulk.html", _bulk_context(db, actor, {}))


def _bulk_request(values: dict[str, Any], dry_run: bool) -> EventIssueRequest | CourseIssueRequest:
    source = values.get("source")
    if source == "event":
        errors = {} if values.get("event") else {"event": "Choose the event."}
        if errors:
            raise FormErrors(errors)
        return parse_input(
            EventIssueRequest,
            {"event": values["event"], "achievement": values.get("achievement"), "dry_run": dry_run},
        )
    if source == "course":
        errors = {}
        if not values.get("course"):
            errors["course"] = "Choose the course."
        if not values.get("achievement"):
            errors["course_achievement"] = "Choose the achievement."
        if errors:
            raise FormErrors(errors)
        return parse_input(
            CourseIssueRequest,
            {"course": values["course"], "achievement": values["achievement"], "dry_run": dry_run},
        )
    raise InvalidInput("choose an event or a course", field="source")


def _run_bulk(request: Request, db: DB, actor: Principal, now: Any, data: Any) -> service.BulkOutcome:
    issuing = issuing_for(request.app.state.settings)
    if isinstance(data, EventIssueRequest):
        return service.issue_for_event(db=db, actor=actor, data=data, issuing=issuing, now=now)
    return service.issue_for_course(db=db, actor=actor, data=data, issuing=issuing, now=now)


def _bulk_field(exc: SkillAtlasError, values: dict[str, Any]) -> SkillAtlasError:
    """The course form's achievement select is named apart from the event form's."""
    if values.get("source") == "course" and exc.field == "achievement" and not isinstance(exc, FormErrors):
        return FormErrors({"course_achievement": exc.message.removeprefix("achievement: ")})
    return exc


async def _bulk_step(request: Request, db: DB, actor: Principal, now: Any, dry_run: bool) -> HTMLResponse:
    authorize(actor, "credentials.issue.open_form")
    values = await form_values(request)
    if values.get("source") == "course" and values.get("course_achievement"):
        values["achievement"] = values["course_achievement"]
    try:
        data = _bulk_request(values, dry_run)
        if not dry_run:
            # Who would receive it (the same checks, nothing signed): many go to the job worker.
            count = await run_in_threadpool(
                lambda: len(
                    _run_bulk(request, db, actor, now, data.model_copy(update={"dry_run": True})).recipients
                )
            )
            if count > jobs.INLINE_CREDENTIALS:
                job = jobs.submit(
                    db=db, actor=actor, kind="credentials.issue_bulk", title=f"Issue {count:,} credentials",
                    params={"source": values.get("source"), "request": data.model_dump(mode="json"),
                            "now": now.isoformat(), "total": count},
                    data_dir=request.app.state.settings.data_dir, total=count,
                )  # fmt: skip
                return RedirectResponse(f"/jobs/{job.id}", status_code=303)  # type: ignore[return-value]
        # Signing is CPU work: in the thread pool, never on the event loop.
        outcome = await run_in_threadpool(lambda: _run_bulk(request, db, actor, now, data))
    except (InvalidInput, NotFound) as exc:
        return form_again(
            request,
            db,
            "credentials/issue_bulk.html",
            _bulk_field(exc, values),
            _bulk_context(db, actor, values),
        )
    return templates.TemplateResponse(
        request,
        "credentials/bulk_result.html",
        {"outcome": outcome, "values": values},
        status_code=200 if dry_run else 201,
    )


@router.post("/credentials/issue-bulk/preview", response_class=HTMLResponse)
async def bulk_preview(request: Request, db: DB, actor: Actor, now: Now) -> HTMLResponse:
    """Who will receive the achievement and who is skipped (holds it already), before anything is signed."""
    return await _bulk_step(request, db, actor, now, dry_run=True)


@router.post("/credentials/issue-bulk", response_class=HTMLResponse)
async def bulk_issue(request: Request, db: DB, actor: Actor, now: Now) -> HTMLResponse:
    """Issues to all of them in one transaction and says how many were issued and who was skipped."""
    return await _bulk_step(request, db, actor, now, dry_run=False)


# --- a learner's own credentials ---------------------------------------------------------------------


@router.get("/my/credentials", response_class=HTMLResponse)
def my_credentials(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """My credentials: share link, JSON and PDF, and a QR code a wallet app scans to import one."""
    if actor.user_id is None:
        raise NotAuthenticated("please log in first")
    found = service.my_credentials(db=db, actor=actor)
    public = _public(request)
    rows = []
    for c in found:
        json_url = f"{public}/api/credentials/issued/{c.uuid}/download"
        rows.append(
            {
                "c": c,
                "state": service.credential_state(c),
                "share": f"{public}/credentials/{c.uuid}",
                "json_url": json_url,
                "wallet_qr": qr_svg(json_url),
            }
        )
    shows_name = actor.person_id is not None and service.shows_name(db=db, person_id=actor.person_id)
    return templates.TemplateResponse(
        request,
        "credentials/my.html",
        {"rows": rows, "shows_name": shows_name, "saved": request.query_params.get("saved") == "name"},
    )


@router.post("/my/credentials/name", response_model=None)
async def my_name_choice(request: Request, db: DB, actor: Actor, now: Now) -> RedirectResponse:
    """The learner's choice: their name in plain words in the credentials they receive from now on, or only
    as a salted hash."""
    if actor.user_id is None:
        raise NotAuthenticated("please log in first")
    values = await form_values(request)
    service.set_name_choice(
        db=db, actor=actor, person_id=actor.person_id or 0, show=values.get("show_name") == "yes", now=now
    )
    return RedirectResponse("/my/credentials?saved=name", status_code=303)


@router.get("/credentials/status/{path}/{purpose}")
def status_list(db: DB, path: str, purpose: str) -> JSONResponse:
    """The issuer's signed BitstringStatusListCredential (revocation or suspension)."""
    return JSONResponse(
        service.status_list_document(db=db, path=path, purpose=purpose),
        headers={"Cache-Control": "public, max-age=300"},
    )


@router.get("/credentials/issuers/{organisation}/did.json")
def did_document(db: DB, organisation: str) -> JSONResponse:
    """The did:web document of did:web:<domain>:credentials:issuers:<organisation>."""
    return JSONResponse(service.did_document_for(db=db, organisation=organisation))


@router.get("/credentials/contexts/{name}")
def context(name: str) -> Response:
    """A JSON-LD context shipped with SkillAtlas (the EU micro-credential extension among them)."""
    try:
        text = jsonld.context_text(name)
    except jsonld.UnknownContext as exc:
        raise NotFound(f"no context {name!r}", field="name") from exc
    return Response(text, media_type="application/ld+json")


@router.get(jsonld.EXTENSION_PATH)
def extension_context(actor: Actor) -> Response:
    """The EU micro-credential extension context that every credential of this server names and pins with
    its digest: public, for any verifier (also a browser on another site) to fetch."""
    authorize(actor, "credentials.contexts.read")
    return Response(
        jsonld.extension_bytes(),
        media_type="application/ld+json",
        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=86400"},
    )


def _verify_page(request: Request, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "credentials/verify.html", context, status_code=status_code)


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, db: DB, now: Now, credential: str | None = None) -> HTMLResponse:
    """Paste or upload a credential; `?credential=<id>` verifies one issued here (the QR codes point here)."""
    if not credential:
        return _verify_page(request, {"report": None, "text": ""})
    issued = service.get_issued(db=db, credential_id=credential)
    if service.withdrawn(db, issued):  # the holder's data was erased: nothing of the document is shown
        return _verify_page(request, {"report": None, "text": "", "issued": issued, "state": "revoked",
                                      "withdrawn": service.WITHDRAWN})  # fmt: skip
    report = service.verify(db=db, data=issued.document, base_url=_base(request), now=now)
    return _verify_page(
        request,
        {
            "report": report,
            "text": issued.document,
            "issued": issued,
            "state": service.credential_state(issued),
        },
    )


@router.post("/verify", response_class=HTMLResponse)
async def verify(request: Request, db: DB, now: Now) -> HTMLResponse:
    """Shows valid or not valid, and why, check by check."""
    form = await request.form()
    upload = form.get("file")
    text = form.get("credential")
    data: bytes | str = ""
    if upload is not None and not isinstance(upload, str) and upload.filename:
        data = await upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            error = InvalidInput("the file is larger than 2 MiB", field="file")
            return _verify_page(request, {"report": None, "text": "", "error": error.message}, 422)
    elif isinstance(text, str) and text.strip():
        data = text
    else:
        return _verify_page(
            request, {"report": None, "text": "", "error": "paste a credential or choose a file"}, 422
        )
    shown = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    try:  # off the event loop; the JSON-LD work runs in a worker within limits.VERIFY_BUDGET_S (issue 18)
        report = await run_in_threadpool(service.verify, db=db, data=data, base_url=_base(request), now=now)
    except SkillAtlasError as exc:  # a limit passed: the message names it
        if exc.status_code < 413:
            raise
        return _verify_page(request, {"report": None, "text": "", "error": exc.message}, exc.status_code)
    return _verify_page(request, {"report": report, "text": shown})


def _certificate_context(request: Request, db: DB, now: Any, credential_id: str) -> dict[str, Any]:
    issued = service.get_issued(db=db, credential_id=credential_id)
    payload = service.credential_payload(issued)
    verify_url = f"{_base(request)}/verify?credential={issued.uuid}"
    report = service.verify(db=db, data=issued.document, base_url=_base(request), now=now)
    return {
        "issued": issued,
        "credential": payload,
        "learner": service.public_learner(payload),  # None: a hashed name, not shown
        "achievement": payload["credentialSubject"]["achievement"],
        "eu": document.eu_elements(payload["credentialSubject"]["achievement"]),
        "issuer": payload["issuer"],
        "verify_url": verify_url,
        "qr": qr_svg(verify_url),
        "report": report,
        "state": service.credential_state(issued),
        "jwt": issued.format == CredentialFormat.JWT,
        "just_issued": request.query_params.get("issued") == "1",
        "values": {},
    }


@router.get("/credentials/{credential_id}", response_class=HTMLResponse)
def certificate(request: Request, db: DB, now: Now, credential_id: str) -> HTMLResponse:
    """The human-readable certificate with a QR code that leads to its verification."""
    if credential_id.endswith(".pdf"):
        return certificate_pdf(request, db, now, credential_id.removesuffix(".pdf"))  # type: ignore[return-value]
    if (gone := _withdrawn_page(request, db, credential_id)) is not None:
        return gone
    return templates.TemplateResponse(
        request, "credentials/certificate.html", _certificate_context(request, db, now, credential_id)
    )


def _status_route(action: str) -> Any:
    async def change(
        request: Request, db: DB, actor: Actor, now: Now, credential_id: str
    ) -> HTMLResponse | RedirectResponse:
        values = await form_values(request)
        issuing = issuing_for(request.app.state.settings)
        try:
            issued = service.get_issued(db=db, credential_id=credential_id)
            # whoever may not change it is refused before being told what the form lacks
            authorize(actor, "credentials.revoke", organisation_id=issued.organisation_id)
            if not values.get("reason"):
                raise FormErrors({"reason": "Give the reason: it is kept with the credential."})
            reason = parse_input(StatusReason, {"reason": values["reason"]}).reason
            getattr(service, action)(
                db=db, actor=actor, credential_id=credential_id, reason=reason, issuing=issuing, now=now
            )
        except (InvalidInput, Conflict) as exc:
            db.rollback()
            context = _certificate_context(request, db, now, credential_id)
            return form_again(request, db, "credentials/certificate.html", exc, {**context, "values": values})
        return RedirectResponse(f"/credentials/{credential_id}", status_code=303)

    change.__name__ = f"{action}_page"
    change.__doc__ = {
        "revoke": "Revokes the credential for good, with the reason (the office or the issuer's managers).",
        "suspend": "Suspends the credential until reinstated, with the reason.",
        "reinstate": "Lifts the suspension, with the reason.",
    }[action]
    return change


for _action in ("revoke", "suspend", "reinstate"):
    router.add_api_route(
        f"/credentials/{{credential_id}}/{_action}",
        _status_route(_action),
        methods=["POST"],
        response_class=HTMLResponse,
        response_model=None,
    )


def _withdrawn_page(request: Request, db: DB, credential_id: str) -> HTMLResponse | None:
    """For a credential whose holder had their data erased: "withdrawn at the holder's request" (410), with
    the achievement and the issuer only; None for every other credential."""
    issued = service.get_issued(db=db, credential_id=credential_id)
    if not service.withdrawn(db, issued):
        return None
    context = {"issued": issued, "message": service.WITHDRAWN}
    return templates.TemplateResponse(request, "credentials/withdrawn.html", context, status_code=410)


def certificate_pdf(request: Request, db: DB, now: Any, credential_id: str) -> Response:
    """The certificate as a one-page PDF with the same QR code."""
    from skillatlas.credentials.pdf import certificate_pdf as render

    if (gone := _withdrawn_page(request, db, credential_id)) is not None:
        return gone
    context = _certificate_context(request, db, now, credential_id)
    return Response(
        render(context),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{context["issued"].uuid}.pdf"'},
    )


@router.get("/learners/{person_id}/credentials", response_class=HTMLResponse)
def learner(request: Request, db: DB, actor: Actor, person_id: int) -> HTMLResponse:
    """A learner's credentials, each with its certificate and a JSON download."""
    found = service.learner_credentials(db=db, actor=actor, person_id=person_id)
    person = found[0].person if found else None
    if person is None:
        from skillatlas.people.models import Person

        person = db.get(Person, person_id)
    rows = [(c, service.credential_state(c)) for c in found]
    return templates.TemplateResponse(request, "credentials/learner.html", {"person": person, "rows": rows})
