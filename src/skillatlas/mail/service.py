"""Rules of mail: a message is rendered from templates, written to the outbox in the caller's transaction, and
sent through SMTP only after that transaction commits.

`send` (an address) and `notify_person` / `notify_user` (who may have none, or be erased) write the outbox row
and remember its id on the Session. When the Session commits, `after_commit` hands the remembered messages to
the SMTP server named by `SKILLATLAS_SMTP_URL` (nothing is sent without one: the office reads the outbox at
/office/outbox); a rollback forgets them, so a message is never sent for a change that did not happen.
Each attempt is recorded on the row (attempts, last error, sent at); a failure is logged and never reaches
the request. `skillatlas mail retry` and the outbox page send what is still waiting.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine, case, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import OutboxMessage, Role, RoleGrant, User
from skillatlas.auth.permissions import Principal, authorize
from skillatlas.config import Settings, get_settings
from skillatlas.db import utcnow
from skillatlas.errors import Conflict, NotFound
from skillatlas.mail import policy as _policy  # noqa: F401  (registers the rules)
from skillatlas.mail.models import EmailConfirmation
from skillatlas.mail.smtp import build_message, connect, parse_smtp_url
from skillatlas.people.models import Person
from skillatlas.privacy import service as privacy_service
from skillatlas.privacy.models import Erasure

log = logging.getLogger("skillatlas.mail")

# Keys of Session.info: the settings the session's factory was installed with, and the ids to send.
SETTINGS_KEY = "skillatlas.settings"
PENDING_KEY = "skillatlas.mail.pending"
# Addresses under this top-level domain never receive mail (RFC 2606): erased accounts get one.
UNDELIVERABLE_SUFFIX = ".invalid"
ERROR_LENGTH = 500

_env = Environment(
    loader=FileSystemLoader(str(resources.files("skillatlas.web") / "templates")),
    # The HTML part escapes every value; the text part is plain text and must not.
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["day"] = lambda value: f"{value:%d %B %Y}".lstrip("0") if value else ""
_env.filters["label"] = lambda value: str(getattr(value, "value", value)).replace("_", " ")


# --- settings per session -----------------------------------------------------------------------------


def install(factory: sessionmaker[Session], settings: Settings) -> None:
    """Every Session of `factory` mails with `settings` (the app's, rather than the environment's)."""
    factory.configure(info={**factory.kw.get("info", {}), SETTINGS_KEY: settings})


def settings_of(db: Session) -> Settings:
    """The settings the session's factory was installed with, or those of the environment."""
    found = db.info.get(SETTINGS_KEY)
    return found if isinstance(found, Settings) else get_settings()


# --- rendering and writing ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(template: str, context: Mapping[str, Any]) -> Rendered:
    """`mail/<template>.txt` (with a `subject` block) and `mail/<template>.html`, rendered with `context`."""
    text_template = _env.get_template(f"mail/{template}.txt")
    subject_block = text_template.blocks["subject"]
    subject = " ".join("".join(subject_block(text_template.new_context(dict(context)))).split())
    text = text_template.render(context)
    html = _env.get_template(f"mail/{template}.html").render({**context, "subject": subject})
    return Rendered(subject=subject, text=text, html=html)


def deliverable(address: str | None) -> bool:
    """An address mail can go to: present, with a domain, and not an erased account's placeholder."""
    address = (address or "").strip().lower()
    local, _, domain = address.rpartition("@")
    return bool(local) and "." in domain and not domain.endswith(UNDELIVERABLE_SUFFIX)


def send(
    *,
    db: Session,
    to: str | None,
    template: str,
    context: Mapping[str, Any] | None = None,
    name: str | None = None,
    now: dt.datetime | None = None,
) -> OutboxMessage | None:
    """Writes the message to the outbox (sent after the commit); None when `to` cannot receive mail."""
    if not deliverable(to):
        return None
    assert to is not None
    settings = settings_of(db)
    values = {"site_url": settings.site_url, "name": name or "", "to": to, **(context or {})}
    rendered = render(template, values)
    message = OutboxMessage(
        to_address=to.strip(),
        subject=rendered.subject[:200],
        body=rendered.text,
        html_body=rendered.html,
        template=template,
        created_at=now or utcnow(),
    )
    db.add(message)
    db.flush()
    db.info.setdefault(PENDING_KEY, []).append(message.id)
    return message


def _erased(db: Session, person_id: int | None) -> bool:
    if person_id is None:
        return False
    return db.scalar(select(Erasure.id).where(Erasure.person_id == person_id)) is not None


def notify_person(
    *, db: Session, person_id: int, template: str, context: Mapping[str, Any] | None = None
) -> OutboxMessage | None:
    """Mails a person at their address; nothing for one without an address (synthetic) or erased."""
    person = db.get(Person, person_id)
    if person is None or not person.email or _erased(db, person.id):
        return None
    return send(db=db, to=person.email, name=person.full_name, template=template,
                context={"person": person, **(context or {})})  # fmt: skip


def notify_user(
    *, db: Session, user_id: int, template: str, context: Mapping[str, Any] | None = None
) -> OutboxMessage | None:
    """Mails an account holder; nothing for a closed or erased account."""
    user = db.get(User, user_id)
    if user is None or not user.is_active or _erased(db, user.person_id):
        return None
    return send(db=db, to=user.email, name=user.full_name, template=template,
                context={"user": user, **(context or {})})  # fmt: skip


def managers_of(db: Session, organisation_id: int) -> list[int]:
    """The ids of the active accounts that manage the organisation."""
    return list(
        db.scalars(
            select(User.id)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.role == Role.ORGANISATION_MANAGER,
                RoleGrant.organisation_id == organisation_id,
                User.is_active.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )


# --- sending after the commit -------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    """What one delivery run did: ids sent, and ids that failed with the server's or the network's words."""

    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        text = f"the server refused the recipient: {code} {reply.decode(errors='replace')}"
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        text = f"the server refused the login: {exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        reply = (
            exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        )
        text = f"the server refused the message: {exc.smtp_code} {reply}"
    elif isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        text = f"the SMTP server could not be reached: {exc.strerror or exc}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:ERROR_LENGTH]


def deliver(
    bind: Engine, ids: Iterable[int], settings: Settings, now: dt.datetime | None = None
) -> DeliveryReport:
    """Sends the unsent messages among `ids` over one SMTP connection and records each attempt.

    Reads and records in short transactions of their own: no database transaction stays open while the
    SMTP server answers. Raises nothing about mail: each failure is recorded on its row.
    """
    report = DeliveryReport()
    wanted = sorted(set(ids))
    if not wanted or not settings.smtp_url:
        return report
    with Session(bind) as session:
        rows = list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.id.in_(wanted), OutboxMessage.sent_at.is_(None))
                .order_by(OutboxMessage.id)
            )
        )
        session.expunge_all()
    if not rows:
        return report
    try:
        server = parse_smtp_url(settings.smtp_url)
        with connect(server, settings.smtp_timeout) as client:
            for row in rows:
                try:
                    client.send_message(build_message(row, settings.mail_from))
                    report.sent.append(row.id)
                except smtplib.SMTPServerDisconnected:
                    raise
                except (smtplib.SMTPException, ValueError) as exc:  # this message only: go on with the next
                    report.failed[row.id] = _describe(exc)
    except Exception as exc:  # the connection: every message not yet tried fails with it
        error = _describe(exc)
        for row in rows:
            if row.id not in report.sent and row.id not in report.failed:
                report.failed[row.id] = error
    _record(bind, report, now or utcnow())
    for message_id, error in report.failed.items():
        log.warning("mail %s not sent: %s", message_id, error)
    return report


def _record(bind: Engine, report: DeliveryReport, now: dt.datetime) -> None:
    with Session(bind) as session, session.begin():
        if report.sent:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(report.sent))
                .values(
                    sent_at=now, attempts=OutboxMessage.attempts + 1, last_attempt_at=now, last_error=None
                )
            )
        for message_id, error in report.failed.items():
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(attempts=OutboxMessage.attempts + 1, last_attempt_at=now, last_error=error)
            )


def _after_commit(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, None)
    if not pending:
        return
    settings = settings_of(session)
    if not settings.smtp_url:
        return
    try:
        bind = session.get_bind()
        deliver(bind if isinstance(bind, Engine) else bind.engine, pending, settings)
    except Exception:  # the change is committed: a mail problem must not turn it into an error page
        log.exception("mail delivery failed; the messages wait in the outbox (skillatlas mail retry)")


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    # A rolled-back savepoint's rows are gone and are skipped when sending; the whole transaction's are all.
    if not previous_transaction.nested:
        session.info.pop(PENDING_KEY, None)


def _listen() -> None:
    from sqlalchemy import event

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


_listen()


# --- the outbox for the office ------------------------------------------------------------------------

STATES = ("waiting", "failed", "sent")


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    waiting: int
    failed: int
    sent: int


def _state_filter(state: str | None) -> list[Any]:
    if state == "waiting":
        return [OutboxMessage.sent_at.is_(None), OutboxMessage.attempts == 0]
    if state == "failed":
        return [OutboxMessage.sent_at.is_(None), OutboxMessage.attempts > 0]
    if state == "sent":
        return [OutboxMessage.sent_at.is_not(None)]
    return []


def outbox_counts(*, db: Session, actor: Principal) -> OutboxCounts:
    """How many messages wait, failed, were sent (one query)."""
    authorize(actor, "mail.outbox.read")
    unsent = OutboxMessage.sent_at.is_(None)
    row = db.execute(
        select(
            func.coalesce(func.sum(case((unsent & (OutboxMessage.attempts == 0), 1), else_=0)), 0),
            func.coalesce(func.sum(case((unsent & (OutboxMessage.attempts > 0), 1), else_=0)), 0),
            func.coalesce(func.sum(case((OutboxMessage.sent_at.is_not(None), 1), else_=0)), 0),
        )
    ).one()
    return OutboxCounts(waiting=int(row[0]), failed=int(row[1]), sent=int(row[2]))


def list_outbox(
    *,
    db: Session,
    actor: Principal,
    state: str | None = None,
    to: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[OutboxMessage]:
    """The messages, newest first, optionally only those waiting, failed or sent, or to one address."""
    authorize(actor, "mail.outbox.read")
    statement = select(OutboxMessage).where(*_state_filter(state))
    if to and to.strip():
        statement = statement.where(func.lower(OutboxMessage.to_address).contains(to.strip().lower(),
                                                                                  autoescape=True))  # fmt: skip
    statement = statement.order_by(OutboxMessage.id.desc()).limit(limit).offset(offset)
    return list(db.scalars(statement))


def get_message(*, db: Session, actor: Principal, message_id: int) -> OutboxMessage:
    """One message with its text and HTML (the office)."""
    authorize(actor, "mail.outbox.read")
    message = db.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no message {message_id} in the outbox", field="message_id")
    return message


def unsent_ids(*, db: Session, actor: Principal, limit: int = 1000) -> list[int]:
    """The oldest messages not sent yet (never tried, or failed)."""
    authorize(actor, "mail.outbox.send")
    return list(
        db.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )


def send_waiting(*, db: Session, actor: Principal, limit: int = 500) -> int:
    """Queues every unsent message (up to `limit`) to be sent when this transaction commits; how many."""
    authorize(actor, "mail.outbox.send")
    if not settings_of(db).smtp_url:
        raise Conflict(
            "no mail server is configured (SKILLATLAS_SMTP_URL): the messages can only be read here",
            field="smtp_url",
        )
    ids = unsent_ids(db=db, actor=actor, limit=limit)
    db.info.setdefault(PENDING_KEY, []).extend(ids)
    return len(ids)


# --- personal data -------------------------------------------------------------------------------------


def _addresses(db: Session, person_id: int) -> set[str]:
    person = db.get(Person, person_id)
    found = {person.email} if person is not None and person.email else set()
    found |= set(db.scalars(select(User.email).where(User.person_id == person_id)))
    return {a.lower() for a in found if a}


def _export(db: Session, person_id: int) -> list[dict[str, Any]]:
    """The mails sent to the person: what and when, not the bodies (they may hold one-time links)."""
    addresses = _addresses(db, person_id)
    if not addresses:
        return []
    rows = db.scalars(
        select(OutboxMessage)
        .where(func.lower(OutboxMessage.to_address).in_(addresses))
        .order_by(OutboxMessage.id)
    )
    return [
        {
            "to": row.to_address,
            "subject": row.subject,
            "kind": row.template,
            "written_at": row.created_at.isoformat(),
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
        }
        for row in rows
    ]


def _erase(db: Session, person_id: int) -> None:
    """Address-confirmation links name the address: they go (the outbox itself is emptied by privacy)."""
    users = select(User.id).where(User.person_id == person_id).scalar_subquery()
    db.execute(delete(EmailConfirmation).where(EmailConfirmation.user_id.in_(users)))


privacy_service.register_exporter("mail", _export)
privacy_service.register_eraser("mail", _erase)
