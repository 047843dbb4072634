"""A real SMTP server on loopback (aiosmtpd) and the app configured to send through it."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.config import Settings
from skillatlas.mail import service as mail_service
from skillatlas.web.app import create_app
from tests.conftest import NOW
from tests.experts.conftest import esco, orgs  # noqa: F401  (fixtures for the notification tests)
from tests.learning.conftest import catalogue  # noqa: F401  (a fixture for the notification tests)

SENDER = "SkillAtlas <noreply@skillatlas.test>"
SMTP_USER = "mailer@skillatlas.test"
SMTP_PASSWORD = "p@ss word/1"


@dataclass
class Received:
    """One message as the server got it: the envelope and the parsed MIME message."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        assert part is not None, "no text/plain part"
        return part.get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        assert part is not None, "no text/html part"
        return part.get_content().replace("\r\n", "\n")


@dataclass
class Inbox:
    """What an aiosmtpd handler accepted (or, with `refuse`, what it answered instead of accepting)."""

    refuse: str | None = None
    received: list[Received] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]

    def one(self, address: str, subject_part: str = "") -> Received:
        found = [r for r in self.to(address) if subject_part in str(r.message["Subject"])]
        assert len(found) == 1, [str(r.message["Subject"]) for r in self.to(address)]
        return found[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = (
        isinstance(data, LoginPassword)
        and data.login.decode() == SMTP_USER
        and data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False)


def start_server(inbox: Inbox, *, auth: bool = False) -> Controller:
    """An SMTP server on a free loopback port, answering with `inbox`."""
    inbox.port = free_port()
    options: dict[str, Any] = {}
    if auth:  # plain-text AUTH is fine on loopback; production URLs use starttls or smtps
        options = {"authenticator": _authenticate, "auth_required": True, "auth_require_tls": False}
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port, **options)
    controller.start()
    return controller


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A running SMTP server that keeps what it receives."""
    box = Inbox()
    controller = start_server(box)
    yield box
    controller.stop()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Lexical-only search (the expert tests' choice: no embedding model loaded), no mail server."""
    return Settings(database_url=database_url, data_dir=tmp_path, embedding_backend="none")


@pytest.fixture
def mail_settings(settings: Settings, inbox: Inbox) -> Settings:
    return settings.model_copy(update={"smtp_url": inbox.url, "mail_from": SENDER})


def app_client(engine: Engine, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, clock=lambda: NOW), raise_server_exceptions=False)


@pytest.fixture
def mail_client(engine: Engine, mail_settings: Settings) -> Iterator[TestClient]:
    """The app over HTTP, sending its mail to `inbox`."""
    with app_client(engine, mail_settings) as client:
        yield client
    client.app.state.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def mail_sessions(sessions: sessionmaker[Session], mail_settings: Settings) -> sessionmaker[Session]:
    """Sessions whose commits send through `inbox` (for services called directly)."""
    mail_service.install(sessions, mail_settings)
    return sessions


def wait_for(condition: Any, timeout: float = 5.0) -> None:
    """Waits until `condition()` holds: the server stores a message a moment after the client's QUIT."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
