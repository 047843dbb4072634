"""HTML pages of the expert database: profile editor, proposals to me, requests with shortlists, the office view.

No form asks for a skill's URI: skills are chosen with the skill picker (web/forms.py), languages and periods in
rows of their own, and every error is shown beside its field, in words, with what was typed kept.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Any

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SYSTEM, Principal, authorize
from skillatlas.errors import FormErrors, InvalidInput, NotAuthenticated, SkillAtlasError
from skillatlas.experts import service
from skillatlas.experts.api import engine, extractor
from skillatlas.experts.matching import CEFR
from skillatlas.experts.models import ExpertProfile, Proposal, ProposalStatus, WorkMode
from skillatlas.experts.schemas import (
    SECTORS,
    ExpertiseRequestIn,
    ExpertProfileIn,
    ProposalStep,
)
from skillatlas.geo import EU_COUNTRIES, country_name
from skillatlas.people import service as people_service
from skillatlas.people.models import SkillLevel, SkillSource
from skillatlas.people.schemas import PersonSkillIn
from skillatlas.taxonomy.models import Skill
from skillatlas.validation import parse_input
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.forms import form_again, form_values, picked_skills, skills_from_form, validate_form
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)

#: The EU's official languages: offered first, and as the working languages of a request.
EU_LANGUAGES = ("bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr", "hu", "it", "lt", "lv",
                "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv")  # fmt: skip
LEVEL_WORDS = ", ".join(level.value for level in SkillLevel)
SOURCE_WORDS = {
    "claimed": "own claim",
    "assessed": "assessed",
    "credentialed": "proven by a credential",
    "derived": "found in the bio",
}
EMPTY_ROWS = 2  # blank rows offered below the filled ones (languages, periods)


@cache
def language_name(code: str) -> str:
    """ "el" -> "Greek" (ISO 639-1), the code itself when unknown."""
    found = pycountry.languages.get(alpha_2=code)
    if found is None:
        return code
    name = re.sub(r"\s*\(.*?\)", "", found.name.split(";")[0]).strip()
    return name.removeprefix("Modern ")


@cache
def languages() -> list[tuple[str, str]]:
    """(code, name) of every ISO 639-1 language: the EU's official ones first, then the others, by name."""
    eu = sorted(((c, language_name(c)) for c in EU_LANGUAGES), key=lambda pair: pair[1])
    others = sorted(
        ((lang.alpha_2, language_name(lang.alpha_2)) for lang in pycountry.languages
         if hasattr(lang, "alpha_2") and lang.alpha_2 not in EU_LANGUAGES),
        key=lambda pair: pair[1],
    )  # fmt: skip
    return eu + others


@cache
def countries() -> list[tuple[str, str]]:
    """(code, name) of every country: the EU's first, then the others, by name."""
    eu = sorted(((c, country_name(c)) for c in EU_COUNTRIES), key=lambda pair: pair[1])
    others = sorted(((c.alpha_2, c.name) for c in pycountry.countries if c.alpha_2 not in EU_COUNTRIES),
                    key=lambda pair: pair[1])  # fmt: skip
    return eu + others


# --- matching in words -------------------------------------------------------------------------------

_REASONS: list[tuple[re.Pattern[str], Any]] = []


def _reason(pattern: str) -> Any:
    def add(fn: Any) -> Any:
        _REASONS.append((re.compile(pattern), fn))
        return fn

    return add


def _day(text: str) -> str:
    try:
        return dt.date.fromisoformat(text).strftime("%d %b %Y")
    except ValueError:
        return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@_reason(r"^profile uses the request's words: (.+)$")
def _words(words: str) -> str:
    return f"the profile uses the request's words: {words}"


@_reason(r"^profile close in meaning to the request \(similarity ([\d.-]+)\)$")
def _meaning(similarity: str) -> str:
    return f"the profile is close to the request in meaning (similarity {similarity} out of 1)"


@_reason(r"^profile text matches the request \(words ([\d.]+), meaning ([\d.]+)\)$")
def _text(words: str, meaning: str) -> str:
    """Reasons stored with proposals made before issue 16."""
    if float(words) > 0 and float(meaning) > 0:
        return "the profile uses the request's words and is close to it in meaning"
    if float(words) > 0:
        return "the profile uses the request's words"
    return "the profile is close to the request in meaning"


@_reason(r"^speaks ([a-z]{2}) at (\S+)$")
def _speaks(code: str, level: str) -> str:
    return f"speaks {language_name(code)}" + (" as a native speaker" if level == "native" else f" ({level})")


@_reason(r"^serves ([A-Z]{2})$")
def _serves(code: str) -> str:
    return f"works in {country_name(code)}"


@_reason(r"^serves the region (\S+)$")
def _region(code: str) -> str:
    return f"works in the region {code}"


@_reason(r"^day rate EUR (\d+) above the budget's EUR (\d+) a day, -[\d.]+$")
def _over(rate: str, cap: str) -> str:
    return f"day rate €{int(rate):,} is above the budget (€{int(cap):,} a day): ranked lower"


@_reason(r"^day rate EUR (\d+) within the budget \(EUR (\d+) a day\)$")
def _within(rate: str, cap: str) -> str:
    return f"day rate €{int(rate):,} is within the budget (€{int(cap):,} a day)"


@_reason(r"^track record: ([\d.]+)/5 from (\d+) deployment\(s\)$")
def _record(mean: str, count: str) -> str:
    return f"rated {mean} out of 5 after {_plural(int(count), 'deployment')}"


@_reason(r"^fairness: (\d+) open proposal\(s\), -[\d.]+$")
def _open(count: str) -> str:
    return f"already has {_plural(int(count), 'open proposal')}: ranked a little lower, to share the work"


@_reason(r"^fairness: deployed recently \((\S+)\), -[\d.]+$")
def _recent(day: str) -> str:
    return f"deployed recently ({_day(day)}): ranked a little lower, to share the work"


@_reason(r"^available between (\S+) and (\S+)$")
def _available(start: str, end: str) -> str:
    return f"available between {_day(start)} and {_day(end)}"


@_reason(r"^missing: (.+) \((\w+)\)$")
def _missing(label: str, level: str) -> str:
    return f"does not list {label} ({level} level asked)"


def _said(sentence: str | None) -> str:
    return f": “{sentence}”" if sentence else ""


@_reason(r'^(covers .+? at \w+ level) \((\w+)\)(?:: "(.*)")?$')
def _covers(text: str, source: str, sentence: str | None = None) -> str:
    return f"{text} ({SOURCE_WORDS.get(source, source)}){_said(sentence)}"


@_reason(r'^partly covers (.+?): (\w+), (\w+) asked \((\w+)\)(?:: "(.*)")?$')
def _partly(label: str, has: str, asked: str, source: str, sentence: str | None = None) -> str:
    return f"partly covers {label}: {has} level, {asked} asked ({SOURCE_WORDS.get(source, source)}){_said(sentence)}"


def readable_reason(reason: str) -> str:
    """One of matching's reasons in a reader's words: languages and countries named, no raw scores."""
    for pattern, words in _REASONS:
        found = pattern.match(reason)
        if found:
            return str(words(*found.groups()))
    return re.sub(r",? -?\d+\.\d+", "", reason)


def match_words(score: float) -> str:
    """A match score (0..1 and a little beyond) in words, for the shortlist and the expert's proposals."""
    if score >= 0.75:
        return "strong match"
    if score >= 0.5:
        return "good match"
    if score >= 0.25:
        return "partial match"
    return "weak match"


def match_percent(score: float) -> int:
    return round(min(max(score, 0.0), 1.0) * 100)


templates.env.filters["match_reason"] = readable_reason
templates.env.filters["match_words"] = match_words
templates.env.filters["match_percent"] = match_percent
templates.env.filters["language"] = language_name
WORK_MODES = {"either": "Remote or on site", "remote": "Remote", "on_site": "On site"}
templates.env.filters["work_mode"] = lambda mode: WORK_MODES.get(getattr(mode, "value", mode), str(mode))


def _me(actor: Principal) -> int:
    if actor.user_id is None or actor.person_id is None:
        raise NotAuthenticated("please log in first")
    return actor.person_id


@router.get("/experts", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """What the expert service offers, with the links each visitor may follow."""
    return templates.TemplateResponse(request, "experts/index.html", {})


# --- form helpers ------------------------------------------------------------------------------------


async def _raw_rows(request: Request, prefix: str, fields: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of parallel inputs ("<prefix>.<field>"), blanks kept so that each row stays whole."""
    form = await request.form()
    columns = {
        f: [v.strip() if isinstance(v, str) else "" for v in form.getlist(f"{prefix}.{f}")] for f in fields
    }
    count = max((len(c) for c in columns.values()), default=0)
    return [{f: columns[f][i] if i < len(columns[f]) else "" for f in fields} for i in range(count)]


def _filled(rows: list[dict[str, str]], *keys: str) -> list[tuple[int, dict[str, str]]]:
    """(row number, row) of the rows with something typed in one of `keys`."""
    return [(i, row) for i, row in enumerate(rows) if any(row.get(k) for k in keys)]


def _renumber(exc: SkillAtlasError, renumber: dict[str, dict[int, int]]) -> SkillAtlasError:
    """Errors that name a list item ("availability.0.ends_on") named by the row the form showed it in."""
    errors = (
        dict(exc.errors) if isinstance(exc, FormErrors) else ({exc.field: exc.message} if exc.field else {})
    )
    if not errors:
        return exc
    fixed: dict[str, str] = {}
    for key, message in errors.items():
        prefix = f"{key}: "
        message = message[len(prefix) :] if message.startswith(prefix) else message
        parts = key.split(".")
        if len(parts) > 1 and parts[0] in renumber and parts[1].isdigit():
            parts[1] = str(renumber[parts[0]].get(int(parts[1]), int(parts[1])))
        fixed[".".join(parts)] = message[:1].upper() + message[1:]
    return FormErrors(fixed)


def _picked_claims(db: Session, values: dict[str, Any], name: str = "skills") -> list[PersonSkillIn]:
    """The picker's skills as claims; a missing or unknown level is named beside the picker, in words."""
    picked = skills_from_form(values, name)
    labels = {s["uri"]: s["label"] for s in picked_skills(db, picked)}
    problems = [
        f"choose a level for {labels.get(s['uri'], 'a skill')} ({LEVEL_WORDS})"
        for s in picked
        if s.get("level") not in {level.value for level in SkillLevel}
    ]
    if problems:
        raise FormErrors({name: "; ".join(problems).capitalize() + "."})
    return [PersonSkillIn(uri=s["uri"], level=s["level"]) for s in picked]


def _both(first: Any, second: Any) -> Any:
    """Both parts of a form checked, so that every error shows at once: (*first's result, second's result)."""
    errors: dict[str, str] = {}
    results: list[Any] = []
    for part in (first, second):
        try:
            results.append(part())
        except FormErrors as exc:
            errors.update(exc.errors)
    if errors:
        raise FormErrors(errors)
    head = results[0] if isinstance(results[0], tuple) else (results[0],)
    return (*head, results[1])


def _skill_words(exc: SkillAtlasError, name: str = "skills") -> SkillAtlasError:
    """The services name an unknown skill by its URI; the page says it in words."""
    field = exc.field or ""
    if isinstance(exc, InvalidInput) and field.split(".")[0] == name and "URI" in exc.message:
        return FormErrors({name: "A chosen skill is no longer in the taxonomy: remove it and pick another."})
    return exc


# --- my expert profile -----------------------------------------------------------------------------


def _profile_values(profile: ExpertProfile | None) -> dict[str, Any]:
    if profile is None:
        return {"work_mode": "either", "language_rows": [], "availability_rows": []}
    return {
        "headline": profile.headline,
        "bio": profile.bio,
        "language_rows": [{"code": lang["code"], "level": lang["level"]} for lang in profile.languages],
        "countries": ", ".join(profile.countries),
        "regions": ", ".join(profile.regions),
        "work_mode": profile.work_mode.value,
        "availability_rows": [
            {"starts_on": a["starts_on"], "ends_on": a["ends_on"], "days": str(a["days_per_month"])}
            for a in profile.availability
        ],
        "day_rate_eur": "" if profile.day_rate_eur is None else str(profile.day_rate_eur),
        "sectors": profile.sectors,
        "consent": "on" if profile.listed else "",
    }


def _profile_context(
    db: DB, person_id: int, values: dict[str, Any], picked: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    profile = db.get(ExpertProfile, person_id)
    skills = people_service.skills_of(db=db, actor=SYSTEM, person_id=person_id)
    if picked is None:
        picked = [{"uri": s.uri, "label": s.label, "level": s.level.value}
                  for s in skills if s.source == SkillSource.CLAIMED]  # fmt: skip
    values = {**values}
    values["language_rows"] = [*values.get("language_rows", []), *[{}] * EMPTY_ROWS]
    values["availability_rows"] = [*values.get("availability_rows", []), *[{}] * EMPTY_ROWS]
    return {
        "values": values,
        "profile": profile,
        "picked": picked,
        "proven": [s for s in skills if s.source not in (SkillSource.CLAIMED, SkillSource.DERIVED)],
        "derived": [s for s in skills if s.source == SkillSource.DERIVED],
        "sources": SOURCE_WORDS,
        "modes": WorkMode,
        "sectors": SECTORS,
        "languages": languages(),
        "cefr": CEFR,
    }


@router.get("/experts/profile", response_class=HTMLResponse)
def profile_form(request: Request, db: DB, actor: Actor, saved: int = 0) -> HTMLResponse:
    """The logged-in person's expert profile editor."""
    person_id = _me(actor)
    authorize(actor, "expert.profile.write", person_id=person_id)
    values = _profile_values(db.get(ExpertProfile, person_id))
    context = _profile_context(db, person_id, values)
    return templates.TemplateResponse(request, "experts/profile.html", {**context, "saved": saved})


def _profile_input(
    values: dict[str, Any], language_rows: list, periods: list
) -> tuple[ExpertProfileIn, dict]:
    """The profile from the form, and how its list items map to the rows the form showed."""
    spoken = _filled(language_rows, "code")
    dated = _filled(periods, "starts_on", "ends_on")
    data = {
        "headline": values.get("headline", ""),
        "bio": values.get("bio", ""),
        "languages": [{"code": row["code"], "level": row.get("level") or "B2"} for _, row in spoken],
        "countries": service.split_cell(values.get("countries", "")),
        "regions": service.split_cell(values.get("regions", "")),
        "work_mode": values.get("work_mode") or "either",
        "availability": [
            {"starts_on": row["starts_on"] or None, "ends_on": row["ends_on"] or None,
             "days_per_month": row.get("days") or 4}
            for _, row in dated
        ],
        "day_rate_eur": values.get("day_rate_eur") or None,
        "sectors": values.get("sectors", []),
        "consent": values.get("consent") == "on",
    }  # fmt: skip
    renumber = {
        "languages": {n: row for n, (row, _) in enumerate(spoken)},
        "availability": {n: row for n, (row, _) in enumerate(dated)},
    }
    try:
        return validate_form(ExpertProfileIn, data), renumber
    except SkillAtlasError as exc:
        raise _renumber(exc, renumber) from exc


@router.post("/experts/profile", response_class=HTMLResponse, response_model=None)
async def save_profile(request: Request, db: DB, actor: Actor, at: Now) -> HTMLResponse | RedirectResponse:
    """Saves the profile and the skills claimed in the picker (a skill removed there is removed);
    unticking consent unlists the profile."""
    person_id = _me(actor)
    values = await form_values(request, lists=("sectors",))
    language_rows = await _raw_rows(request, "languages", ("code", "level"))
    periods = await _raw_rows(request, "availability", ("starts_on", "ends_on", "days"))
    values = {**values, "language_rows": [r for _, r in _filled(language_rows, "code")],
              "availability_rows": [r for _, r in _filled(periods, "starts_on", "ends_on", "days")]}  # fmt: skip
    renumber: dict[str, dict[int, int]] = {}
    try:
        # rows as the page will show them again: blank ones dropped, so numbers follow the typed rows
        data, renumber, claims = _both(
            lambda: _profile_input(values, values["language_rows"], values["availability_rows"]),
            lambda: _picked_claims(db, values),
        )
        people_service.save_claims(db=db, actor=actor, person_id=person_id, skills=claims, replace=True)
        # reading the bio for skills is CPU work: in the thread pool, never on the event loop
        await run_in_threadpool(service.save_profile, db=db, actor=actor, person_id=person_id, data=data, now=at,
                                find=extractor(request, db))  # fmt: skip
    except SkillAtlasError as exc:
        error = _renumber(_skill_words(exc), renumber)
        picked = picked_skills(db, skills_from_form(values))
        return form_again(
            request, db, "experts/profile.html", error, _profile_context(db, person_id, values, picked)
        )
    return RedirectResponse("/experts/profile?saved=1", status_code=303)


@router.post("/experts/profile/derived", response_model=None)
async def review_derived(request: Request, db: DB, actor: Actor) -> HTMLResponse | RedirectResponse:
    """Confirms (keeps as the expert's own claim) or removes one skill found in the bio.

    A click on a page that is no longer current (the skill was kept or removed in another tab) shows the
    profile again, up to date, with the skill named in words beside the list (the service names it by URI)."""
    person_id = _me(actor)
    values = await form_values(request)
    uri, action = values.get("uri", ""), values.get("action", "")
    try:
        if action not in ("confirm", "remove"):
            raise FormErrors({"derived": "choose Keep or Remove"})
        service.review_derived(db=db, actor=actor, person_id=person_id, confirm=[uri] if action == "confirm" else [],
                               remove=[uri] if action == "remove" else [])  # fmt: skip
    except SkillAtlasError as exc:
        if not isinstance(exc, InvalidInput):
            raise
        db.rollback()
        error = exc
        if exc.field == "skills":  # not (or no longer) a skill found in the bio
            label = db.scalar(select(Skill.preferred_label).where(Skill.uri == uri)) or "This skill"
            error = FormErrors(
                {"derived": f"{label} no longer waits for you: it was kept or removed already."}
            )
        context = _profile_context(db, person_id, _profile_values(db.get(ExpertProfile, person_id)))
        return form_again(request, db, "experts/profile.html", error, context)
    return RedirectResponse("/experts/profile?saved=1#found-in-bio", status_code=303)


# --- proposals to me ---------------------------------------------------------------------------------


def _offers(db: Session, proposals: list[Proposal]) -> list[dict[str, Any]]:
    """What the expert sees of each proposal: who asks, what, when, where, for how much; contact once accepted."""
    offers = []
    for p in proposals:
        answered = [h for h in p.history if h.get("status") in ("accepted", "declined")]
        offers.append({
            "read": service.proposal_read(p),
            "request": p.request,
            "organisation": p.request.organisation.name,
            "contact": service.requester_contact(db, p),
            "proposed_at": p.created_at,
            "answer": answered[-1] if answered else None,
        })  # fmt: skip
    return offers


def _proposals_context(db: DB, actor: Principal, person_id: int) -> dict[str, Any]:
    found = service.proposals_for_expert(db=db, actor=actor, person_id=person_id)
    return {"offers": _offers(db, found), "values": {}}


@router.get("/experts/proposals", response_class=HTMLResponse)
def my_proposals(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """Proposals made to the logged-in expert: who asks and what; accept (sharing contacts) or decline."""
    person_id = _me(actor)
    return templates.TemplateResponse(
        request, "experts/my_proposals.html", _proposals_context(db, actor, person_id)
    )


@router.post("/experts/proposals/{proposal_id}/status", response_class=HTMLResponse, response_model=None)
async def proposal_step(
    request: Request, db: DB, actor: Actor, at: Now, proposal_id: int
) -> HTMLResponse | RedirectResponse:
    """One step of the workflow from a page (an answer may carry a message); back to where the button was."""
    values = await form_values(request)
    back = values.pop("back", "")
    if "message" in values:
        values["comment"] = values.pop("message")
    try:
        proposal = service.step(
            db=db, actor=actor, proposal_id=proposal_id, data=parse_input(ProposalStep, values), now=at
        )
    except FormErrors as exc:
        if back == "request" or actor.person_id is None:
            raise
        # the expert's own answer: the page again, the message kept beside its proposal
        errors = {("message" if k == "comment" else k): v for k, v in exc.errors.items()}
        context = {**_proposals_context(db, actor, actor.person_id), "failed": proposal_id,
                   "values": {"message": values.get("comment", "")}}  # fmt: skip
        return form_again(request, db, "experts/my_proposals.html", FormErrors(errors), context)
    target = f"/experts/requests/{proposal.request_id}" if back == "request" else "/experts/proposals"
    return RedirectResponse(target, status_code=303)


# --- requests and shortlists ---------------------------------------------------------------------------


@router.get("/experts/requests", response_class=HTMLResponse)
def requests(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The requests the visitor may see: all for the office, their organisations' for managers."""
    return templates.TemplateResponse(
        request, "experts/requests.html", {"requests": service.list_requests(db=db, actor=actor)}
    )


def _organisations(db: DB, actor: Principal) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from skillatlas.alliance.models import Organisation

    query = select(Organisation.slug, Organisation.name).order_by(Organisation.name)
    if not actor.has(Role.ALLIANCE_OFFICE):
        managed = [g.organisation_id for g in actor.grants if g.role == Role.ORGANISATION_MANAGER]
        query = query.where(Organisation.id.in_(managed))
    return [(slug, name) for slug, name in db.execute(query)]


def _request_context(
    db: DB, actor: Principal, values: dict[str, Any], picked: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {
        "values": values,
        "picked": picked or [],
        "organisations": _organisations(db, actor),
        "modes": [(m.value, WORK_MODES[m.value]) for m in WorkMode],
        "working_languages": sorted(((c, language_name(c)) for c in EU_LANGUAGES), key=lambda p: p[1]),
        "countries": countries(),
    }


@router.get("/experts/requests/new", response_class=HTMLResponse)
def new_request(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The form to post an expertise request (the office and companies' managers)."""
    authorize(actor, "expert.request.form")
    values: dict[str, Any] = {"work_mode": "either"}
    # Prefilled by a link (the innovation self-assessment's gaps): organisation, title, description, skills.
    query = request.query_params
    values.update({k: query[k][:20_000] for k in ("organisation", "title", "description") if query.get(k)})
    prefill = {
        "skills.uri": query.getlist("skills.uri")[:50],
        "skills.level": query.getlist("skills.level")[:50],
    }
    picked = picked_skills(db, skills_from_form(prefill, "skills"))
    return templates.TemplateResponse(
        request, "experts/request_form.html", _request_context(db, actor, values, picked)
    )


def _needed_skills(db: Session, values: dict[str, Any]) -> list[dict[str, str]]:
    """The picker's skills with the level asked; a missing or unknown level is named in words."""
    picked = skills_from_form(values, "skills")
    labels = {s["uri"]: s["label"] for s in picked_skills(db, picked)}
    problems = [
        f"choose the level needed for {labels.get(s['uri'], 'a skill')} ({LEVEL_WORDS})"
        for s in picked
        if s.get("level") not in {level.value for level in SkillLevel}
    ]
    if problems:
        raise FormErrors({"skills": "; ".join(problems).capitalize() + "."})
    return [{"uri": s["uri"], "level": s["level"]} for s in picked]


def _request_input(db: Session, values: dict[str, Any], data: dict[str, Any]) -> ExpertiseRequestIn:
    """The request from the form, the picker's problems and every other field's named together."""
    errors: dict[str, str] = {}
    try:
        skills = _needed_skills(db, values)
    except FormErrors as exc:
        errors.update(exc.errors)
        # stand-ins at the default level, so that the other fields are checked as if the skills were right
        skills = [{"uri": s["uri"]} for s in skills_from_form(values, "skills")]
    try:
        parsed = validate_form(ExpertiseRequestIn, {**data, "skills": skills})
    except FormErrors as exc:
        errors = {**exc.errors, **errors}
        # the model's own check of the period runs only when every field is right: named here at once
        try:
            starts, ends = dt.date.fromisoformat(data["starts_on"]), dt.date.fromisoformat(data["ends_on"])
            if ends < starts:
                errors.setdefault("ends_on", "The end date is before the start date.")
        except (KeyError, TypeError, ValueError):
            pass
    if errors:
        raise FormErrors(errors)
    return parsed


@router.post("/experts/requests", response_class=HTMLResponse, response_model=None)
async def create_request(request: Request, db: DB, actor: Actor, at: Now) -> HTMLResponse | RedirectResponse:
    """Posts a request, or shows the form again with what is wrong beside each field."""
    values = await form_values(request, lists=("languages",))
    try:
        data = {k: v for k, v in values.items()
                if k in ExpertiseRequestIn.model_fields and k not in {"skills", "extract_skills"}}  # fmt: skip
        data["extract_skills"] = "extract_skills" in values
        parsed = _request_input(db, values, data)
        extract = extractor(request, db) if parsed.extract_skills or not parsed.skills else None
        # Skill extraction is CPU work: in the thread pool, never on the event loop (issue 18).
        created = await run_in_threadpool(
            service.create_request, db=db, actor=actor, data=parsed, now=at, extract=extract
        )
    except SkillAtlasError as exc:
        picked = picked_skills(db, skills_from_form(values))
        return form_again(
            request, db, "experts/request_form.html", _skill_words(exc),
            _request_context(db, actor, values, picked),
        )  # fmt: skip
    return RedirectResponse(f"/experts/requests/{created.id}", status_code=303)


def _answers(proposals: list[Any]) -> dict[int, str]:
    """The expert's message with their answer, per proposal id."""
    found = {}
    for p in proposals:
        said = [h.get("message") for h in p.history if h.get("status") in ("accepted", "declined")]
        if said and said[-1]:
            found[p.id] = said[-1]
    return found


@router.get("/experts/requests/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, db: DB, actor: Actor, at: Now, request_id: int) -> HTMLResponse:
    """A request: its shortlist (pseudonymous, with reasons in words), its proposals and their workflow."""
    found = service.get_request(db=db, actor=actor, request_id=request_id)
    shortlist = service.shortlist(
        db=db, actor=actor, request_id=request_id, engine=engine(request), today=at.date()
    )
    proposals = [
        service.proposal_read(p)
        for p in service.proposals_for_request(db=db, actor=actor, request_id=request_id)
    ]
    proposed = {p.expert_id for p in proposals}
    return templates.TemplateResponse(
        request,
        "experts/request.html",
        {"request_": found, "shortlist": shortlist, "proposals": proposals, "proposed": proposed,
         "answers": _answers(proposals), "statuses": ProposalStatus},
    )  # fmt: skip


@router.post("/experts/requests/{request_id}/proposals", response_model=None)
async def propose(request: Request, db: DB, actor: Actor, at: Now, request_id: int) -> RedirectResponse:
    """Proposes an expert from the shortlist."""
    values = await form_values(request)
    try:
        expert_id = int(values.get("expert_id", ""))
    except ValueError as exc:
        raise InvalidInput("expert_id: choose an expert from the shortlist", field="expert_id") from exc
    service.propose(
        db=db, actor=actor, request_id=request_id, expert_id=expert_id, engine=engine(request), now=at
    )
    return RedirectResponse(f"/experts/requests/{request_id}", status_code=303)


@router.get("/experts/office", response_class=HTMLResponse)
def office(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The office's view: every request, every deployment, and the most needed fields of expertise."""
    authorize(actor, "expert.report")
    return templates.TemplateResponse(
        request,
        "experts/office.html",
        {
            "requests": service.list_requests(db=db, actor=actor),
            "deployments": [service.proposal_read(p) for p in service.deployments(db=db, actor=actor)],
            "needs": service.needs_report(db=db, actor=actor),
            "profiles": service.list_profiles(db=db, actor=actor),
        },
    )
