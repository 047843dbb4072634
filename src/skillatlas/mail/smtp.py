"""SMTP through the standard library: the server named by a URL, and an outbox row as a MIME message."""

from __future__ import annotations

import email.utils
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from skillatlas.auth.models import OutboxMessage
from skillatlas.errors import InvalidInput

Security = Literal["none", "starttls", "tls"]
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where to hand mail over, and how."""

    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = None

    def describe(self) -> str:
        """The server without its password, for messages and logs."""
        who = f"{self.username}@" if self.username else ""
        return f"{who}{self.host}:{self.port} ({self.security})"


def parse_smtp_url(url: str) -> SmtpServer:
    """`smtp://user:password@host:port?starttls=1` (STARTTLS), `smtp://host:25` (plain), `smtps://host` (TLS).

    The user name and password may be percent-encoded (an "@" in a user name is `%40`).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise InvalidInput(
            "SKILLATLAS_SMTP_URL: write it like smtp://user:password@mail.example.org:587?starttls=1",
            field="smtp_url",
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "smtps":
        security: Security = "tls"
    elif query.get("starttls", "").lower() in _TRUE:
        security = "starttls"
    else:
        security = "none"
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidInput("SKILLATLAS_SMTP_URL: the port is not a number", field="smtp_url") from exc
    default_port = {"tls": 465, "starttls": 587, "none": 25}[security]
    return SmtpServer(
        host=parts.hostname,
        port=port or default_port,
        security=security,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def connect(server: SmtpServer, timeout: float) -> smtplib.SMTP:
    """An open, logged-in connection (the caller closes it, e.g. with `with`)."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if server.security == "tls":
        client = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
    try:
        if server.security == "starttls":
            client.starttls(context=context)
        if server.username:
            client.login(server.username, server.password or "")
    except BaseException:
        client.close()
        raise
    return client


def _domain(sender: str) -> str:
    address = email.utils.parseaddr(sender)[1]
    return address.rpartition("@")[2] or "localhost"


def build_message(row: OutboxMessage, sender: str) -> EmailMessage:
    """The outbox row as a MIME message: a text part, and an HTML alternative when there is one.

    Its Message-ID is derived from the row, so a message sent again after a lost reply is recognisable.
    """
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = sender
    message["To"] = Address(addr_spec=row.to_address)
    message["Date"] = email.utils.format_datetime(row.created_at)
    stamp = int(row.created_at.timestamp())
    message["Message-ID"] = f"<outbox.{row.id}.{stamp}@{_domain(sender)}>"
    message.set_content(row.body)
    if row.html_body:
        message.add_alternative(row.html_body, subtype="html")
    return message
