"""A learner's name in new credentials is a salted hash (an Open Badges 3.0 IdentityObject with hashed: true and
its salt) unless the learner chooses to show it: one choice, made on their credentials page, through the API
(their consent `name_on_credentials`) or with the CLI; credentials already issued keep what they carry."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.cli import app
from skillatlas.credentials import service
from tests.conftest import create_user, login
from tests.credentials.conftest import issue

runner = CliRunner()


def name_identity(text: str) -> dict[str, Any]:
    document = json.loads(text)
    return next(i for i in document["credentialSubject"]["identifier"] if i["identityType"] == "name")


def hashed(identity: dict[str, Any], name: str) -> bool:
    expected = "sha256$" + hashlib.sha256((name + identity["salt"]).encode()).hexdigest()
    return identity["hashed"] is True and identity["identityHash"] == expected


def shows(sessions: sessionmaker[Session], person: int) -> bool:
    with sessions() as db:
        return service.shows_name(db=db, person_id=person)


def test_the_learner_chooses_on_their_credentials_page_and_new_credentials_follow(
    client: TestClient,
    sessions: sessionmaker[Session],
    issuing: service.Issuing,
    achievement: str,
    world: dict[str, int],
) -> None:
    _user, person = create_user(sessions, "mira@test.example", {"role": "worker"})  # full name "Mira"
    login(client, "mira@test.example")
    page = client.get("/my/credentials")
    assert page.status_code == 200
    assert (
        'id="show_name"' in page.text and "checked" not in page.text.split('id="show_name"')[1].split(">")[0]
    )
    assert hashed(name_identity(issue(sessions, issuing, achievement, person)[1]), "Mira")

    chosen = client.post("/my/credentials/name", data={"show_name": "yes"}, follow_redirects=False)
    assert (chosen.status_code, chosen.headers["location"]) == (303, "/my/credentials?saved=name")
    page = client.get(chosen.headers["location"])
    assert 'id="name-choice-saved"' in page.text
    assert "checked" in page.text.split('id="show_name"')[1].split(">")[0]
    assert shows(sessions, person)
    _uuid, text = issue(sessions, issuing, achievement, person)
    assert name_identity(text) == {
        "type": "IdentityObject",
        "identityType": "name",
        "hashed": False,
        "identityHash": "Mira",
    }

    # unticked: back to the salted hash for what is issued next; what was issued keeps its plain name
    client.post("/my/credentials/name", data={}, follow_redirects=False)
    assert not shows(sessions, person)
    assert hashed(name_identity(issue(sessions, issuing, achievement, person)[1]), "Mira")
    assert name_identity(text)["hashed"] is False

    # nobody chooses for someone else through this page: it acts on the logged-in learner only
    client.cookies.clear()
    anonymous = client.post("/my/credentials/name", data={"show_name": "yes"}, follow_redirects=False)
    assert anonymous.status_code in (303, 401, 403) and not shows(sessions, person)


def test_the_api_and_the_cli_make_the_same_choice(
    client: TestClient,
    sessions: sessionmaker[Session],
    cli_env: dict[str, str],
    achievement: str,
    world: dict[str, int],
    tmp_path: Path,
) -> None:
    _user, person = create_user(sessions, "jan@test.example", {"role": "worker"})
    login(client, "jan@test.example")
    put = client.put(f"/api/people/{person}/consents/name_on_credentials", json={"given": True})
    assert put.status_code == 200, put.text
    assert shows(sessions, person)

    result = runner.invoke(app, ["credentials", "name-choice", "--email", "jan@test.example", "--hash"])
    assert result.exit_code == 0, result.output
    assert "a salted hash of the name" in result.output and not shows(sessions, person)
    out = tmp_path / "hashed.json"
    done = runner.invoke(
        app,
        ["credentials", "issue", "--achievement", achievement, "--learner", str(person), "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    assert hashed(name_identity(out.read_text()), "Jan") and "Jan" not in out.read_text()

    result = runner.invoke(app, ["credentials", "name-choice", "--learner", str(person), "--show"])
    assert result.exit_code == 0, result.output
    assert shows(sessions, person)
    done = runner.invoke(
        app,
        ["credentials", "issue", "--achievement", achievement, "--learner", str(person), "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    assert name_identity(out.read_text())["identityHash"] == "Jan"
