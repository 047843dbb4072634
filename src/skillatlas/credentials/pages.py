"""Public pages and documents of micro-credentials: /verify, certificates with a QR code, status lists,
DID documents, contexts, a learner's credentials."""

from __future__ import annotations

from typing import Any

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from skillatlas.credentials import jsonld, service
from skillatlas.credentials.models import CredentialFormat
from skillatlas.credentials.settings import issuing_for
from skillatlas.errors import InvalidInput, NotFound
from skillatlas.web.deps import DB, Actor, Now
from skillatlas.web.templating import templates

router = APIRouter(include_in_schema=False)
MAX_UPLOAD = 2 * 1024 * 1024


def _base(request: Request) -> str:
    return issuing_for(request.app.state.settings).base_url


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code for the URL."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return Markup(svg[svg.index("<svg") :])


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


def _verify_page(request: Request, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates.TemplateResponse(request, "credentials/verify.html", context, status_code=status_code)


@router.get("/verify", response_class=HTMLResponse)
def verify_form(request: Request, db: DB, now: Now, credential: str | None = None) -> HTMLResponse:
    """Paste or upload a credential; `?credential=<id>` verifies one issued here (the QR codes point here)."""
    if not credential:
        return _verify_page(request, {"report": None, "text": ""})
    issued = service.get_issued(db=db, credential_id=credential)
    report = service.verify(db=db, data=issued.document, base_url=_base(request), now=now)
    return _verify_page(request, {"report": report, "text": issued.document, "issued": issued})


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
    report = service.verify(db=db, data=data, base_url=_base(request), now=now)
    shown = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return _verify_page(request, {"report": report, "text": shown})


def _certificate_context(request: Request, db: DB, now: Any, credential_id: str) -> dict[str, Any]:
    issued = service.get_issued(db=db, credential_id=credential_id)
    payload = service.credential_payload(issued)
    verify_url = f"{_base(request)}/verify?credential={issued.uuid}"
    report = service.verify(db=db, data=issued.document, base_url=_base(request), now=now)
    return {
        "issued": issued,
        "credential": payload,
        "achievement": payload["credentialSubject"]["achievement"],
        "issuer": payload["issuer"],
        "verify_url": verify_url,
        "qr": qr_svg(verify_url),
        "report": report,
        "state": service.credential_state(issued),
        "jwt": issued.format == CredentialFormat.JWT,
    }


@router.get("/credentials/{credential_id}", response_class=HTMLResponse)
def certificate(request: Request, db: DB, now: Now, credential_id: str) -> HTMLResponse:
    """The human-readable certificate with a QR code that leads to its verification."""
    if credential_id.endswith(".pdf"):
        return certificate_pdf(request, db, now, credential_id.removesuffix(".pdf"))  # type: ignore[return-value]
    return templates.TemplateResponse(
        request, "credentials/certificate.html", _certificate_context(request, db, now, credential_id)
    )


def certificate_pdf(request: Request, db: DB, now: Any, credential_id: str) -> Response:
    """The certificate as a one-page PDF with the same QR code."""
    from skillatlas.credentials.pdf import certificate_pdf as render

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


@router.get("/achievements", response_class=HTMLResponse)
def achievements(request: Request, db: DB) -> HTMLResponse:
    """What can be earned in the alliance."""
    return templates.TemplateResponse(
        request, "credentials/achievements.html", {"achievements": service.list_achievements(db=db)}
    )
