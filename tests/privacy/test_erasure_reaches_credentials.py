"""Erasure reaches the credentials: revoked at the holder's request, nothing public shows the name any more;
and the learner's name in new credentials is a salted hash unless the learner chooses to show it."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import zlib
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials.models import IssuedCredential
from skillatlas.db import unit_of_work
from skillatlas.privacy import service as privacy
from skillatlas.privacy.models import ConsentPurpose
from tests.conftest import NOW
from tests.credentials.conftest import achievement, achievement_values, world  # noqa: F401

NAME = "Ana Popescu"  # world["p0"], ana@example.org
WITHDRAWN = "withdrawn at the holder"


def pdf_text(content: bytes) -> str:
    """The text of a PDF with its compressed streams opened (fpdf2 deflates every page)."""
    parts = [content.decode("latin-1")]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        with contextlib.suppress(zlib.error):  # an image or font stream that is not text
            parts.append(zlib.decompress(stream).decode("latin-1"))
    return "\n".join(parts)


def show_name(sessions: sessionmaker[Session], person: int, given: bool) -> None:
    with unit_of_work(sessions) as db:
        privacy.set_consent(db=db, actor=SYSTEM, person_id=person, purpose=ConsentPurpose.NAME_ON_CREDENTIALS,
                            given=given, now=NOW)  # fmt: skip


def issue(client: TestClient, slug: str, learner: int, fmt: str = "ldp") -> tuple[str, Any]:
    """Issues through the API (the app's keys): (uuid, the document as returned)."""
    issued = client.post(
        "/api/credentials/issue", json={"achievement": slug, "learner": learner, "format": fmt}
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    return body["credential"]["id"].removeprefix("urn:uuid:"), body["document"]


def name_identity(document: dict[str, Any]) -> dict[str, Any]:
    return next(i for i in document["credentialSubject"]["identifier"] if i["identityType"] == "name")


def test_erasure_revokes_the_credentials_and_no_public_page_or_download_shows_the_holder(
    office_client: TestClient,
    sessions: sessionmaker[Session],
    world: dict[str, int],  # noqa: F811
    db: Session,
) -> None:
    client = office_client
    person = world["p0"]
    show_name(sessions, person, True)  # the worst case: the name in plain words in the signed document
    slug = client.post("/api/credentials/achievements", json=achievement_values()).json()["slug"]
    ldp, document = issue(client, slug, person)
    jwt, token = issue(client, slug, person, fmt="jwt")
    email_hash = next(
        i["identityHash"]
        for i in document["credentialSubject"]["identifier"]
        if i["identityType"] == "emailAddress"
    )
    before = client.get(f"/credentials/{ldp}")
    assert before.status_code == 200 and NAME in before.text
    held_copy = client.get(f"/api/credentials/issued/{ldp}/download").text  # what the holder keeps
    assert NAME in held_copy

    erased = client.post(f"/api/people/{person}/erase", json={})
    assert erased.status_code == 200, erased.text
    assert erased.json()["credentials_revoked"] == 2

    for uuid in (ldp, jwt):
        record = client.get(f"/api/credentials/issued/{uuid}").json()
        assert record["status"] == "revoked"
        page = client.get(f"/credentials/{uuid}")
        assert page.status_code == 410 and WITHDRAWN in page.text
        pdf = client.get(f"/credentials/{uuid}.pdf")
        assert pdf.status_code == 410 and WITHDRAWN in pdf.text
        download = client.get(f"/api/credentials/issued/{uuid}/download")
        assert download.status_code == 410 and download.json()["code"] == "withdrawn"
        check = client.get("/verify", params={"credential": uuid})
        assert check.status_code == 200 and WITHDRAWN in check.text
        for response in (page, pdf, download, check):
            assert NAME not in response.text and email_hash not in response.text
            assert "ana@example.org" not in response.text
    listing = client.get(f"/learners/{person}/credentials")
    assert listing.status_code == 200 and NAME not in listing.text
    # The copy the holder kept no longer verifies: the issuer's status list says revoked.
    report = client.post("/api/credentials/verify", content=held_copy).json()
    assert report["valid"] is False
    assert {"check": "status", "ok": False, "reason": "revoked by the issuer"} in report["checks"]

    stored = db.scalars(select(IssuedCredential).where(IssuedCredential.person_id == person)).all()
    assert {(c.reason, c.document) for c in stored} == {("erased at the holder's request", "")}
    assert all(c.revoked_at is not None for c in stored)
    export = client.get(f"/api/people/{person}/personal-data").json()
    assert [c["document"] for c in export["credentials"]] == [None, None]
    assert NAME not in json.dumps(export, ensure_ascii=False) and token not in json.dumps(export)
    # Nothing new is issued to an erased person.
    again = client.post("/api/credentials/issue", json={"achievement": slug, "learner": person})
    assert again.status_code == 409


def test_name_on_credentials_decides_the_learners_name_in_new_credentials(
    office_client: TestClient,
    sessions: sessionmaker[Session],
    world: dict[str, int],  # noqa: F811
) -> None:
    client = office_client
    person = world["p0"]
    slug = client.post("/api/credentials/achievements", json=achievement_values()).json()["slug"]

    # Never asked: the name is a salted hash (Open Badges 3.0 IdentityObject, hashed, with its salt).
    hashed, document = issue(client, slug, person)
    identity = name_identity(document)
    assert identity["hashed"] is True and identity["salt"]
    assert (
        identity["identityHash"] == "sha256$" + hashlib.sha256((NAME + identity["salt"]).encode()).hexdigest()
    )
    assert NAME not in json.dumps(document, ensure_ascii=False)
    page = client.get(f"/credentials/{hashed}")
    assert page.status_code == 200 and NAME not in page.text and "its holder" in page.text
    assert NAME not in pdf_text(client.get(f"/credentials/{hashed}.pdf").content)
    assert client.post("/api/credentials/verify", content=json.dumps(document)).json()["valid"] is True
    # The JWT form too.
    _jwt, token = issue(client, slug, person, fmt="jwt")
    body = token.split(".")[1]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert name_identity(payload)["hashed"] is True and NAME not in json.dumps(payload, ensure_ascii=False)

    # Given: the name in plain words, on the page and in the PDF.
    show_name(sessions, person, True)
    named, document = issue(client, slug, person)
    assert name_identity(document) == {"type": "IdentityObject", "identityType": "name", "hashed": False,
                                       "identityHash": NAME}  # fmt: skip
    assert NAME in client.get(f"/credentials/{named}").text
    assert NAME in pdf_text(client.get(f"/credentials/{named}.pdf").content)

    # Withdrawn: hashed again from the next credential on.
    show_name(sessions, person, False)
    _again, document = issue(client, slug, person)
    assert name_identity(document)["hashed"] is True and NAME not in json.dumps(document, ensure_ascii=False)
