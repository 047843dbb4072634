"""European Digital Credentials in a real browser: the office gives EDUCAM its legal identifier on the
organisation's form and loads its seal certificate (PKCS#12) on the seal certificates page, a wrong password
shown beside its field; the worker opens their credential and downloads it as an EDC, which verifies with
jwcrypto and the certificate the office loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import User
from skillatlas.auth.permissions import SYSTEM
from skillatlas.config import Settings
from skillatlas.credentials import service
from skillatlas.credentials.schemas import AchievementCreate, IssueRequest
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from tests.browser.test_credentials_walkthrough import OFFICE, WORKER, log_in, reads_well
from tests.conftest import NOW
from tests.edc.conftest import p12, shacl
from tests.edc.test_edc import jwcrypto_open

pytestmark = pytest.mark.browser


def test_the_worker_downloads_an_edc_sealed_with_the_loaded_certificate(
    live_server: str, page: Page, sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    with unit_of_work(sessions) as db:
        worker = db.scalar(select(User.person_id).where(User.email == WORKER))
        service.create_achievement(
            db=db,
            actor=SYSTEM,
            data=AchievementCreate.model_validate(
                {
                    "name": "EV battery isolation",
                    "issuer": "educam",
                    "description": "Isolates a high-voltage battery safely.",
                    "criteria": "Pass the practical test.",
                    "learning_outcomes": ["Isolates a high-voltage battery"],
                    "eqf_level": 4,
                    "hours": 8,
                    "ects": 1,
                    "assessment_type": "practical_demonstration",
                    "participation_form": "on_site",
                    "quality_assurance": "Reviewed by the ASA",
                    "isced_f": "0716",
                }
            ),
        )
        uuid = service.issue(
            db=db,
            actor=SYSTEM,
            issuing=issuing_for(settings),
            now=NOW,
            data=IssueRequest(achievement="ev-battery-isolation", learner=worker),
        ).uuid

    # The office: EDUCAM's legal identifier, on the organisation's form
    log_in(page, live_server, OFFICE)
    page.goto(f"{live_server}/organisations/educam/edit")
    page.get_by_label("Legal identifier").fill("VATBE-0455555555")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(f"{live_server}/organisations/educam?saved=1")

    # ... and its seal certificate, on the seal certificates page (from the menu)
    page.locator("summary", has_text="Office").click()
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Seal certificates", exact=True
    ).click()
    expect(page).to_have_url(f"{live_server}/seal-certificates")
    reads_well(page)
    data, leaf, _ = p12(b"educam-seal")
    certificate = tmp_path / "educam-seal.p12"
    certificate.write_bytes(data)
    form = page.locator("form", has=page.get_by_role("button", name="Load the certificate"))
    form.get_by_label("Organisation").select_option(label="EDUCAM")
    form.get_by_label("Certificate file").set_input_files(str(certificate))
    form.get_by_label("Password").fill("not the password")
    form.get_by_role("button", name="Load the certificate").click()
    expect(page.locator(".field.has-error", has=page.get_by_label("Password"))).to_contain_text(
        "the password does not open this PKCS#12 file"
    )
    form = page.locator("form", has=page.get_by_role("button", name="Load the certificate"))
    expect(form.get_by_label("Organisation")).to_have_value("educam")  # what was chosen stays
    form.get_by_label("Certificate file").set_input_files(str(certificate))
    form.get_by_label("Password").fill("educam-seal")
    form.get_by_role("button", name="Load the certificate").click()
    expect(page.locator("#seal-loaded")).to_be_visible()
    expect(page.locator("#seals")).to_contain_text("Test Qualified Seal CA")
    reads_well(page)

    # The worker: their credential's page, "European Digital Credential (EDC)"
    log_in(page, live_server, WORKER)
    page.goto(f"{live_server}/credentials/{uuid}")
    with page.expect_download() as download:
        page.get_by_role("link", name="European Digital Credential (EDC)").click()
    saved = tmp_path / "edc.json"
    download.value.save_as(saved)
    payload, header, chain = jwcrypto_open(json.loads(saved.read_text()))
    assert chain[0] == leaf and header["alg"] == "RS256"
    assert payload["id"] == f"urn:uuid:{uuid}"
    assert payload["issuer"]["eIDASIdentifier"]["notation"] == "VATBE-0455555555"
    conforms, _, report = shacl(payload)
    assert conforms, report
