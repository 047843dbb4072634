"""The API under /api/credentials and the public pages: /verify, certificates, status lists, DID documents."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.credentials import jsonld, service
from tests.conftest import create_user, login, use_csrf
from tests.credentials.conftest import achievement_values, issue


def test_the_office_creates_achievements_and_issues_over_the_api(
    office_client: TestClient, world: dict[str, int]
) -> None:
    created = office_client.post("/api/credentials/achievements", json=achievement_values())
    assert created.status_code == 201, created.text
    slug = created.json()["slug"]
    issued = office_client.post("/api/credentials/issue", json={"achievement": slug, "learner": world["p0"]})
    assert issued.status_code == 201, issued.text
    body = issued.json()
    credential = body["document"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    uuid = body["credential"]["id"].removeprefix("urn:uuid:")
    report = office_client.post("/api/credentials/verify", content=json.dumps(credential)).json()
    assert report["valid"] is True, report
    download = office_client.get(f"/api/credentials/issued/{uuid}/download")
    assert download.headers["content-type"].startswith("application/vc+ld+json")
    assert json.loads(download.text)["id"] == credential["id"]
    status_url = credential["credentialStatus"][0]["statusListCredential"].replace(
        "http://127.0.0.1:8000", ""
    )
    assert office_client.get(status_url).json()["type"][1] == "BitstringStatusListCredential"
    revoked = office_client.post(f"/api/credentials/issued/{uuid}/revoke", json={"reason": "mistake"})
    assert revoked.json()["status"] == "revoked"
    report = office_client.post("/api/credentials/verify", content=json.dumps(credential)).json()
    assert report["valid"] is False
    assert {"check": "status", "ok": False, "reason": "revoked by the issuer"} in report["checks"]
    jwt = office_client.post(
        "/api/credentials/issue", json={"achievement": slug, "learner": 2, "format": "jwt"}
    )
    assert isinstance(jwt.json()["document"], str)
    bulk = office_client.post(
        "/api/credentials/issue-bulk", json={"achievement": slug, "learners": [world["p1"], world["p2"]]}
    )
    assert bulk.json()["count"] == 2


def test_visitors_cannot_issue_but_can_verify(client: TestClient, world: dict[str, int]) -> None:
    refused = client.post("/api/credentials/achievements", json=achievement_values())
    assert refused.status_code == 401 and refused.json()["code"] == "not_authenticated"
    report = client.post("/api/credentials/verify", content=b"garbage").json()
    assert report["valid"] is False and report["checks"][0]["check"] == "format"
    bad = client.post("/api/credentials/achievements/", json={})
    assert bad.status_code in (401, 404, 405, 422)


def test_the_verify_page_takes_pasted_text_and_files(
    client: TestClient,
    sessions: sessionmaker[Session],
    issuing: service.Issuing,
    achievement: str,
    world: dict[str, int],
) -> None:
    _uuid, text = issue(sessions, issuing, achievement, world["p0"])
    use_csrf(client)
    page = client.get("/verify")
    assert page.status_code == 200 and "Verify a credential" in page.text
    pasted = client.post("/verify", data={"credential": text})
    assert pasted.status_code == 200 and "Valid credential" in pasted.text
    tampered = text.replace("Hydrogen VET teacher", "Hydrogen VET teacher (master)", 1)
    failed = client.post("/verify", data={"credential": tampered})
    assert "Not valid" in failed.text and "the signature does not match" in failed.text
    uploaded = client.post("/verify", files={"file": ("c.json", text.encode(), "application/json")})
    assert "Valid credential" in uploaded.text
    huge = client.post(
        "/verify", files={"file": ("c.json", b" " * (2 * 1024 * 1024 + 1), "application/json")}
    )
    assert huge.status_code == 422 and "larger than 2 MiB" in huge.text
    empty = client.post("/verify", data={"credential": "  "})
    assert empty.status_code == 422 and "paste a credential" in empty.text


def test_the_certificate_page_has_a_qr_code_to_verification_and_a_pdf(
    client: TestClient,
    sessions: sessionmaker[Session],
    issuing: service.Issuing,
    achievement: str,
    world: dict[str, int],
) -> None:
    from skillatlas.auth.permissions import SYSTEM
    from skillatlas.db import unit_of_work
    from skillatlas.privacy import service as privacy
    from tests.conftest import NOW

    with unit_of_work(sessions) as db:  # the learner shows her name (without it: a salted hash, not shown)
        privacy.set_consent(db=db, actor=SYSTEM, person_id=world["p0"], purpose="name_on_credentials",
                            given=True, now=NOW)  # fmt: skip
    uuid, _text = issue(sessions, issuing, achievement, world["p0"])
    page = client.get(f"/credentials/{uuid}")
    assert page.status_code == 200
    assert "Ana Popescu" in page.text and "EQF 5" in page.text and "<svg" in page.text
    assert f"http://127.0.0.1:8000/verify?credential={uuid}" in page.text
    assert client.get(f"/verify?credential={uuid}").text.count("Valid credential") == 1
    pdf = client.get(f"/credentials/{uuid}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get("/credentials/00000000-0000-0000-0000-000000000000").status_code == 404


def test_a_learner_sees_their_own_credentials_only(
    client: TestClient,
    sessions: sessionmaker[Session],
    issuing: service.Issuing,
    achievement: str,
    world: dict[str, int],
) -> None:
    _user, person = create_user(sessions, "learner@example.org")
    issue(sessions, issuing, achievement, person)
    issue(sessions, issuing, achievement, world["p0"])
    login(client, "learner@example.org")
    mine = client.get(f"/api/credentials/learners/{person}")
    assert mine.status_code == 200 and len(mine.json()) == 1
    assert client.get(f"/api/credentials/learners/{world['p0']}").status_code == 403
    page = client.get(f"/learners/{person}/credentials")
    assert "Hydrogen VET teacher" in page.text and "download (JSON)" in page.text


def test_did_web_documents_and_contexts_are_served(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    rotated = office_client.post(
        "/api/credentials/issuers/asa/keys/rotate", json={"method": "web", "domain": "testserver"}
    )
    assert rotated.status_code == 201, rotated.text
    did = office_client.get("/credentials/issuers/asa/did.json").json()
    assert did["id"] == "did:web:testserver:credentials:issuers:asa"
    assert did["verificationMethod"][0]["type"] == "Multikey"
    keys = office_client.get("/api/credentials/issuers/asa/keys").json()
    assert [k["status"] for k in keys] == ["active"] and "private" not in json.dumps(keys)
    context = office_client.get("/credentials/contexts/skillatlas-eu-microcredential-v1.jsonld")
    assert "eqfLevel" in context.json()["@context"]  # the first extension, still served for old credentials
    # The published extension: public (no session), JSON-LD, readable from any site, and the very bytes
    # whose digest every credential pins.
    published = TestClient(office_client.app).get("/contexts/eu-microcredential/v1.jsonld")
    assert published.status_code == 200
    assert published.headers["content-type"] == "application/ld+json"
    assert published.headers["access-control-allow-origin"] == "*"
    assert jsonld.sri(published.content, "sha384") == jsonld.extension_sri()
    assert "workloadHours" in published.json()["@context"] and "eqfLevel" not in published.json()["@context"]
    assert office_client.get("/credentials/contexts/nope.json").status_code == 404
    assert office_client.get("/credentials/status/nobody/revocation").status_code == 404
