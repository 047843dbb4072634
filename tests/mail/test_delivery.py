"""Delivery through a real SMTP server: only after the commit, failures recorded and never an error page,
`skillatlas mail retry` sends what waits, the server's address and login come from SKILLATLAS_SMTP_URL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.auth.models import OutboxMessage
from skillatlas.cli import app as cli
from skillatlas.config import Settings, get_settings
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput
from skillatlas.mail import service
from skillatlas.mail.smtp import SmtpServer, parse_smtp_url
from tests.conftest import create_user, use_csrf
from tests.mail.conftest import SMTP_PASSWORD, Inbox, app_client, free_port, start_server

runner = CliRunner()
EMAIL = "ana@example.org"


def write(db: Session, to: str = EMAIL) -> OutboxMessage:
    message = service.send(db=db, to=to, name="Ana", template="password_reset",
                           context={"link": "https://skillatlas.test/password/reset?token=t", "email": to, "hours": 1})  # fmt: skip
    assert message is not None
    return message


def rows(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as db:
        return list(db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_rolled_back_transaction_sends_nothing(inbox: Inbox, mail_sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), unit_of_work(mail_sessions) as db:
        write(db, "first@example.org")
        raise RuntimeError("the change fails after the mail was written")
    with unit_of_work(mail_sessions) as db:  # rolled back by hand (a form shown again), then committed
        write(db, "second@example.org")
        db.rollback()
        write(db, "third@example.org")
    with unit_of_work(mail_sessions) as db:  # a savepoint rolled back inside a committed transaction
        nested = db.begin_nested()
        write(db, "fourth@example.org")
        nested.rollback()
        write(db, "fifth@example.org")
    assert [r.rcpt_tos for r in inbox.received] == [["third@example.org"], ["fifth@example.org"]]
    assert [r.to_address for r in rows(mail_sessions)] == ["third@example.org", "fifth@example.org"]


def test_a_committed_message_is_sent_once_with_both_parts(
    inbox: Inbox, mail_sessions: sessionmaker[Session]
) -> None:
    with unit_of_work(mail_sessions) as db:
        write(db)
    with unit_of_work(mail_sessions) as db:  # a later transaction of the same factory sends nothing again
        pass
    got = inbox.one(EMAIL)
    assert len(inbox.received) == 1
    assert [p.get_content_type() for p in got.message.iter_parts()] == ["text/plain", "text/html"]
    assert got.message["Message-ID"].startswith("<outbox.1.") and got.message["Date"]
    assert "https://skillatlas.test/password/reset?token=t" in got.text
    assert 'href="https://skillatlas.test/password/reset?token=t"' in got.html
    [row] = rows(mail_sessions)
    assert row.sent_at is not None and row.attempts == 1


def test_without_a_mail_server_messages_wait_in_the_outbox(
    inbox: Inbox, engine, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    with app_client(engine, settings) as client:  # no SKILLATLAS_SMTP_URL
        use_csrf(client)
        assert client.post("/password/forgot", data={"email": EMAIL}).status_code == 200
    assert inbox.received == []
    [row] = rows(sessions)
    assert row.sent_at is None and row.attempts == 0 and row.last_error is None


def test_a_refusing_server_records_its_answer_the_request_succeeds_and_retry_sends_later(
    engine, settings: Settings, sessions: sessionmaker[Session], cli_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    refusing = Inbox(refuse="554 5.7.1 Not today, thank you")
    controller = start_server(refusing)
    try:
        create_user(sessions, EMAIL, {"role": "worker"})
        with app_client(engine, settings.model_copy(update={"smtp_url": refusing.url})) as client:
            use_csrf(client)
            page = client.post("/password/forgot", data={"email": EMAIL})
            assert page.status_code == 200 and "If an account exists" in page.text
        [row] = rows(sessions)
        assert row.sent_at is None and row.attempts == 1 and row.last_attempt_at is not None
        assert row.last_error == "the server refused the message: 554 5.7.1 Not today, thank you"
        # The command line tries again: still refused, it says so and exits 1.
        monkeypatch.setenv("SKILLATLAS_SMTP_URL", refusing.url)
        get_settings.cache_clear()
        again = runner.invoke(cli, ["mail", "retry"])
        assert again.exit_code == 1 and "sent 0 of 1" in again.output and "Not today" in again.output
    finally:
        controller.stop()
    accepting = Inbox()
    controller = start_server(accepting)
    try:
        monkeypatch.setenv("SKILLATLAS_SMTP_URL", accepting.url)
        get_settings.cache_clear()
        sent = runner.invoke(cli, ["mail", "retry"])
        assert sent.exit_code == 0, sent.output
        assert "sent 1 of 1" in sent.output
        listed = runner.invoke(cli, ["mail", "list", "--state", "sent"])
        assert listed.exit_code == 0 and "new password" in listed.output
    finally:
        controller.stop()
    assert [r.rcpt_tos for r in accepting.received] == [[EMAIL]]
    [row] = rows(sessions)
    assert row.sent_at is not None and row.attempts == 3 and row.last_error is None
    nothing = runner.invoke(cli, ["mail", "retry"])
    assert nothing.exit_code == 0 and "sent 0 of 0" in nothing.output


def test_retry_without_a_server_is_one_red_line(cli_env: dict[str, str]) -> None:
    result = runner.invoke(cli, ["mail", "retry"])
    assert result.exit_code == 2 and result.output.startswith("error: SKILLATLAS_SMTP_URL is not set")


def test_an_unreachable_server_is_recorded_and_the_change_is_kept(
    engine, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, EMAIL, {"role": "worker"})
    nowhere = f"smtp://127.0.0.1:{free_port()}"  # nothing listens there
    with app_client(engine, settings.model_copy(update={"smtp_url": nowhere, "smtp_timeout": 2})) as client:
        use_csrf(client)
        signed = client.post(
            "/signup",
            data={"full_name": "Bea", "email": "bea@example.org", "password": "a long password"},
            follow_redirects=False,
        )
        assert signed.status_code == 303  # the account exists: the mail waits
        assert client.get("/account").status_code == 200
    [row] = rows(sessions)
    assert row.to_address == "bea@example.org" and row.sent_at is None and row.attempts == 1
    assert row.last_error and row.last_error.startswith("the SMTP server could not be reached")


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # loopback
def test_the_login_comes_from_the_url(sessions: sessionmaker[Session], settings: Settings) -> None:
    guarded = Inbox()
    controller = start_server(guarded, auth=True)
    try:
        user = "mailer%40skillatlas.test"
        good = f"smtp://{user}:{SMTP_PASSWORD.replace('@', '%40').replace(' ', '%20').replace('/', '%2F')}@127.0.0.1:{guarded.port}"
        bad = f"smtp://{user}:wrong@127.0.0.1:{guarded.port}"
        for url in (bad, good):
            service.install(sessions, settings.model_copy(update={"smtp_url": url}))
            with unit_of_work(sessions) as db:
                write(db)
    finally:
        controller.stop()
    assert [r.rcpt_tos for r in guarded.received] == [[EMAIL]]
    refused, sent = rows(sessions)
    assert refused.sent_at is None and refused.last_error and "refused the login: 535" in refused.last_error
    assert sent.sent_at is not None and sent.last_error is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", SmtpServer("mail.example.org", 25, "none")),
        ("smtp://u%40x.org:p%3As@mail.example.org:2525?starttls=1",
         SmtpServer("mail.example.org", 2525, "starttls", "u@x.org", "p:s")),
        ("smtp://u:p@mail.example.org?starttls=true", SmtpServer("mail.example.org", 587, "starttls", "u", "p")),
        ("smtps://u:p@mail.example.org", SmtpServer("mail.example.org", 465, "tls", "u", "p")),
    ],
)  # fmt: skip
def test_smtp_urls(url: str, expected: SmtpServer) -> None:
    assert parse_smtp_url(url) == expected
    assert "p:s" not in expected.describe()


@pytest.mark.parametrize(
    "url", ["http://mail.example.org", "smtp://", "mail.example.org:25", "smtp://h:port"]
)
def test_bad_smtp_urls_are_refused_in_plain_words(url: str) -> None:
    with pytest.raises(InvalidInput, match="SKILLATLAS_SMTP_URL"):
        parse_smtp_url(url)
