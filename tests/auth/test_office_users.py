"""The alliance office manages accounts in the browser: finds them, invites people with their roles (each scope
chosen from a list), gives and takes away roles, closes and reopens accounts; the same through the API and the CLI."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.auth.models import OutboxMessage, Role, RoleGrant, User
from skillatlas.cli import app as cli_app
from tests.conftest import PASSWORD, create_user, csrf_token, login

LINK = re.compile(r"(/password/reset\?token=[\w-]+&welcome=1)")


def error_beside(html: str, field: str) -> str:
    match = re.search(rf'<span class="field-error" id="f-{field}-error">([^<]*)</span>', html)
    return match.group(1) if match else ""


def user_by_email(db: Session, email: str) -> User | None:
    db.expire_all()
    return db.scalar(select(User).where(User.email == email))


def grants_of(db: Session, user_id: int) -> set[tuple[str, int | None, int | None, int | None]]:
    db.expire_all()
    return {
        (g.role.value, g.organisation_id, g.group_id, g.committee_id)
        for g in db.scalars(select(RoleGrant).where(RoleGrant.user_id == user_id))
    }


def test_users_list_searches_by_name_role_and_state(
    office_client: TestClient, sessions: sessionmaker[Session], demo: None
) -> None:
    create_user(sessions, "ana.lead@example.org", {"role": "group_lead", "group": "hydrogen-vet-forum"})
    create_user(sessions, "ben@example.org", {"role": "worker"})
    page = office_client.get("/office/users")
    assert page.status_code == 200
    assert "Ana.Lead" in page.text and "Ben" in page.text
    assert "group lead of Hydrogen VET Forum" in page.text  # roles in words, never an id or a slug
    found = office_client.get("/office/users", params={"q": "ANA"}).text
    assert "ana.lead@example.org" in found and "ben@example.org" not in found
    leads = office_client.get("/office/users", params={"role": "group_lead"}).text
    assert "ana.lead@example.org" in leads and "ben@example.org" not in leads
    percent = office_client.get("/office/users", params={"q": "%"}).text
    assert "No account matches" in percent  # a literal %, not a wildcard
    assert 'href="/office/users"' in office_client.get("/home").text  # in the office's menu


def test_only_the_office_manages_users(
    client: TestClient, sessions: sessionmaker[Session], demo: None
) -> None:
    create_user(sessions, "lead@example.org", {"role": "group_lead", "group": "hydrogen-vet-forum"})
    login(client, "lead@example.org")
    assert client.get("/office/users").status_code == 403
    assert client.post("/office/users", data={"full_name": "X", "email": "x@example.org"}).status_code == 403
    assert 'href="/office/users"' not in client.get("/home").text
    assert client.get("/api/users").status_code == 403


def test_office_invites_a_user_who_then_chooses_a_password(
    office_client: TestClient, demo: None, db: Session
) -> None:
    form = office_client.get("/office/users/new").text
    assert '<option value="educam"' in form and '<option value="hydrogen-vet-forum"' in form
    assert '<option value="education"' in form and 'value="worker" checked' in form
    invited = office_client.post(
        "/office/users",
        data={
            "full_name": "Iris Invited",
            "email": "Iris@Example.org",
            "organisation": "educam",
            "roles": ["worker", "expert"],
            "group_lead_of": "hydrogen-vet-forum",
            "manager_of": "educam",
        },
        follow_redirects=False,
    )
    assert invited.status_code == 303, invited.text
    user = user_by_email(db, "iris@example.org")
    assert user is not None and user.organisation is not None and user.organisation.slug == "educam"
    assert {g[0] for g in grants_of(db, user.id)} == {
        "worker",
        "expert",
        "group_lead",
        "organisation_manager",
    }
    assert invited.headers["location"] == f"/office/users/{user.id}?saved=invited"
    page = office_client.get(invited.headers["location"]).text
    assert "the invitation is on its way to iris@example.org" in page
    assert "Has not logged in yet" in page and "Send the invitation again" in page
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "iris@example.org"))
    assert message is not None and message.template == "invitation"
    assert "group lead of Hydrogen VET Forum" in message.body and "within 7 days" in message.body
    link = LINK.search(message.body)
    assert link is not None

    # the invited person follows the link, chooses a password and logs in
    office_client.cookies.clear()
    office_client.headers.pop("X-CSRF-Token", None)
    welcome = office_client.get(link.group(1))
    assert "Welcome to SkillAtlas: choose your password" in welcome.text
    token = link.group(1).split("token=")[1].split("&")[0]
    short = office_client.post(
        "/password/reset",
        data={"token": token, "welcome": "1", "password": "short", "csrf_token": csrf_token(office_client)},
    )
    assert (
        short.status_code == 422 and error_beside(short.text, "password") == "Enter at least 10 characters."
    )
    chosen = office_client.post(
        "/password/reset",
        data={
            "token": token,
            "welcome": "1",
            "password": "my own passphrase",
            "csrf_token": csrf_token(office_client),
        },
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    login(office_client, "iris@example.org", "my own passphrase")
    assert office_client.get("/api/me").json()["email"] == "iris@example.org"
    assert "My groups" in office_client.get("/home").text  # the group lead's menu


def test_invitation_errors_beside_fields_and_nothing_saved(
    office_client: TestClient, sessions: sessionmaker[Session], demo: None, db: Session
) -> None:
    create_user(sessions, "taken@example.org", {"role": "worker"})
    users = db.scalar(select(func.count()).select_from(User))
    mails = db.scalar(select(func.count()).select_from(OutboxMessage))
    bad = office_client.post(
        "/office/users", data={"full_name": "", "email": "nobody at example", "roles": ["worker", "wizard"]}
    )
    assert bad.status_code == 422
    assert error_beside(bad.text, "full_name") == "This is required."
    assert error_beside(bad.text, "email") == "Enter an e-mail address like name@example.org."
    assert error_beside(bad.text, "roles") == "Choose roles from the list."
    assert (
        "Roles of their own: Choose roles from the list." in bad.text
    )  # the summary names the field's label
    assert 'value="nobody at example"' in bad.text
    taken = office_client.post(
        "/office/users",
        data={"full_name": "Taken", "email": "taken@example.org", "group_lead_of": "hydrogen-vet-forum"},
    )
    assert taken.status_code == 409 and "exists already" in error_beside(taken.text, "email")
    assert re.search(r'<option value="hydrogen-vet-forum"\s*selected>', taken.text)  # the choice is kept
    unknown = office_client.post(
        "/office/users",
        data={"full_name": "New", "email": "new@example.org", "group_lead_of": "no-such-group"},
    )
    assert unknown.status_code == 404 and "no group" in error_beside(unknown.text, "group_lead_of")
    assert db.scalar(select(func.count()).select_from(User)) == users
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == mails


def test_office_gives_and_takes_away_roles(
    office_client: TestClient, sessions: sessionmaker[Session], demo: None, db: Session
) -> None:
    user_id, _ = create_user(sessions, "w@example.org", {"role": "worker"})
    page = office_client.get(f"/office/users/{user_id}").text
    assert "worker" in page and "Take away" in page
    nothing = office_client.post(f"/office/users/{user_id}/grants", data={})
    assert nothing.status_code == 422 and "Tick a role" in error_beside(nothing.text, "roles")
    given = office_client.post(
        f"/office/users/{user_id}/grants",
        data={"roles": "trainer", "committee_lead_of": "education"},
        follow_redirects=False,
    )
    assert given.status_code == 303
    assert {g[0] for g in grants_of(db, user_id)} == {"worker", "trainer", "committee_lead"}
    twice = office_client.post(
        f"/office/users/{user_id}/grants", data={"roles": "expert", "committee_lead_of": "education"}
    )
    assert twice.status_code == 409 and "has this role already" in error_beside(
        twice.text, "committee_lead_of"
    )
    assert {g[0] for g in grants_of(db, user_id)} == {
        "worker",
        "trainer",
        "committee_lead",
    }  # expert not given
    lead = db.scalar(
        select(RoleGrant.id).where(RoleGrant.user_id == user_id, RoleGrant.role == Role.COMMITTEE_LEAD)
    )
    taken = office_client.post(f"/office/users/{user_id}/grants/{lead}/revoke", follow_redirects=False)
    assert taken.status_code == 303
    assert {g[0] for g in grants_of(db, user_id)} == {"worker", "trainer"}
    assert "The role is taken away" in office_client.get(taken.headers["location"]).text


def test_office_closes_and_reopens_an_account_but_not_its_own(
    office_client: TestClient, client: TestClient, sessions: sessionmaker[Session], demo: None, db: Session
) -> None:
    user_id, _ = create_user(sessions, "w@example.org", {"role": "worker"})
    worker = login(TestClient(client.app), "w@example.org")
    assert worker.get("/api/me").status_code == 200
    closed = office_client.post(f"/office/users/{user_id}/deactivate", follow_redirects=False)
    assert closed.status_code == 303
    assert worker.get("/api/me").status_code == 401  # the session ended
    listing = office_client.get("/office/users", params={"state": "closed"}).text
    assert "w@example.org" in listing and "closed" in listing
    assert "Open the account again" in office_client.get(f"/office/users/{user_id}").text
    again = office_client.post(f"/office/users/{user_id}/invitation")
    assert again.status_code == 409 and "is closed" in again.text
    office_client.post(f"/office/users/{user_id}/reactivate")
    assert user_by_email(db, "w@example.org").is_active  # type: ignore[union-attr]
    login(worker, "w@example.org", PASSWORD)
    # the office cannot lock itself out
    me = user_by_email(db, "office@example.org")
    assert me is not None
    own = office_client.post(f"/office/users/{me.id}/deactivate")
    assert own.status_code == 409 and "your own account" in own.text
    office_grant = next(g.id for g in me.grants if g.role == Role.ALLIANCE_OFFICE)
    own_role = office_client.post(f"/office/users/{me.id}/grants/{office_grant}/revoke")
    assert own_role.status_code == 409 and "your own office role" in own_role.text
    assert user_by_email(db, "office@example.org").is_active  # type: ignore[union-attr]
    assert "Close the account" not in office_client.get(f"/office/users/{me.id}").text


def test_api_manages_users_too(office_client: TestClient, demo: None, db: Session) -> None:
    api = office_client
    created = api.post(
        "/api/users",
        json={
            "email": "api@example.org",
            "full_name": "Api User",
            "organisation": "kit",
            "grants": [{"role": "group_lead", "group": "hydrogen-vet-forum"}],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["grants"] == [
        {"role": "group_lead", "organisation": None, "group": "hydrogen-vet-forum", "committee": None}
    ]
    user_id = body["id"]
    assert (
        db.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.template == "invitation")
        )
        == 1
    )
    bad = api.post(
        "/api/users", json={"email": "b@example.org", "full_name": "B", "grants": [{"role": "group_lead"}]}
    )
    assert bad.status_code == 422 and bad.json()["field"].endswith("group")
    assert [u["email"] for u in api.get("/api/users", params={"q": "api@"}).json()] == ["api@example.org"]
    assert api.get(f"/api/users/{user_id}").json()["is_active"] is True
    granted = api.post(f"/api/users/{user_id}/grants", json={"role": "expert"})
    assert granted.status_code == 201 and {g["role"] for g in granted.json()["grants"]} == {
        "group_lead",
        "expert",
    }
    revoked = api.post(
        f"/api/users/{user_id}/grants/revoke", json={"role": "group_lead", "group": "hydrogen-vet-forum"}
    )
    assert {g["role"] for g in revoked.json()["grants"]} == {"expert"}
    assert api.post(f"/api/users/{user_id}/deactivate").json()["is_active"] is False
    assert api.post(f"/api/users/{user_id}/reactivate").json()["is_active"] is True
    assert api.post(f"/api/users/{user_id}/invitation").status_code == 200
    assert (
        db.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.template == "invitation")
        )
        == 2
    )


def test_cli_invites_and_reinvites(cli_env: dict[str, str], db: Session) -> None:
    runner = CliRunner()
    assert runner.invoke(cli_app, ["demo"]).exit_code == 0
    invited = runner.invoke(
        cli_app,
        ["users", "invite", "--email", "cli@example.org", "--name", "Cli User", "--role", "committee_lead",
         "--committee", "education", "--organisation", "tu-graz"],
    )  # fmt: skip
    assert invited.exit_code == 0, invited.output
    assert "committee lead of Education" in invited.output
    again = runner.invoke(cli_app, ["users", "reinvite", "cli@example.org"])
    assert again.exit_code == 0, again.output
    messages = list(db.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "cli@example.org")))
    assert [m.template for m in messages] == ["invitation", "invitation"]
    assert all(LINK.search(m.body) for m in messages)
    closed = runner.invoke(cli_app, ["users", "deactivate", "cli@example.org"])
    assert closed.exit_code == 0
    refused = runner.invoke(cli_app, ["users", "reinvite", "cli@example.org"])
    assert refused.exit_code == 2 and "is closed" in refused.output
    assert runner.invoke(cli_app, ["users", "reactivate", "cli@example.org"]).exit_code == 0
