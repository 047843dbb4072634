"""Independent interop: the Digital Credentials Consortium JS stack (tools/dcc) verifies what SkillAtlas
issues, status list included, and SkillAtlas verifies what that stack issues."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.permissions import SYSTEM
from skillatlas.credentials import service
from skillatlas.credentials.verify import schema_errors
from skillatlas.db import unit_of_work
from tests.credentials.conftest import ISSUED_AT, failed, issue, verify

DCC = Path(__file__).resolve().parents[2] / "tools" / "dcc"
pytestmark = pytest.mark.skipif(
    not (DCC / "node_modules").is_dir() or shutil.which("node") is None,
    reason="tools/dcc/node_modules is missing: run (cd tools/dcc && npm ci) to test interop with the DCC stack",
)


def node(script: str, *args: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        ["node", str(DCC / script), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def status_args(sessions: sessionmaker[Session], tmp_path: Path, credential: dict[str, Any]) -> list[str]:
    url = credential["credentialStatus"]["statusListCredential"]
    path = tmp_path / "status.json"
    with sessions() as db:
        path.write_text(
            json.dumps(service.status_list_document(db=db, path=url.split("/")[-2], purpose="revocation"))
        )
    return ["--status", f"{url}={path}"]


def test_the_dcc_stack_verifies_our_credentials_and_sees_revocation(
    sessions: sessionmaker[Session],
    issuing: service.Issuing,
    achievement: str,
    world: dict[str, int],
    tmp_path: Path,
) -> None:
    uuid, text = issue(sessions, issuing, achievement, world["p2"])  # a learner named Élodie Ñúñez
    credential = json.loads(text)
    file = tmp_path / "credential.json"
    file.write_text(text)
    code, result = node("verify.js", str(file), *status_args(sessions, tmp_path, credential))
    assert (code, result["verified"], result["status"]) == (0, True, True), result
    with unit_of_work(sessions) as db:
        service.revoke(db=db, actor=SYSTEM, credential_id=uuid, reason=None, issuing=issuing, now=ISSUED_AT)
    code, result = node("verify.js", str(file), *status_args(sessions, tmp_path, credential))
    assert (code, result["verified"], result["status"]) == (1, False, False), result


def test_the_dcc_stack_rejects_a_tampered_credential(
    sessions: sessionmaker[Session],
    issuing: service.Issuing,
    achievement: str,
    world: dict[str, int],
    tmp_path: Path,
) -> None:
    _uuid, text = issue(sessions, issuing, achievement, world["p0"])
    credential = json.loads(text)
    credential["credentialSubject"]["achievement"]["eqfLevel"] = 8
    file = tmp_path / "tampered.json"
    file.write_text(json.dumps(credential))
    code, result = node("verify.js", str(file), *status_args(sessions, tmp_path, credential))
    assert code == 1 and result["verified"] is False


def test_we_verify_a_credential_the_dcc_stack_issued(
    sessions: sessionmaker[Session],
    issuing: service.Issuing,
    achievement: str,
    world: dict[str, int],
    tmp_path: Path,
) -> None:
    _uuid, text = issue(sessions, issuing, achievement, world["p1"])
    template = json.loads(text)
    for name in ("proof", "credentialStatus"):
        template.pop(name)
    template["id"] = "urn:uuid:7f1c7a1e-3b8a-4d5e-9c61-0a2b3c4d5e6f"
    (tmp_path / "unsigned.json").write_text(json.dumps(template))
    code, result = node("issue.js", str(tmp_path / "unsigned.json"), str(tmp_path / "dcc.json"))
    assert code == 0, result
    dcc = json.loads((tmp_path / "dcc.json").read_text())
    assert dcc["issuer"]["id"] == result["did"] != template["issuer"]["id"]
    assert dcc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert schema_errors(dcc) == []
    report = verify(sessions, json.dumps(dcc))
    assert report.valid, failed(report)
    dcc["name"] = "changed"
    assert failed(verify(sessions, json.dumps(dcc))) == {
        "signature": "the signature does not match the signed content or the key"
    }
