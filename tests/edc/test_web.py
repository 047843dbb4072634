"""The EDC at every door: the learner downloads it from the credential page and the API; other learners may
not; the office loads a seal certificate on its page (errors beside their fields) and gives an organisation
its legal identifier in the browser; `skillatlas credentials issue --format edc` writes the sealed EDC."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.alliance.models import Organisation
from skillatlas.cli import app
from skillatlas.credentials.edc.models import SealCertificate
from skillatlas.db import unit_of_work
from tests.browser.page_checks import problems_in
from tests.conftest import create_user, login
from tests.credentials.conftest import issue
from tests.edc.conftest import p12, shacl
from tests.edc.test_edc import jwcrypto_open


def _legal(sessions: sessionmaker[Session], value: str | None) -> None:
    with unit_of_work(sessions) as db:
        db.scalar(select(Organisation).where(Organisation.slug == "asa")).legal_identifier = value


def _field_error(html: str, name: str) -> str:
    """The message shown beside a form field (the macros' error span after the field)."""
    match = re.search(
        rf'<div class="field has-error">(?:(?!<div class="field).)*?name="{name}".*?</div>', html, re.S
    )
    assert match, f"no error beside {name}"
    return re.sub(r"<[^>]+>", " ", match.group(0))


def test_the_learner_downloads_the_edc_and_others_may_not(
    client: TestClient, sessions: sessionmaker[Session], issuing: Any, achievement: str, world: dict[str, int]
) -> None:
    _legal(sessions, "VATBE-0123456789")
    # a learner with an account
    _, person = create_user(sessions, "ana.account@example.org")
    uuid, _ = issue(sessions, issuing, achievement, person)
    other, _ = issue(sessions, issuing, achievement, world["p1"])
    login(client, "ana.account@example.org")
    page = client.get(f"/credentials/{uuid}")
    assert f'href="/credentials/{uuid}/edc"' in page.text and "European Digital Credential (EDC)" in page.text
    assert f'href="/credentials/{uuid}/edc"' in client.get("/my/credentials").text
    download = client.get(f"/credentials/{uuid}/edc")
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("application/jose+json")
    assert "attachment" in download.headers["content-disposition"]
    payload, header, _ = jwcrypto_open(download.json())
    assert payload["id"] == f"urn:uuid:{uuid}" and header["x5c"]
    assert shacl(payload)[0]
    api = client.get(f"/api/credentials/issued/{uuid}/edc")
    assert api.status_code == 200 and jwcrypto_open(api.json())[0]["id"] == f"urn:uuid:{uuid}"
    # another learner's credential: refused, and no link on its page
    assert client.get(f"/credentials/{other}/edc").status_code == 403
    assert client.get(f"/api/credentials/issued/{other}/edc").status_code == 403
    assert f"/credentials/{other}/edc" not in client.get(f"/credentials/{other}").text
    # without a legal identifier the organisation cannot award an EDC: 409 naming the field, and no link
    _legal(sessions, None)
    refused = client.get(f"/api/credentials/issued/{uuid}/edc")
    assert refused.status_code == 409 and refused.json()["field"] == "legal_identifier"
    page = client.get(f"/credentials/{uuid}").text
    assert f"/credentials/{uuid}/edc" not in page and "records its legal identifier" in page
    assert problems_in(page) == []
    assert f"/credentials/{uuid}/edc" not in client.get("/my/credentials").text


def test_the_office_loads_a_seal_certificate_on_its_page(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    page = office_client.get("/seal-certificates")
    assert page.status_code == 200 and "Automotive Skills Alliance" in page.text
    data, _, _ = p12(b"right")
    files = {"certificate": ("seal.p12", data, "application/x-pkcs12")}
    wrong = office_client.post(
        "/seal-certificates", data={"organisation": "asa", "password": "wrong"}, files=files
    )
    assert wrong.status_code == 422
    assert "password does not open" in _field_error(wrong.text, "password")
    empty = office_client.post("/seal-certificates", data={"password": "right"})
    assert empty.status_code == 422
    assert "Choose the organisation" in _field_error(empty.text, "organisation")
    assert "Choose the certificate file" in _field_error(empty.text, "certificate")
    junk = office_client.post(
        "/seal-certificates",
        data={"organisation": "asa"},
        files={"certificate": ("seal.p12", b"junk", "application/x-pkcs12")},
    )
    assert "neither a PKCS#12 file" in _field_error(junk.text, "certificate")
    loaded = office_client.post(
        "/seal-certificates",
        data={"organisation": "asa", "password": "right"},
        files=files,
        follow_redirects=False,
    )
    assert loaded.status_code == 303, loaded.text
    listing = office_client.get(loaded.headers["location"])
    assert "The certificate is loaded" in listing.text and "Test Qualified Seal CA" in listing.text
    assert problems_in(listing.text) == []  # nothing internal shows (the crawl's checks)
    with unit_of_work(sessions) as db:
        assert db.scalar(select(SealCertificate.self_signed)) is False
    missing = office_client.post("/seal-certificates/self-signed", data={})
    assert missing.status_code == 422 and "Choose the organisation" in _field_error(
        missing.text, "self_organisation"
    )
    made = office_client.post(
        "/seal-certificates/self-signed", data={"self_organisation": "acme"}, follow_redirects=False
    )
    assert made.status_code == 303


def test_the_legal_identifier_is_edited_in_the_browser(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    form = office_client.get("/organisations/asa/edit")
    assert 'name="legal_identifier"' in form.text
    values = {
        "name": "Automotive Skills Alliance",
        "short_name": "ASA",
        "type": "association_network",
        "country": "BE",
        "website": "https://automotive-skills-alliance.eu",
        "legal_identifier": " VATBE-0123456789 ",
        "description": "",
    }
    saved = office_client.post("/organisations/asa/edit", data=values, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    with unit_of_work(sessions) as db:
        assert db.scalar(select(Organisation.legal_identifier).where(Organisation.slug == "asa")) == (
            "VATBE-0123456789"
        )
    assert 'value="VATBE-0123456789"' in office_client.get("/organisations/asa/edit").text
    assert "legal identifier VATBE-0123456789" in office_client.get("/organisations/asa").text
    too_long = office_client.post("/organisations/asa/edit", data={**values, "legal_identifier": "X" * 101})
    assert too_long.status_code == 422 and _field_error(too_long.text, "legal_identifier")


def test_the_cli_issues_a_sealed_edc_and_loads_a_pkcs12(
    cli_env: dict[str, str],
    sessions: sessionmaker[Session],
    achievement: str,
    world: dict[str, int],
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    _legal(sessions, None)
    out = tmp_path / "edc.json"
    args = ["credentials", "issue", "--achievement", achievement, "--learner", str(world["p0"])]
    refused = runner.invoke(app, [*args, "--format", "edc", "--out", str(out)])
    assert refused.exit_code == 2 and "legal identifier" in refused.output
    assert not out.exists()
    data, leaf, _ = p12(b"cli-pass")
    (tmp_path / "seal.p12").write_bytes(data)
    loaded = runner.invoke(
        app,
        [
            "credentials",
            "edc",
            "load-certificate",
            "--organisation",
            "asa",
            "--file",
            str(tmp_path / "seal.p12"),
        ],
        env={"SKILLATLAS_SEAL_PASSWORD": "cli-pass"},
    )
    assert loaded.exit_code == 0, loaded.output
    result = runner.invoke(app, [*args, "--format", "edc", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sealed = json.loads(out.read_text())
    payload, header, chain = jwcrypto_open(sealed)
    assert chain[0] == leaf and header["alg"] == "RS256"
    conforms, _, report = shacl(payload)
    assert conforms, report
    assert payload["issuer"]["eIDASIdentifier"]["notation"] == "VATBE-0999888777"  # from the certificate
    verified = runner.invoke(app, ["credentials", "verify", str(out), "--json"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)["valid"] is True
    out.write_text(out.read_text().replace("Hydrogen VET teacher", "Hydrogen VET Teacher", 1))
    assert runner.invoke(app, ["credentials", "verify", str(out), "--json"]).exit_code == 1


def test_the_verify_door_checks_a_sealed_edc(
    client: TestClient, sessions: sessionmaker[Session], issuing: Any, achievement: str, world: dict[str, int]
) -> None:
    from skillatlas.auth.permissions import SYSTEM
    from skillatlas.credentials import service as credentials
    from skillatlas.credentials.edc import seal
    from skillatlas.credentials.edc import service as edc
    from tests.edc.test_edc import NOW

    _legal(sessions, "VATBE-0123456789")
    uuid, _ = issue(sessions, issuing, achievement, world["p0"])
    with unit_of_work(sessions) as db:
        sealed = edc.sealed_edc(db=db, actor=SYSTEM, credential_id=uuid, issuing=issuing, now=NOW)
    text = json.dumps(sealed)

    def checks(body: str) -> dict[str, Any]:
        report = client.post("/api/credentials/verify", content=body.encode())
        assert report.status_code == 200, report.text
        return report.json()

    report = checks(text)
    assert report["valid"] is True and report["format"] == "edc", report
    assert {c["check"] for c in report["checks"]} == {"format", "seal", "certificate", "issuer", "status"}
    tampered = checks(text.replace("Hydrogen VET teacher", "Hydrogen VET teacher!", 1))
    assert tampered["valid"] is False
    assert next(c for c in tampered["checks"] if c["check"] == "seal")["ok"] is False
    # a seal from a certificate nobody loaded here verifies, but its issuer is not known
    stranger = seal.seal(
        json.loads(sealed["payload"]),
        seal.self_signed(name="X", country="BE", legal_identifier=None, now=NOW),
        NOW,
    )
    unknown = checks(json.dumps(stranger))
    assert unknown["valid"] is False
    assert [c["ok"] for c in unknown["checks"] if c["check"] in ("seal", "issuer")] == [True, False]
    # the page shows the same verdict; a revoked credential is refused
    use = client.post("/verify", data={"credential": text}, headers={"X-CSRF-Token": _csrf(client)})
    assert "Valid credential" in use.text
    with unit_of_work(sessions) as db:
        credentials.revoke(
            db=db, actor=SYSTEM, credential_id=uuid, reason="mistake", issuing=issuing, now=NOW
        )
    revoked = checks(text)
    assert revoked["valid"] is False
    assert {"check": "status", "ok": False, "reason": "revoked by the issuer"} in revoked["checks"]


def _csrf(client: TestClient) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client)


def test_the_cli_records_the_field_of_education(
    cli_env: dict[str, str], sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    from skillatlas.credentials.models import Achievement

    runner = CliRunner()
    base = ["credentials", "achievements", "create", "--name", "Body repair", "--issuer", "asa"]
    base += ["--description", "Repairs car bodies.", "--criteria", "Pass.", "--outcome", "Repairs a door"]
    base += [
        "--eqf-level",
        "4",
        "--hours",
        "10",
        "--assessment",
        "written_exam",
        "--participation",
        "on_site",
    ]
    base += ["--quality-assurance", "Reviewed"]
    wrong = runner.invoke(app, [*base, "--isced-f", "9999"])
    assert wrong.exit_code == 2 and "field of education" in wrong.output
    made = runner.invoke(app, [*base, "--isced-f", "0716"])
    assert made.exit_code == 0, made.output
    with unit_of_work(sessions) as db:
        assert db.scalar(select(Achievement.isced_f).where(Achievement.slug == "body-repair")) == "0716"


def test_the_achievement_form_takes_the_field_of_education(
    office_client: TestClient, sessions: sessionmaker[Session], world: dict[str, int]
) -> None:
    from skillatlas.credentials.models import Achievement
    from tests.credentials.conftest import achievement_values

    values = {**achievement_values(), "learning_outcomes": "Explains fuel-cell safety rules"}
    values.pop("skills")
    form = office_client.get("/achievements/new").text
    assert 'name="isced_f"' in form and "0716 Motor vehicles, ships and aircraft" in form
    wrong = office_client.post("/achievements", data={**values, "isced_f": "12"})
    assert wrong.status_code == 422 and "field of education" in _field_error(wrong.text, "isced_f")
    made = office_client.post("/achievements", data={**values, "isced_f": "0716"}, follow_redirects=False)
    assert made.status_code == 303, made.text
    with unit_of_work(sessions) as db:
        assert db.scalar(select(Achievement.isced_f)) == "0716"
    edit = office_client.get(made.headers["location"] + "/edit").text
    assert '<option value="0716" selected>' in edit
