"""Independent interop with the Digital Credentials Consortium JS stack (tools/dcc, under node).

The DCC verifier holds only what it ships (VC 2.0, Open Badges 3.0, Data Integrity, status list contexts;
did:key) and what the issuer publishes: it fetches the EU micro-credential extension context and the status
lists over HTTP from the RUNNING SkillAtlas server (`skillatlas serve` in a process of its own), never from
the project's files. Credentials are issued, suspended, reinstated and revoked through the CLI.
The other direction: a credential the DCC stack makes itself (VC 2.0, `validFrom` only) is accepted by
`skillatlas credentials verify`."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from skillatlas.cli import app
from skillatlas.config import Settings, get_settings
from skillatlas.credentials import jsonld
from skillatlas.credentials.verify import schema_errors
from tests.conftest import use_csrf

DCC = Path(__file__).resolve().parents[2] / "tools" / "dcc"
pytestmark = pytest.mark.skipif(
    not (DCC / "node_modules").is_dir() or shutil.which("node") is None,
    reason="tools/dcc/node_modules is missing: run (cd tools/dcc && npm ci) to test interop with the DCC stack",
)
runner = CliRunner()


def node(script: str, *args: str) -> tuple[int, dict[str, Any]]:
    done = subprocess.run(
        ["node", str(DCC / script), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["credentials", *args])
    return result.exit_code, result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(
    settings: Settings, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """`skillatlas serve` on the test database, publishing itself at its own address; the CLI in this
    process writes to the same database and data directory with the same public address."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "SKILLATLAS_DATABASE_URL": settings.effective_database_url,
        "SKILLATLAS_DATA_DIR": str(settings.data_dir),
        "SKILLATLAS_PUBLIC_URL": base,
        "SKILLATLAS_EMBEDDING_BACKEND": "none",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "skillatlas", "serve", "--no-demo", "--no-jobs", "--port", str(port)],
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "serve did not come up in 60 s"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        get_settings.cache_clear()


def dcc_verify(file: Path, base: str) -> tuple[int, dict[str, Any]]:
    return node("verify.js", str(file), "--fetch-from", base)


def test_the_dcc_stack_verifies_a_cli_credential_with_what_the_running_server_publishes(
    server: str, achievement: str, world: dict[str, int], tmp_path: Path
) -> None:
    file = tmp_path / "credential.json"
    code, output = cli(
        "issue", "--achievement", achievement, "--learner", str(world["p2"]), "--out", str(file)
    )
    assert code == 0, output
    credential = json.loads(file.read_text())
    extension = f"{server}/contexts/eu-microcredential/v1.jsonld"
    # Only the standard contexts and the extension this server publishes, pinned by its digest.
    assert credential["@context"] == [jsonld.VC_V2, jsonld.OB_V3, extension]
    assert credential["relatedResource"] == [
        {"id": extension, "digestSRI": jsonld.extension_sri(), "mediaType": "application/ld+json"}
    ]
    assert jsonld.sri(httpx.get(extension).content, "sha384") == jsonld.extension_sri()
    assert [s["statusPurpose"] for s in credential["credentialStatus"]] == ["revocation", "suspension"]
    uuid = credential["id"]

    code, result = dcc_verify(file, server)
    assert (code, result["verified"], result["status"]) == (0, True, True), result
    # what the DCC verifier took from the server (it has no copy of the extension)
    assert set(result["fetched"]) == {
        extension,
        *(s["statusListCredential"] for s in credential["credentialStatus"]),
    }

    code, output = cli("suspend", uuid, "--reason", "under review")
    assert code == 0, output
    code, result = dcc_verify(file, server)
    assert (code, result["verified"], result["refused_for"]) == (1, False, ["suspension"]), result

    code, output = cli("reinstate", uuid)
    assert code == 0, output
    code, result = dcc_verify(file, server)
    assert (code, result["verified"], result["refused_for"]) == (0, True, []), result

    changed = file.read_text().replace('"Hydrogen VET teacher"', '"Hydrogen VET teachers"', 1)
    assert changed.count("teachers") == 1
    (tmp_path / "changed.json").write_text(changed)
    code, result = dcc_verify(tmp_path / "changed.json", server)
    assert (code, result["verified"]) == (1, False), result
    assert result["refused_for"] == []  # refused for the signature, not for a status

    code, output = cli("revoke", uuid, "--reason", "issued in error")
    assert code == 0, output
    code, result = dcc_verify(file, server)
    assert (code, result["verified"], result["refused_for"]) == (1, False, ["revocation"]), result


def test_we_verify_a_credential_the_dcc_stack_made_itself(
    cli_env: dict[str, str], engine: Engine, client: TestClient, tmp_path: Path
) -> None:
    code, made = node("issue.js", "--sample", str(tmp_path / "dcc.json"))
    assert code == 0, made
    dcc = json.loads((tmp_path / "dcc.json").read_text())
    # exactly as the DCC stack makes an Open Badge: VC 2.0, validFrom only, nothing of SkillAtlas's
    assert dcc["@context"] == [jsonld.VC_V2, jsonld.OB_V3]
    assert "validFrom" in dcc and "issuanceDate" not in dcc
    assert dcc["issuer"]["id"] == made["did"] and dcc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert schema_errors(dcc) == []

    code, output = cli("verify", str(tmp_path / "dcc.json"), "--json")
    report = json.loads(output)
    assert (code, report["valid"]) == (0, True), output
    assert {c["check"]: c["ok"] for c in report["checks"]}["schema"] is True

    # The API and the page ask the same service. (Their clock is pinned to tests.conftest.NOW, months before
    # the DCC stack dated it: valid except "not valid yet".)
    api = client.post("/api/credentials/verify", content=(tmp_path / "dcc.json").read_bytes())
    assert api.status_code == 200, api.text
    failed_api = {c["check"]: c["reason"] for c in api.json()["checks"] if not c["ok"]}
    assert list(failed_api) == ["dates"] and "not valid yet" in failed_api["dates"], failed_api
    page = use_csrf(client).post("/verify", data={"credential": (tmp_path / "dcc.json").read_text()})
    assert page.status_code == 200 and "a valid Open Badges 3 AchievementCredential" in page.text

    changed = (tmp_path / "dcc.json").read_text().replace('"Teamwork"', '"Teamwerk"', 1)
    (tmp_path / "changed.json").write_text(changed)
    code, output = cli("verify", str(tmp_path / "changed.json"), "--json")
    failed = {c["check"]: c["reason"] for c in json.loads(output)["checks"] if not c["ok"]}
    assert (code, failed) == (1, {"signature": "the signature does not match the signed content or the key"})


def test_a_credential_pinned_to_another_extension_is_refused(
    server: str, achievement: str, world: dict[str, int], tmp_path: Path
) -> None:
    """The digest is what makes the published context trustworthy: a credential whose pin does not match
    the extension is refused by SkillAtlas before its signature is even checked."""
    file = tmp_path / "credential.json"
    code, output = cli(
        "issue", "--achievement", achievement, "--learner", str(world["p0"]), "--out", str(file)
    )
    assert code == 0, output
    credential = json.loads(file.read_text())
    credential["relatedResource"][0]["digestSRI"] = "sha384-" + "A" * 64
    file.write_text(json.dumps(credential))
    code, output = cli("verify", str(file), "--json")
    failed = {c["check"]: c["reason"] for c in json.loads(output)["checks"] if not c["ok"]}
    assert code == 1 and "is pinned to sha384-AAAA" in failed["contexts"], failed
