"""Logging in and out, the session cookie, CSRF, the back-off, sign-up, forgotten passwords, the audit log."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from skillatlas.auth.models import AuditEntry, LoginSession, OutboxMessage, User
from skillatlas.config import Settings
from skillatlas.web.app import create_app
from tests.conftest import NOW, PASSWORD, create_user, csrf_token, login, use_csrf

EMAIL = "ana@example.org"


def post_login(client: TestClient, email: str, password: str) -> object:
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )


def test_login_sets_a_safe_cookie_and_shows_the_user(client: TestClient, sessions) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    assert "Log in</a>" in client.get("/").text
    response = post_login(client, EMAIL, PASSWORD)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("skillatlas_session=")
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    page = client.get("/").text
    assert 'class="me">Ana</a>' in page and "Log out" in page
    # Only the token's hash is stored.
    with sessions() as db:
        stored = db.scalars(select(LoginSession.token_hash)).all()
    assert len(stored) == 1 and stored[0] != client.cookies["skillatlas_session"]


def test_the_cookie_is_secure_over_https(engine, settings: Settings, sessions) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app, base_url="https://testserver") as secure:
        response = post_login(secure, EMAIL, PASSWORD)
        assert "Secure" in response.headers["set-cookie"]
    app.state.engine.dispose()


def test_logout_ends_the_session(client: TestClient, sessions) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    login(client, EMAIL)
    stolen = client.cookies["skillatlas_session"]
    response = client.post("/logout", follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/me").status_code == 401
    client.cookies.set("skillatlas_session", stolen)  # a copied cookie opens nothing any more
    assert client.get("/api/me").status_code == 401


def test_after_login_the_user_goes_back_where_they_were_but_never_off_site(
    client: TestClient, sessions
) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    assert client.get("/account", follow_redirects=False).headers["location"] == "/login?next=/account"
    for target, expected in (
        ("/account", "/account"),
        ("//evil.example/x", "/home"),
        ("https://evil.example", "/home"),
    ):
        response = client.post(
            "/login",
            data={"email": EMAIL, "password": PASSWORD, "next": target, "csrf_token": csrf_token(client)},
            follow_redirects=False,
        )
        assert response.headers["location"] == expected


def test_forms_without_the_csrf_token_are_refused(client: TestClient, sessions, demo: None) -> None:
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    login(client, "office@example.org")
    client.headers.pop("X-CSRF-Token")
    form = {"name": "Forged Org", "type": "industry", "country": "DE"}
    assert client.post("/organisations", data=form).status_code == 403
    assert client.post("/organisations", data={**form, "csrf_token": "wrong"}).status_code == 403
    assert client.post("/api/organisations", json=form).status_code == 403  # JSON from a cookie session too
    assert client.post("/logout").status_code == 403
    assert client.get("/api/organisations", params={"q": "Forged"}).json() == []
    ok = client.post(
        "/organisations", data={**form, "csrf_token": csrf_token(client)}, follow_redirects=False
    )
    assert ok.status_code == 303


def test_the_login_form_itself_needs_the_visitors_csrf_token(client: TestClient, sessions) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    forged = client.post("/login", data={"email": EMAIL, "password": PASSWORD}, follow_redirects=False)
    assert forged.status_code == 403
    assert post_login(client, EMAIL, PASSWORD).status_code == 303


def test_wrong_passwords_slow_the_guesser_down_but_lock_nothing(engine, settings: Settings, sessions) -> None:
    """No lockout (issue 18): the address that guesses waits longer and longer, the owner elsewhere does not.
    The back-off itself is tested in tests/security/test_login_backoff.py."""
    create_user(sessions, EMAIL, {"role": "worker"})
    now = [NOW]
    app = create_app(settings, clock=lambda: now[0])
    with TestClient(app) as client:
        for _ in range(3):
            assert post_login(client, EMAIL, "wrong password").status_code == 401
        waits = post_login(client, EMAIL, PASSWORD)  # even the right password waits its turn here
        assert waits.status_code == 429 and "try again in 2 seconds" in waits.text
        assert "locked" not in waits.text
        with TestClient(app, client=("198.51.100.20", 40000)) as elsewhere:
            assert post_login(elsewhere, EMAIL, PASSWORD).status_code == 303
        now[0] = NOW + dt.timedelta(seconds=2)
        assert post_login(client, EMAIL, PASSWORD).status_code == 303
    app.state.engine.dispose()
    with sessions() as db:
        user = db.scalar(select(User).where(User.email == EMAIL))
        assert user is not None and user.locked_until is None
        actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("login.failure") == 3 and actions.count("login.refused") == 1
    assert actions[-1] == "login.success"


def test_one_address_trying_many_accounts_is_slowed_down(client: TestClient, sessions) -> None:
    for i in range(20):
        assert post_login(client, f"nobody{i}@example.org", "guess guess").status_code == 401
    assert post_login(client, "nobody@example.org", "guess guess").status_code == 429


def test_the_audit_log_records_a_login_and_a_registration(client: TestClient, sessions, demo: None) -> None:
    _, person_id = create_user(sessions, EMAIL, {"role": "worker"})
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    assert post_login(client, EMAIL, "not my password").status_code == 401
    login(client, EMAIL)
    assert client.post("/events/hydrogen-vet-forum-2027/register").status_code == 201
    with sessions() as db:
        user_id = db.scalar(select(User.id).where(User.email == EMAIL))
    assert client.get("/api/audit").status_code == 403
    office = login(TestClient(client.app), "office@example.org")
    entries = office.get("/api/audit", params={"limit": 1000}).json()
    failure = next(e for e in entries if e["action"] == "login.failure")
    assert failure["object_id"] == str(user_id) and failure["ip"] == "testclient"
    success = next(e for e in entries if e["action"] == "login.success" and e["user_id"] == user_id)
    assert success["ip"] == "testclient"
    registration = next(e for e in entries if e["action"] == "registration.create")
    assert registration["user_id"] == user_id
    assert registration["details"]["event"] == "hydrogen-vet-forum-2027"
    assert registration["details"]["person_id"] == person_id
    page = office.get("/audit", params={"action": "registration.create"})
    assert page.status_code == 200 and "hydrogen-vet-forum-2027" in page.text
    assert client.get("/audit", follow_redirects=False).status_code == 403
    office.close()


def test_sign_up_makes_a_worker_with_a_new_person_who_then_logs_in(client: TestClient, sessions) -> None:
    use_csrf(client)
    form = {"full_name": "Ines Moreau", "email": "Ines@Example.org", "password": "long enough!"}
    response = client.post("/signup", data=form, follow_redirects=False)
    # The same answer as for a known address (issue 18): a message was sent; no session yet.
    assert response.status_code == 303 and response.headers["location"] == "/login?signed_up=1"
    assert client.get("/api/me").status_code == 401
    login(client, "ines@example.org", "long enough!")
    me = client.get("/api/me").json()
    assert me["email"] == "ines@example.org" and me["person_id"] is not None
    assert [g["role"] for g in me["grants"]] == ["worker"]
    assert "Ines Moreau" in client.get("/account").text
    fresh = use_csrf(TestClient(client.app))
    again = fresh.post("/signup", data=form, follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == "/login?signed_up=1"
    short = fresh.post("/signup", data={**form, "email": "x@example.org", "password": "short"})
    assert short.status_code == 422 and 'aria-invalid="true"' in short.text
    fresh.close()
    with sessions() as db:
        assert db.scalars(select(User.email)).all() == ["ines@example.org"]


def test_sign_up_does_not_take_over_someone_elses_person(client: TestClient, sessions) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    use_csrf(client)
    response = client.post(
        "/signup",
        data={"full_name": "Not Ana", "email": EMAIL, "password": "long enough!"},
        follow_redirects=False,
    )
    assert response.status_code == 303  # as for a new address: nothing tells that Ana has an account
    assert post_login(client, EMAIL, "long enough!").status_code == 401
    with sessions() as db:
        assert db.scalar(select(User.full_name).where(User.email == EMAIL)) == "Ana"
        assert [m.template for m in db.scalars(select(OutboxMessage))] == ["signup_existing"]


def test_forgotten_password_writes_a_link_to_the_outbox(client: TestClient, sessions, caplog) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    use_csrf(client)
    with caplog.at_level("INFO", logger="skillatlas.auth"):
        page = client.post("/password/forgot", data={"email": EMAIL})
    assert page.status_code == 200 and "If an account exists" in page.text
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert "If an account exists" in unknown.text  # says the same: no account is revealed
    with sessions() as db:
        messages = db.scalars(select(OutboxMessage)).all()
    assert [m.to_address for m in messages] == [EMAIL]
    link = re.search(r"http://testserver/password/reset\?token=(\S+)", messages[0].body)
    assert link and link.group(0) in caplog.text
    form = client.get(f"/password/reset?token={link.group(1)}").text
    assert link.group(1) in form
    done = client.post(
        "/password/reset", data={"token": link.group(1), "password": "a new password"}, follow_redirects=False
    )
    assert done.headers["location"] == "/login?reset=1"
    assert post_login(client, EMAIL, PASSWORD).status_code == 401
    assert post_login(client, EMAIL, "a new password").status_code == 303
    use_csrf(client)  # the session's token now
    reused = client.post("/password/reset", data={"token": link.group(1), "password": "another password"})
    assert reused.status_code == 422 and "used or expired" in reused.text


def test_no_worker_sees_another_workers_registrations(client: TestClient, sessions, demo: None) -> None:
    create_user(sessions, "a@example.org", {"role": "worker"})
    create_user(sessions, "b@example.org", {"role": "worker"})
    a = login(TestClient(client.app), "a@example.org")
    b = login(TestClient(client.app), "b@example.org")
    assert a.post("/events/hydrogen-vet-forum-2027/register").status_code == 201
    assert b.post("/api/events/tie-2027/registrations").status_code == 201
    assert a.get("/api/events/hydrogen-vet-forum-2027/registrations").status_code == 403
    assert b.get("/api/events/hydrogen-vet-forum-2027/registrations").status_code == 403
    assert [r["event"] for r in a.get("/api/me/registrations").json()] == ["hydrogen-vet-forum-2027"]
    assert [r["event"] for r in b.get("/api/me/registrations").json()] == ["tie-2027"]
    page = b.get("/events/hydrogen-vet-forum-2027").text
    assert "a@example.org" not in page and "<h2>Registrations</h2>" not in page
    assert "A</td>" not in page
    # B cannot cancel A's registration either.
    with sessions() as db:
        a_person = db.scalar(select(User.person_id).where(User.email == "a@example.org"))
    cancel = b.post(f"/api/events/hydrogen-vet-forum-2027/registrations/{a_person}/cancel")
    assert cancel.status_code == 403
    a.close()
    b.close()


def test_anonymous_visitors_are_asked_to_log_in_to_register(client: TestClient, demo: None) -> None:
    page = client.get("/events/hydrogen-vet-forum-2027").text
    assert (
        "to register" in page
        and 'href="/signup"' in page
        and "<form" not in page.split('id="registration"')[1]
    )
    use_csrf(client)
    response = client.post("/events/hydrogen-vet-forum-2027/register")
    assert response.status_code == 401 and "please log in" in response.text
    api = client.post("/api/events/hydrogen-vet-forum-2027/registrations")
    assert api.status_code == 401 and api.json()["code"] == "not_authenticated"
    assert api.headers["www-authenticate"] == "Bearer"


def test_office_and_the_groups_lead_see_who_registered(client: TestClient, sessions, demo: None) -> None:
    create_user(sessions, "w@example.org", {"role": "worker"})
    create_user(sessions, "lead@example.org", {"role": "group_lead", "group": "hydrogen-vet-forum"})
    create_user(
        sessions, "other.lead@example.org", {"role": "group_lead", "group": "tie-student-competition"}
    )
    worker = login(TestClient(client.app), "w@example.org")
    worker.post("/events/hydrogen-vet-forum-2027/register")
    lead = login(TestClient(client.app), "lead@example.org")
    assert "w@example.org" in lead.get("/events/hydrogen-vet-forum-2027").text
    assert lead.get("/api/events/hydrogen-vet-forum-2027/registrations").json()[0]["status"] == "registered"
    other = login(TestClient(client.app), "other.lead@example.org")
    assert other.get("/api/events/hydrogen-vet-forum-2027/registrations").status_code == 403
    for c in (worker, lead, other):
        c.close()
