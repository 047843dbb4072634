"""REST API of micro-credentials under /api/credentials: achievements, issuing, status, verifying, keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from skillatlas.credentials import service
from skillatlas.credentials.edc import api as edc_api
from skillatlas.credentials.models import CredentialFormat
from skillatlas.credentials.schemas import (
    AchievementCreate,
    AchievementRead,
    AchievementUpdate,
    BulkIssueRequest,
    BulkOutcomeRead,
    CourseIssueRequest,
    EventIssueRequest,
    IssuedRead,
    IssueRequest,
    IssuerIdentity,
    KeyRead,
    RecipientRead,
    StatusChange,
    VerificationReport,
)
from skillatlas.credentials.settings import issuing_for
from skillatlas.errors import InvalidInput
from skillatlas.web.deps import DB, Actor, Now

router = APIRouter(prefix="/api/credentials", tags=["credentials"])
router.include_router(edc_api.router)  # European Digital Credentials: the sealed EDC, seal certificates
MAX_CREDENTIAL_BYTES = 2 * 1024 * 1024


def _issuing(request: Request) -> service.Issuing:
    return issuing_for(request.app.state.settings)


class IssuedCredentialOut(BaseModel):
    credential: IssuedRead
    document: dict[str, Any] | str


class BulkIssued(BaseModel):
    count: int
    ids: list[str]


@router.get("/achievements", response_model=list[AchievementRead])
def list_achievements(
    db: DB, issuer: Annotated[str | None, Query(max_length=80)] = None
) -> list[AchievementRead]:
    """What can be earned, optionally of one issuing organisation."""
    return [service.achievement_read(a) for a in service.list_achievements(db=db, issuer=issuer)]


@router.post("/achievements", response_model=AchievementRead, status_code=status.HTTP_201_CREATED)
def create_achievement(db: DB, actor: Actor, data: AchievementCreate) -> AchievementRead:
    """Adds an achievement (the office, or a manager of the issuing organisation)."""
    return service.achievement_read(service.create_achievement(db=db, actor=actor, data=data))


@router.get("/achievements/{ref}", response_model=AchievementRead)
def get_achievement(db: DB, ref: str) -> AchievementRead:
    """One achievement, by id or slug."""
    return service.achievement_read(service.get_achievement(db=db, ref=ref))


@router.put("/achievements/{ref}", response_model=AchievementRead)
def update_achievement(db: DB, actor: Actor, ref: str, data: AchievementUpdate) -> AchievementRead:
    """Changes an achievement, every field given again (the office, or a manager of the issuing organisation).
    `awarded_for: event` with the event's slug links the event: its attendees receive it when marked attended."""
    return service.achievement_read(service.update_achievement(db=db, actor=actor, ref=ref, data=data))


@router.get("/recipients", response_model=list[RecipientRead])
def find_recipients(
    db: DB,
    actor: Actor,
    achievement: Annotated[str, Query(min_length=1, max_length=80)],
    q: Annotated[str, Query(max_length=200)] = "",
) -> list[RecipientRead]:
    """Persons to issue the achievement to, by part of their name or e-mail address (at least two letters)."""
    found = service.find_recipients(db=db, actor=actor, achievement_ref=achievement, query=q)
    return [
        RecipientRead(
            id=p.id, full_name=p.full_name, email=p.email, employer=p.employer.name if p.employer else None
        )
        for p in found
    ]


def _bulk(outcome: service.BulkOutcome) -> JSONResponse:
    body = service.bulk_read(outcome)
    code = status.HTTP_200_OK if outcome.dry_run else status.HTTP_201_CREATED
    return JSONResponse(body.model_dump(mode="json"), status_code=code)


@router.post(
    "/issue-event",
    response_model=BulkOutcomeRead,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": BulkOutcomeRead, "description": "a dry run: nothing issued"}},
)
def issue_for_event(
    request: Request, db: DB, actor: Actor, now: Now, data: EventIssueRequest
) -> JSONResponse:
    """Everyone marked attended at the event receives the achievement (the event's own badge by default);
    whoever holds it already is skipped and listed. One transaction. `dry_run` only counts."""
    return _bulk(service.issue_for_event(db=db, actor=actor, data=data, issuing=_issuing(request), now=now))


@router.post(
    "/issue-course",
    response_model=BulkOutcomeRead,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": BulkOutcomeRead, "description": "a dry run: nothing issued"}},
)
def issue_for_course(
    request: Request, db: DB, actor: Actor, now: Now, data: CourseIssueRequest
) -> JSONResponse:
    """Everyone who passed the course receives the achievement; whoever holds it already is skipped and
    listed. One transaction. `dry_run` only counts."""
    return _bulk(service.issue_for_course(db=db, actor=actor, data=data, issuing=_issuing(request), now=now))


@router.get("/mine", response_model=list[IssuedRead])
def my_credentials(request: Request, db: DB, actor: Actor) -> list[IssuedRead]:
    """The logged-in learner's own credentials, newest first."""
    base = _issuing(request).base_url
    return [service.issued_read(c, base) for c in service.my_credentials(db=db, actor=actor)]


def _out(issued: service.IssuedCredential, base_url: str) -> IssuedCredentialOut:
    document: dict[str, Any] | str = (
        issued.document if issued.format == CredentialFormat.JWT else service.credential_payload(issued)
    )
    return IssuedCredentialOut(credential=service.issued_read(issued, base_url), document=document)


@router.post("/issue", response_model=IssuedCredentialOut, status_code=status.HTTP_201_CREATED)
def issue(request: Request, db: DB, actor: Actor, now: Now, data: IssueRequest) -> IssuedCredentialOut:
    """Issues one credential (format `ldp`: embedded eddsa-rdfc-2022 proof; `jwt`: VC-JOSE)."""
    issuing = _issuing(request)
    return _out(service.issue(db=db, actor=actor, data=data, issuing=issuing, now=now), issuing.base_url)


@router.post("/issue-bulk", response_model=BulkIssued, status_code=status.HTTP_201_CREATED)
def issue_bulk(request: Request, db: DB, actor: Actor, now: Now, data: BulkIssueRequest) -> BulkIssued:
    """Issues one credential per learner, all in one transaction."""
    issued = service.issue_bulk(db=db, actor=actor, data=data, issuing=_issuing(request), now=now)
    return BulkIssued(count=len(issued), ids=[f"urn:uuid:{c.uuid}" for c in issued])


@router.get("/issued/{credential_id}", response_model=IssuedRead)
def get_issued(request: Request, db: DB, credential_id: str) -> IssuedRead:
    """An issued credential's record (anyone holding its id, as with the certificate page)."""
    return service.issued_read(
        service.get_issued(db=db, credential_id=credential_id), _issuing(request).base_url
    )


@router.get("/issued/{credential_id}/download", response_class=Response)
def download(db: DB, credential_id: str) -> Response:
    """The credential exactly as signed: JSON-LD (`application/vc+ld+json`) or a JWT (`application/vc+jwt`);
    410 once its holder's data was erased ("withdrawn at the holder's request")."""
    issued = service.get_issued(db=db, credential_id=credential_id)
    jwt = issued.format == CredentialFormat.JWT
    return Response(
        service.served_document(db, issued),
        media_type="application/vc+jwt" if jwt else "application/vc+ld+json",
        headers={"Content-Disposition": f'attachment; filename="{issued.uuid}.{"jwt" if jwt else "json"}"'},
    )


def _change(action: str):  # type: ignore[no-untyped-def]
    def change(
        request: Request,
        db: DB,
        actor: Actor,
        now: Now,
        credential_id: str,
        data: Annotated[StatusChange | None, Body()] = None,
    ) -> IssuedRead:
        issuing = _issuing(request)
        issued = getattr(service, action)(
            db=db,
            actor=actor,
            credential_id=credential_id,
            reason=data.reason if data else None,
            issuing=issuing,
            now=now,
        )
        return service.issued_read(issued, issuing.base_url)

    change.__doc__ = {
        "revoke": "Revokes the credential for good (flips its bit in the revocation list).",
        "suspend": "Suspends the credential (flips its bit in the suspension list).",
        "reinstate": "Lifts a suspension.",
    }[action]
    change.__name__ = action
    return change


for _action in ("revoke", "suspend", "reinstate"):
    router.add_api_route(
        f"/issued/{{credential_id}}/{_action}", _change(_action), methods=["POST"], response_model=IssuedRead
    )


@router.get("/learners/{person_id}", response_model=list[IssuedRead])
def learner_credentials(request: Request, db: DB, actor: Actor, person_id: int) -> list[IssuedRead]:
    """A learner's credentials (the learner, the office, the issuers' managers)."""
    base = _issuing(request).base_url
    return [
        service.issued_read(c, base)
        for c in service.learner_credentials(db=db, actor=actor, person_id=person_id)
    ]


@router.post("/verify", response_model=VerificationReport)
async def verify(request: Request, db: DB, now: Now) -> VerificationReport:
    """Verifies a credential sent as the request body: JSON with an embedded proof, or a JWT (text)."""
    body = await request.body()
    if len(body) > MAX_CREDENTIAL_BYTES:
        raise InvalidInput("a credential larger than 2 MiB is refused", field="body")
    # Off the event loop: the JSON-LD work runs in a worker process within limits.VERIFY_BUDGET_S (issue 18).
    base_url = _issuing(request).base_url
    return await run_in_threadpool(service.verify, db=db, data=body, base_url=base_url, now=now)


@router.get("/issuers/{organisation}/keys", response_model=list[KeyRead])
def issuer_keys(db: DB, organisation: str) -> list[KeyRead]:
    """An issuer's public keys, active and retired (private keys never leave the server)."""
    return [KeyRead.model_validate(k) for k in service.keys_of(db=db, organisation=organisation)]


@router.post(
    "/issuers/{organisation}/keys/rotate", response_model=KeyRead, status_code=status.HTTP_201_CREATED
)
def rotate_key(
    request: Request,
    db: DB,
    actor: Actor,
    now: Now,
    organisation: str,
    identity: Annotated[IssuerIdentity | None, Body()] = None,
) -> KeyRead:
    """Retires the active key and makes a new one (optionally switching to did:web on a domain)."""
    key = service.rotate_key(
        db=db, actor=actor, organisation=organisation, issuing=_issuing(request), now=now, identity=identity
    )
    return KeyRead.model_validate(key)
