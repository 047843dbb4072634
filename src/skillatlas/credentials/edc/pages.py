"""Pages: download a credential as a European Digital Credential; load an organisation's seal certificate."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from skillatlas.auth.permissions import Principal, authorize
from skillatlas.credentials.edc import service
from skillatlas.credentials.settings import issuing_for
from skillatlas.errors import FormErrors, NotAuthenticated, SkillAtlasError
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.forms import form_again
from skillatlas.web.nav import add_nav, may
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)

add_nav("Seal certificates", "/seal-certificates", "Office", may("credentials.issue.open_form"), order=56)


@router.get("/credentials/{credential_id}/edc", response_class=Response)
def download_edc(request: Request, db: DB, actor: Actor, now: Now, credential_id: str) -> Response:
    """The credential as a sealed European Digital Credential (the learner, the office, the issuer's managers)."""
    if actor.user_id is None:
        raise NotAuthenticated("please log in first")
    sealed = service.sealed_edc(
        db=db,
        actor=actor,
        credential_id=credential_id,
        issuing=issuing_for(request.app.state.settings),
        now=now,
    )
    name = credential_id.removeprefix("urn:uuid:")
    return Response(
        service.sealed_text(sealed),
        media_type=service.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}-edc.json"'},
    )


def _context(db: DB, actor: Principal) -> dict[str, Any]:
    rows = service.seals(db=db, actor=actor)
    return {"rows": rows, "organisations": [(o.slug, o.name) for o, _ in rows], "values": {}}


@router.get("/seal-certificates", response_class=HTMLResponse)
def seal_certificates(request: Request, db: DB, actor: Actor) -> HTMLResponse:
    """The seal certificates of the organisations the actor issues for, and the form to load one."""
    authorize(actor, "credentials.issue.open_form")
    return templates.TemplateResponse(request, "credentials/edc/seals.html", _context(db, actor))


@router.post("/seal-certificates", response_class=HTMLResponse, response_model=None)
async def load_seal_certificate(
    request: Request,
    db: DB,
    actor: Actor,
    now: Now,
    organisation: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    certificate: Annotated[UploadFile | None, File()] = None,
) -> HTMLResponse | RedirectResponse:
    """Loads an organisation's seal certificate (PKCS#12 with its password, or PEM), errors beside each field."""
    authorize(actor, "credentials.issue.open_form")
    values = {"organisation": organisation}
    try:
        missing = {}
        if not organisation:
            missing["organisation"] = "Choose the organisation whose seal this is."
        if certificate is None or not certificate.filename:
            missing["certificate"] = "Choose the certificate file (.p12, .pfx or .pem)."
        if missing:
            raise FormErrors(missing)
        assert certificate is not None
        data = await certificate.read(service.seal.MAX_FILE_BYTES + 1)
        await run_in_threadpool(
            lambda: service.load_certificate(
                db=db,
                actor=actor,
                organisation=organisation,
                data=data,
                password=password or None,
                issuing=issuing_for(request.app.state.settings),
                now=now,
            )
        )
    except SkillAtlasError as exc:
        db.rollback()
        return form_again(
            request, db, "credentials/edc/seals.html", exc, {**_context(db, actor), "values": values}
        )
    return RedirectResponse("/seal-certificates?loaded=1", status_code=303)


@router.post("/seal-certificates/self-signed", response_class=HTMLResponse, response_model=None)
async def self_signed(
    request: Request, db: DB, actor: Actor, now: Now, self_organisation: Annotated[str, Form()] = ""
) -> HTMLResponse | RedirectResponse:
    """Makes a self-signed seal certificate for an organisation (for trying EDCs out; not trusted by viewers)."""
    authorize(actor, "credentials.issue.open_form")
    from skillatlas.alliance import service as alliance_service

    try:
        if not self_organisation:
            raise FormErrors({"self_organisation": "Choose the organisation."})
        found = alliance_service.get_organisation(db=db, slug=self_organisation)
        service.make_self_signed(
            db=db, actor=actor, organisation=found, issuing=issuing_for(request.app.state.settings), now=now
        )
    except SkillAtlasError as exc:
        db.rollback()
        if exc.field == "organisation":
            exc = FormErrors({"self_organisation": exc.message})
        return form_again(
            request, db, "credentials/edc/seals.html", exc,
            {**_context(db, actor), "values": {"self_organisation": self_organisation}},
        )  # fmt: skip
    return RedirectResponse("/seal-certificates?made=1", status_code=303)
