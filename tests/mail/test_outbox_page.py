"""The office reads the outbox in the browser, sends what failed again; nobody else sees it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import OutboxMessage
from skillatlas.config import Settings
from tests.conftest import create_user, login, use_csrf
from tests.mail.conftest import Inbox, app_client


def _forgot(client: TestClient, email: str) -> None:
    use_csrf(client)
    assert client.post("/password/forgot", data={"email": email}).status_code == 200


def test_the_office_reads_the_outbox_without_a_mail_server(
    engine, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    create_user(sessions, "ana@example.org", {"role": "worker"})
    with app_client(engine, settings) as client:
        _forgot(TestClient(client.app), "ana@example.org")
        office = login(TestClient(client.app), "office@example.org")
        page = office.get("/office/outbox")
        assert page.status_code == 200
        assert "No mail server is configured" in page.text and "Send the" not in page.text
        assert "ana@example.org" in page.text and "SkillAtlas: set a new password" in page.text
        assert "<b>1</b> waiting" in page.text and "<b>0</b> sent" in page.text
        assert 'href="/office/outbox"' in office.get("/home").text  # in the office's menu
        assert "ana@example.org" not in office.get("/office/outbox?state=sent").text
        assert "No message matches" in office.get("/office/outbox?to=bo@").text
        message_id = re.search(r'href="/office/outbox/(\d+)"', page.text).group(1)  # type: ignore[union-attr]
        shown = office.get(f"/office/outbox/{message_id}")
        assert shown.status_code == 200 and "waiting" in shown.text
        link = re.search(r"http://testserver/password/reset\?token=[\w-]+", shown.text)
        assert link, "the office can forward the link by hand"
        assert (
            '<iframe title="The HTML version of the message" sandbox srcdoc="&lt;!doctype html&gt;'
            in shown.text
        )
        assert office.get("/office/outbox/999").status_code == 404
        assert office.post("/office/outbox/send").status_code == 409  # no server to send through

        worker = login(TestClient(client.app), "ana@example.org")
        assert worker.get("/office/outbox").status_code == 403
        assert worker.get(f"/office/outbox/{message_id}").status_code == 403
        assert worker.post("/office/outbox/send").status_code == 403
        assert 'href="/office/outbox"' not in worker.get("/home").text
        visitor = TestClient(client.app)
        refused = visitor.get("/office/outbox", follow_redirects=False)
        assert refused.status_code in (303, 401) and "ana@example.org" not in refused.text


def test_the_office_sees_a_failure_and_sends_it_again(
    engine, mail_settings: Settings, inbox: Inbox, sessions: sessionmaker[Session]
) -> None:
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    create_user(sessions, "ana@example.org", {"role": "worker"})
    inbox.refuse = "550 5.1.1 Mailbox full"
    with app_client(engine, mail_settings) as client:
        _forgot(TestClient(client.app), "ana@example.org")
        office = login(TestClient(client.app), "office@example.org")
        failed = office.get("/office/outbox?state=failed").text
        assert "failed (1 attempt)" in failed and "550 5.1.1 Mailbox full" in failed
        assert "Send the 1 unsent message now" in failed
        inbox.refuse = None
        sent = office.post("/office/outbox/send", follow_redirects=True)
        assert sent.status_code == 200 and "1 message handed to the mail server" in sent.text
        assert "<b>1</b> sent" in sent.text and "<b>0</b> failed" in sent.text
    assert [r.rcpt_tos for r in inbox.received] == [["ana@example.org"]]
    with sessions() as db:
        row = db.scalars(select(OutboxMessage)).one()
        assert row.sent_at is not None and row.attempts == 2 and row.last_error is None
