"""Mail's permission-matrix entries: the outbox is the office's; confirming an address needs only the link."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from skillatlas.db import unit_of_work
from skillatlas.mail import service
from tests.auth.matrix_support import EVERYONE, OFFICE, USERS, Case, World, fixed


def arrange(world: World, sessions: sessionmaker[Session]) -> None:
    """One message in the outbox, for the message page."""
    with unit_of_work(sessions) as db:
        message = service.send(
            db=db,
            to="someone@test.example",
            template="password_reset",
            context={
                "link": "http://testserver/password/reset?token=x",
                "email": "someone@test.example",
                "hours": 1,
            },
        )
        assert message is not None
        world.extra["mail_message"] = message.id


ENTRIES: dict[tuple[str, str], Case] = {
    # An unknown link: everyone may try, nobody is confirmed by it.
    ("GET", "/signup/confirm"): Case(EVERYONE, fixed("/signup/confirm?token=unknown"), ok=frozenset({422})),
    # Every world user is confirmed already (made by the office): allowed callers are told so.
    ("POST", "/signup/confirm/resend"): Case(
        USERS, fixed("/signup/confirm/resend"), form=lambda role, w: {}, ok=frozenset({409})
    ),
    ("GET", "/office/outbox"): Case(OFFICE, fixed("/office/outbox?state=waiting")),
    ("GET", "/office/outbox/{message_id}"): Case(
        OFFICE, lambda role, w: f"/office/outbox/{w.extra['mail_message']}"
    ),
    # The world's app has no mail server: the office is told that nothing can be sent.
    ("POST", "/office/outbox/send"): Case(
        OFFICE, fixed("/office/outbox/send"), form=lambda role, w: {}, ok=frozenset({303, 409})
    ),
}
