"""`skillatlas users`: accounts, grants and tokens from the command line (acting as SYSTEM)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from skillatlas.cli import app
from tests.conftest import csrf_token, login

runner = CliRunner()


def test_create_grant_revoke(cli_env: dict[str, str], client: TestClient) -> None:
    assert runner.invoke(app, ["demo"]).exit_code == 0
    created = runner.invoke(
        app,
        ["users", "create", "--email", "lea@example.org", "--name", "Lea Lead", "--password", "long enough!",
         "--role", "group_lead", "--group", "hydrogen-vet-forum", "--organisation", "educam"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "group_lead" in created.output
    granted = runner.invoke(
        app, ["users", "grant", "lea@example.org", "organisation_manager", "--organisation", "educam"]
    )
    assert granted.exit_code == 0, granted.output
    listing = runner.invoke(app, ["users", "list"])
    assert "lea@example.org" in listing.output and "organisation_manager" in listing.output
    login(client, "lea@example.org", "long enough!")
    me = client.get("/api/me").json()
    assert me["organisation"] == "educam"
    assert {(g["role"], g["group"] or g["organisation"]) for g in me["grants"]} == {
        ("group_lead", "hydrogen-vet-forum"),
        ("organisation_manager", "educam"),
    }
    assert client.get("/api/organisations/educam/staff").status_code == 200
    revoked = runner.invoke(
        app, ["users", "revoke", "lea@example.org", "organisation_manager", "--organisation", "educam"]
    )
    assert revoked.exit_code == 0, revoked.output
    assert client.get("/api/organisations/educam/staff").status_code == 403


def test_password_is_prompted_when_left_out(cli_env: dict[str, str]) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "--email", "p@example.org", "--name", "P"],
        input="long enough!\nlong enough!\n",
    )
    assert result.exit_code == 0, result.output


def test_bad_input_is_one_red_line(cli_env: dict[str, str]) -> None:
    runner.invoke(app, ["demo"])
    cases = [
        ["users", "create", "--email", "x@example.org", "--name", "X", "--password", "short"],
        ["users", "create", "--email", "not-an-address", "--name", "X", "--password", "long enough!"],
        ["users", "create", "--email", "x@example.org", "--name", "X", "--password", "long enough!", "--role", "king"],
        ["users", "create", "--email", "x@example.org", "--name", "X", "--password", "long enough!", "--role", "group_lead"],
        ["users", "create", "--email", "office@asa-demo.eu", "--name", "X", "--password", "long enough!"],
        ["users", "grant", "nobody@example.org", "worker"],
        ["users", "grant", "office@asa-demo.eu", "alliance_office"],
        ["users", "revoke", "office@asa-demo.eu", "worker"],
        ["users", "tokens", "revoke", "999"],
    ]  # fmt: skip
    for args in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.output.strip().startswith("error:"), (args, result.output)


def test_tokens_from_the_cli(cli_env: dict[str, str], client: TestClient) -> None:
    runner.invoke(app, ["demo"])
    made = runner.invoke(app, ["users", "tokens", "create", "office@asa-demo.eu", "--name", "backup",
                               "--scope", "read", "--days", "7"])  # fmt: skip
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/audit", headers=headers).status_code == 200
    token_id = made.output.split()[1]
    assert runner.invoke(app, ["users", "tokens", "revoke", token_id]).exit_code == 0
    assert client.get("/api/audit", headers=headers).status_code == 401


def test_the_demo_has_one_user_per_role_and_serve_tells_how_to_log_in(
    cli_env: dict[str, str], client: TestClient, sessions
) -> None:
    from skillatlas import db as database
    from skillatlas.demo import loader

    runner.invoke(app, ["demo"])
    with database.unit_of_work(sessions) as db:
        demo_login = loader.demo_office_login(db=db)
    assert demo_login is not None and demo_login.email == "office@asa-demo.eu"
    roles = set()
    for user in loader.demo_data()["users"]:
        login(client, user["email"], loader.demo_data()["demo_password"])
        roles |= {g["role"] for g in client.get("/api/me").json()["grants"]}
    assert roles == {"alliance_office", "committee_lead", "group_lead", "organisation_manager", "expert",
                     "worker", "trainer"}  # fmt: skip


def test_no_demo_login_in_a_database_without_the_demo(cli_env: dict[str, str], sessions) -> None:
    from skillatlas import db as database
    from skillatlas.demo import loader

    runner.invoke(app, ["users", "create", "--email", "office@asa-demo.eu", "--name", "Real", "--password",
                        "a real password", "--role", "alliance_office"])  # fmt: skip
    with database.unit_of_work(sessions) as db:
        assert loader.demo_office_login(db=db) is None


def test_serve_prints_the_demo_login_only_for_a_demo_database(cli_env: dict[str, str], monkeypatch) -> None:
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    # no job worker beside this server that never runs: it would live on and take later tests' jobs
    bare = runner.invoke(app, ["serve", "--no-demo", "--no-jobs"])
    assert bare.exit_code == 0, bare.output
    assert "asa-demo-2026" not in bare.output
    first = runner.invoke(app, ["serve", "--no-jobs"])
    assert first.exit_code == 0, first.output
    assert "loaded the ASA demo alliance" in first.output
    assert "office@asa-demo.eu" in first.output and "asa-demo-2026" in first.output


def test_a_deactivated_account_can_no_longer_log_in_or_use_tokens(
    cli_env: dict[str, str], client: TestClient
) -> None:
    runner.invoke(
        app, ["users", "create", "--email", "w@example.org", "--name", "W", "--password", "long enough!"]
    )
    made = runner.invoke(app, ["users", "tokens", "create", "w@example.org", "--name", "t"])
    headers = {"Authorization": f"Bearer {made.output.strip().splitlines()[-1]}"}
    login(client, "w@example.org", "long enough!")
    assert client.get("/api/me").status_code == 200
    assert runner.invoke(app, ["users", "deactivate", "w@example.org"]).exit_code == 0
    assert client.get("/api/me").status_code == 401
    assert TestClient(client.app).get("/api/me", headers=headers).status_code == 401
    client.headers.pop("X-CSRF-Token")
    form = {"email": "w@example.org", "password": "long enough!", "csrf_token": csrf_token(client)}
    assert client.post("/login", data=form).status_code == 401
    assert runner.invoke(app, ["users", "activate", "w@example.org"]).exit_code == 0
    login(client, "w@example.org", "long enough!")
    assert client.get("/api/me").status_code == 200
