"""REST: a credential as a sealed European Digital Credential; an organisation's seal certificate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile, status
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from skillatlas.credentials.edc import service
from skillatlas.credentials.settings import issuing_for
from skillatlas.errors import InvalidInput
from skillatlas.web.deps import DB, Actor, Now

router = APIRouter()


@router.get(
    "/issued/{credential_id}/edc",
    response_class=Response,
    responses={200: {"content": {service.MEDIA_TYPE: {}}, "description": "the sealed EDC (JAdES JWS JSON)"}},
)
def download_edc(request: Request, db: DB, actor: Actor, now: Now, credential_id: str) -> Response:
    """The credential as a European Digital Credential (ELM v3), sealed (JAdES, JWS JSON serialisation with
    the X.509 chain in `x5c`) with the issuing organisation's certificate: for the learner, the alliance
    office and the issuer's managers. 409 when the organisation has no legal identifier; 410 once the holder's
    data was erased."""
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


class SealCertificateRead(BaseModel):
    organisation: str
    subject: str
    issuer: str
    fingerprint: str
    self_signed: bool
    not_after: str


@router.post(
    "/seal-certificates/{organisation}",
    response_model=SealCertificateRead,
    status_code=status.HTTP_201_CREATED,
)
async def load_seal_certificate(
    request: Request,
    db: DB,
    actor: Actor,
    now: Now,
    organisation: str,
    certificate: Annotated[UploadFile, File(description="PKCS#12 (.p12/.pfx) or PEM (key and chain)")],
    password: Annotated[str | None, Form()] = None,
) -> SealCertificateRead:
    """Loads the organisation's seal certificate: from now on it seals its EDCs (the office, or a manager of
    the organisation)."""
    data = await certificate.read(service.seal.MAX_FILE_BYTES + 1)
    if not data:
        raise InvalidInput("the certificate file is empty", field="certificate")
    row = await run_in_threadpool(
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
    return SealCertificateRead(
        organisation=organisation,
        subject=row.subject,
        issuer=row.issuer,
        fingerprint=row.fingerprint,
        self_signed=row.self_signed,
        not_after=row.not_after.isoformat(),
    )
