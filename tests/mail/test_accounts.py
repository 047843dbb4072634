"""Account mail through a real SMTP server: the password-reset link, the sign-up address check."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import OutboxMessage, User
from skillatlas.db import unit_of_work
from skillatlas.mail.models import EmailConfirmation
from tests.conftest import NOW, PASSWORD, create_user, login, use_csrf
from tests.mail.conftest import SENDER, Inbox

EMAIL = "ana@example.org"


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def test_a_password_reset_mail_arrives_with_text_html_and_the_working_link(
    mail_client: TestClient, inbox: Inbox, sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    use_csrf(mail_client)
    page = mail_client.post("/password/forgot", data={"email": EMAIL})
    assert page.status_code == 200 and "If an account exists" in page.text
    mail_client.post("/password/forgot", data={"email": "nobody@example.org"})  # no account: no mail
    assert [r.rcpt_tos for r in inbox.received] == [[EMAIL]]
    got = inbox.received[0]
    assert got.mail_from == "noreply@skillatlas.test" and got.message["From"] == SENDER
    assert got.message["Subject"] == "SkillAtlas: set a new password"
    assert got.message.get_content_type() == "multipart/alternative"
    text_link = re.search(r"http://testserver/password/reset\?token=\S+", got.text)
    html_link = re.search(r'href="(http://testserver/password/reset\?token=[^"]+)"', got.html)
    assert text_link and html_link and text_link.group(0) == html_link.group(1)
    assert "Hello Ana," in got.text and "<p>Hello Ana,</p>" in got.html
    token = text_link.group(0).split("token=")[1]
    done = mail_client.post(
        "/password/reset", data={"token": token, "password": "a new password"}, follow_redirects=False
    )
    assert done.headers["location"] == "/login?reset=1"
    login(TestClient(mail_client.app), EMAIL, "a new password")
    with sessions() as db:
        row = db.scalars(select(OutboxMessage)).one()
        assert row.sent_at is not None and row.attempts == 1 and row.last_error is None
        assert row.template == "password_reset" and row.html_body and row.body == got.text


def test_sign_up_mails_a_link_and_only_a_confirmed_address_makes_api_tokens(
    mail_client: TestClient, inbox: Inbox, sessions: sessionmaker[Session]
) -> None:
    use_csrf(mail_client)
    signed = mail_client.post(
        "/signup",
        data={"full_name": "Bea Nova", "email": "bea@example.org", "password": "a long password"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    got = inbox.one("bea@example.org")
    assert got.message["Subject"] == "SkillAtlas: confirm your e-mail address"
    link = re.search(r"http://\S+/signup/confirm\?token=\S+", got.text)
    assert link and f'href="{link.group(0)}"' in got.html
    # Sign-up does not log in (the answer is the same for a known address: issue 18); the password does.
    # Logged in, but unconfirmed: the banner shows, and no API token can be made.
    login(mail_client, "bea@example.org", "a long password")
    account = mail_client.get("/account").text
    assert "Please confirm your address" in account and "bea@example.org" in account
    refused = mail_client.post("/api/me/tokens", json={"name": "laptop"})
    assert refused.status_code == 403 and "confirm your address first" in refused.json()["detail"]
    # Following the link confirms (no login needed: the link is the proof).
    confirmed = TestClient(mail_client.app).get(path_of(link.group(0)))
    assert confirmed.status_code == 200 and "bea@example.org is confirmed" in confirmed.text
    with sessions() as db:
        user = db.scalars(select(User).where(User.email == "bea@example.org")).one()
        assert user.email_confirmed_at == NOW
    assert "Please confirm your address" not in mail_client.get("/account").text
    assert mail_client.post("/api/me/tokens", json={"name": "laptop"}).status_code == 201
    again = mail_client.get(path_of(link.group(0)))
    assert again.status_code == 422 and "unknown, used or expired" in again.text


def test_a_new_link_can_be_asked_for_five_times_an_hour(
    mail_client: TestClient, inbox: Inbox, sessions: sessionmaker[Session]
) -> None:
    use_csrf(mail_client)
    mail_client.post(
        "/signup", data={"full_name": "Cy", "email": "cy@example.org", "password": "a long password"}
    )
    login(mail_client, "cy@example.org", "a long password")  # sign-up does not log in (issue 18)
    for _ in range(4):
        sent = mail_client.post("/signup/confirm/resend")
        assert sent.status_code == 200 and "We sent a new link to cy@example.org" in sent.text
    refused = mail_client.post("/signup/confirm/resend")
    assert refused.status_code == 409 and "5 links were sent" in refused.text
    links = [re.search(r"/signup/confirm\?token=\S+", r.text).group(0) for r in inbox.to("cy@example.org")]  # type: ignore[union-attr]
    assert len(links) == 5 and len(set(links)) == 5
    assert mail_client.get(links[2]).status_code == 200  # any of them confirms
    assert mail_client.post("/signup/confirm/resend").status_code == 409  # confirmed already
    with sessions() as db:
        assert db.scalar(select(EmailConfirmation.used_at).where(EmailConfirmation.id == 3)) == NOW


def test_accounts_made_by_the_office_the_cli_or_the_demo_are_confirmed_and_mail_nobody(
    mail_client: TestClient, inbox: Inbox, mail_sessions: sessionmaker[Session], demo: None
) -> None:
    create_user(mail_sessions, EMAIL, {"role": "worker"})
    with mail_sessions() as db:
        users = db.scalars(select(User)).all()
        assert users and all(u.email_confirmed_at is not None for u in users)
    assert inbox.received == []
    client = login(mail_client, EMAIL, PASSWORD)
    assert "Please confirm your address" not in client.get("/account").text
    assert client.post("/api/me/tokens", json={"name": "laptop"}).status_code == 201


def test_a_link_for_an_address_since_changed_confirms_nothing(
    mail_client: TestClient, inbox: Inbox, sessions: sessionmaker[Session]
) -> None:
    use_csrf(mail_client)
    mail_client.post(
        "/signup", data={"full_name": "Di", "email": "di@example.org", "password": "a long password"}
    )
    link = re.search(r"/signup/confirm\?token=\S+", inbox.one("di@example.org").text)
    assert link
    with unit_of_work(sessions) as db:
        db.scalars(select(User).where(User.email == "di@example.org")).one().email = "di@elsewhere.example"
    assert mail_client.get(link.group(0)).status_code == 422
    with sessions() as db:
        assert db.scalar(select(User.email_confirmed_at).where(User.email == "di@elsewhere.example")) is None
