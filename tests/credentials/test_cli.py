"""`skillatlas credentials`: achievements, issue, issue-bulk, verify --json (exit codes), revoke, suspend, keys."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.cli import app
from skillatlas.credentials.models import IssuedCredential
from tests.credentials.conftest import SKILL

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["credentials", *args])
    return result.exit_code, result.output


def create_achievement() -> str:
    code, output = run(
        "achievements",
        "create",
        "--name",
        "Innovation agent",
        "--issuer",
        "asa",
        "--description",
        "Leads innovation in an automotive SME.",
        "--criteria",
        "Complete the programme.",
        "--outcome",
        "Runs an innovation workshop",
        "--outcome",
        "Writes an innovation roadmap",
        "--eqf-level",
        "6",
        "--hours",
        "75",
        "--ects",
        "3",
        "--assessment",
        "project",
        "--participation",
        "blended",
        "--quality-assurance",
        "External review",
        "--skill",
        SKILL,
        "--awarded-for",
        "job_role",
        "--awarded-for-ref",
        "innovation-agent-v1",
    )
    assert code == 0, output
    return "innovation-agent"


def test_issue_verify_revoke_from_the_command_line(
    cli_env: dict[str, str], world: dict[str, int], tmp_path: Path
) -> None:
    slug = create_achievement()
    code, output = run("achievements", "list", "--json")
    assert code == 0 and json.loads(output.splitlines()[0])["slug"] == slug
    out = tmp_path / "credential.json"
    code, output = run("issue", "--achievement", slug, "--learner", str(world["p0"]), "--out", str(out))
    assert code == 0, output
    code, output = run("verify", str(out), "--json")
    report = json.loads(output)
    assert code == 0 and report["valid"] is True and len(report["checks"]) == 7
    credential_id = json.loads(out.read_text())["id"]
    code, output = run("suspend", credential_id, "--reason", "review")
    assert code == 0 and "suspended" in output
    code, output = run("verify", str(out), "--json")
    assert (
        code == 1
        and {"check": "status", "ok": False, "reason": "suspended by the issuer"}
        in json.loads(output)["checks"]
    )
    assert run("reinstate", credential_id)[0] == 0
    assert run("revoke", credential_id)[0] == 0
    code, output = run("verify", str(out))
    assert code == 1 and "revoked by the issuer" in output and "NOT valid" in output
    code, output = run("revoke", credential_id)
    assert code == 2 and "error:" in output


def test_jwt_and_tampered_files(cli_env: dict[str, str], world: dict[str, int], tmp_path: Path) -> None:
    slug = create_achievement()
    out = tmp_path / "credential.jwt"
    assert (
        run(
            "issue",
            "--achievement",
            slug,
            "--learner",
            str(world["p1"]),
            "--format",
            "jwt",
            "--out",
            str(out),
        )[0]
        == 0
    )
    assert run("verify", str(out), "--json")[0] == 0
    garbage = tmp_path / "garbage.json"
    garbage.write_text('{"not": "a credential"')
    code, output = run("verify", str(garbage), "--json")
    assert code == 1 and json.loads(output)["checks"][0]["ok"] is False
    code, output = run("verify", str(tmp_path / "missing.json"), "--json")
    assert code == 2 and "cannot read" in output
    code, output = run("issue", "--achievement", slug, "--learner", "99999", "--out", str(out))
    assert code == 2 and "no person with id 99999" in output
    code, output = run("issue", "--achievement", slug, "--learner", "1", "--format", "pdf", "--out", str(out))
    assert code == 2 and "format" in output


def test_bulk_issuing_from_a_csv_is_all_or_nothing(
    cli_env: dict[str, str], world: dict[str, int], tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    slug = create_achievement()
    csv_file = tmp_path / "learners.csv"
    csv_file.write_text(f"person_id,name\n{world['p0']},Ana\n{world['p1']},Jonas\n{world['p2']},Elodie\n")
    out_dir = tmp_path / "out"
    code, output = run(
        "issue-bulk", "--achievement", slug, "--learners", str(csv_file), "--out-dir", str(out_dir)
    )
    assert code == 0 and "issued 3 credentials" in output, output
    assert len(list(out_dir.glob("*.json"))) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(f"person_id\n{world['p0']}\n424242\n")
    code, output = run("issue-bulk", "--achievement", slug, "--learners", str(bad))
    assert code == 2 and "424242" in output
    bad.write_text("person_id\nabc\n")
    assert run("issue-bulk", "--achievement", slug, "--learners", str(bad))[0] == 2
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(IssuedCredential)) == 3


def test_keys_rotate_and_list(cli_env: dict[str, str], world: dict[str, int], tmp_path: Path) -> None:
    slug = create_achievement()
    out = tmp_path / "old.json"
    assert run("issue", "--achievement", slug, "--learner", str(world["p0"]), "--out", str(out))[0] == 0
    code, output = run("keys", "rotate", "asa")
    assert code == 0 and "new key did:key:" in output
    code, output = run("keys", "list", "asa")
    assert code == 0 and "retired" in output and "active" in output
    assert run("verify", str(out), "--json")[0] == 0
