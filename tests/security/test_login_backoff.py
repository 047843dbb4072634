"""Password guessing (issue 18, finding 6): back-off for the guesser, no lock for the owner, no account revealed.

Before, five wrong passwords locked any account for 15 minutes (anyone could shut anyone out), the lock
message told that the address had an account, and sign-up answered 409 for a known address.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import AuditEntry, OutboxMessage, User
from skillatlas.config import Settings
from skillatlas.web.app import create_app
from tests.conftest import NOW, PASSWORD, create_user

OWNER = "owner@example.org"
NOBODY = "nobody@example.org"
ATTACKER = "203.0.113.9"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(engine, settings: Settings, clock: Clock) -> Iterator[FastAPI]:
    app = create_app(settings, clock=clock)
    yield app
    app.state.engine.dispose()


def peer(app: FastAPI, address: str) -> TestClient:
    """A browser at this client address."""
    return TestClient(app, client=(address, 40000), raise_server_exceptions=False)


def _csrf(client: TestClient) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert found
    return found.group(1)


def attempt(client: TestClient, email: str, password: str) -> tuple[int, str]:
    """(status, the error shown) of one login."""
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": _csrf(client)},
        follow_redirects=False,
    )
    error = re.search(r'class="alert error"[^>]*>([^<]*)<', response.text) or re.search(
        r'id="f-[a-z]+-error"[^>]*>([^<]*)<', response.text
    )
    return response.status_code, error.group(1).strip() if error else ""


def test_wrong_passwords_never_lock_the_owner_out(app: FastAPI, sessions) -> None:
    create_user(sessions, OWNER, {"role": "worker"})
    with peer(app, ATTACKER) as attacker, peer(app, "198.51.100.20") as owner:
        codes = [attempt(attacker, OWNER, f"guess {i}")[0] for i in range(10)]
        assert codes[:3] == [401, 401, 401] and 429 in codes  # the guesser is slowed down
        assert attempt(owner, OWNER, PASSWORD)[0] == 303  # the owner, elsewhere, is not
    with sessions() as db:
        user = db.scalar(select(User).where(User.email == OWNER))
        assert user is not None and user.locked_until is None


def test_the_wait_doubles_for_one_account_from_one_address(app: FastAPI, clock: Clock, sessions) -> None:
    create_user(sessions, OWNER, {"role": "worker"})
    with peer(app, ATTACKER) as attacker:
        for _ in range(3):  # three free tries
            assert attempt(attacker, OWNER, "wrong")[0] == 401
        for wait in (2, 4, 8, 16):
            status, message = attempt(attacker, OWNER, PASSWORD)  # even the right password waits its turn
            assert status == 429 and message == f"too many failed attempts: try again in {wait} seconds"
            clock.advance(wait - 1)
            assert attempt(attacker, OWNER, "wrong")[0] == 429  # one second early
            clock.advance(1)
            assert attempt(attacker, OWNER, "wrong")[0] == 401  # its turn: counted, the wait doubles
        # Another account from the same address is not held up by this pair's back-off.
        assert attempt(attacker, NOBODY, "wrong")[0] == 401
        clock.advance(15 * 60)  # the failures are old now: free tries again
        assert attempt(attacker, OWNER, PASSWORD)[0] == 303
    with sessions() as db:
        actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions.count("login.failure") == 8 and actions.count("login.refused") == 8
    assert actions[-1] == "login.success"


def test_known_and_unknown_addresses_get_the_same_answers(app: FastAPI, sessions) -> None:
    create_user(sessions, OWNER, {"role": "worker"})
    with peer(app, ATTACKER) as one, peer(app, "203.0.113.10") as other:
        known = [attempt(one, OWNER, "wrong") for _ in range(6)]
        unknown = [attempt(other, NOBODY, "wrong") for _ in range(6)]
    assert known == unknown
    assert known[0] == (401, "wrong e-mail address or password") and known[-1][0] == 429
    assert not any("lock" in message or OWNER in message for _status, message in known)


def test_many_addresses_against_one_account_slow_new_addresses_only(
    app: FastAPI, clock: Clock, sessions
) -> None:
    create_user(sessions, OWNER, {"role": "worker"})
    with peer(app, "192.0.2.1") as home:  # the owner's usual place: logged in from here before
        assert attempt(home, OWNER, PASSWORD)[0] == 303
    for i in range(10):  # ten addresses, one guess each: none of them is slowed down on its own
        with peer(app, f"198.51.100.{i}") as guesser:
            assert attempt(guesser, OWNER, "wrong")[0] == 401
    with peer(app, "198.51.100.99") as next_guesser:
        assert attempt(next_guesser, OWNER, PASSWORD)[0] == 429  # the account's back-off
        with peer(app, "192.0.2.1") as home:
            assert attempt(home, OWNER, PASSWORD)[0] == 303  # the owner's known place is not slowed
        clock.advance(2)
        assert attempt(next_guesser, OWNER, "wrong")[0] == 401
        assert attempt(next_guesser, OWNER, "wrong")[0] == 429  # and the wait doubles
    # An unknown address is treated like a known one without a known place: the same answers.
    for i in range(10):
        with peer(app, f"198.51.101.{i}") as guesser:
            assert attempt(guesser, NOBODY, "wrong")[0] == 401
    with peer(app, "198.51.101.99") as next_guesser:
        assert attempt(next_guesser, NOBODY, "wrong")[0] == 429


def _sign_up(client: TestClient, email: str, name: str = "New Person") -> object:
    return client.post(
        "/signup",
        data={"full_name": name, "email": email, "password": "a long password", "csrf_token": _csrf(client)},
        follow_redirects=False,
    )


def _mails(sessions: sessionmaker[Session], template: str) -> list[OutboxMessage]:
    with sessions() as db:
        return list(db.scalars(select(OutboxMessage).where(OutboxMessage.template == template)))


def test_sign_up_with_a_known_address_answers_like_a_new_one_and_mails_the_owner(
    app: FastAPI, sessions
) -> None:
    create_user(sessions, OWNER, {"role": "worker"})
    with peer(app, ATTACKER) as visitor:
        known = _sign_up(visitor, OWNER, "Not The Owner")
        new = _sign_up(visitor, "fresh@example.org")
        assert (known.status_code, known.headers["location"]) == (new.status_code, new.headers["location"])
        assert known.status_code == 303 and known.headers["location"] == "/login?signed_up=1"
        assert "skillatlas_session" not in known.headers.get("set-cookie", "")
        assert "skillatlas_session" not in new.headers.get("set-cookie", "")
        page = visitor.get("/login?signed_up=1").text
        assert "We sent a message to the address you gave" in page
        # The new account logs in with its password; the known address's owner is unchanged.
        assert attempt(visitor, "fresh@example.org", "a long password")[0] == 303
    with peer(app, "198.51.100.20") as owner:
        assert attempt(owner, OWNER, PASSWORD)[0] == 303
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(User).where(User.email == OWNER)) == 1
        assert db.scalar(select(User.full_name).where(User.email == OWNER)) == "Owner"
    [tried] = _mails(sessions, "signup_existing")
    assert tried.to_address == OWNER and "someone tried to sign up" in tried.subject
    assert "http://testserver/password/forgot" in tried.body and "nothing was changed" in tried.body
    assert [m.to_address for m in _mails(sessions, "confirm_address")] == ["fresh@example.org"]


def test_a_known_address_is_not_flooded_with_mails(app: FastAPI, sessions) -> None:
    create_user(sessions, OWNER, {"role": "worker"})
    for i in range(5):
        with peer(app, f"198.51.100.{i}") as visitor:
            assert _sign_up(visitor, OWNER).status_code == 303
            forgot = visitor.post("/password/forgot", data={"email": OWNER, "csrf_token": _csrf(visitor)})
            assert forgot.status_code == 200 and f"If an account exists for {OWNER}" in forgot.text
    # Three account mails an hour to one address, whatever asks for them: two tries, one reset link.
    assert len(_mails(sessions, "signup_existing")) + len(_mails(sessions, "password_reset")) == 3


def test_a_persons_record_is_not_taken_over_and_gets_the_same_answer(app: FastAPI, sessions) -> None:
    from skillatlas.db import unit_of_work
    from skillatlas.people.models import Person

    with unit_of_work(sessions) as db:
        db.add(Person(full_name="Registered By Someone", email="record@example.org"))
    with peer(app, ATTACKER) as visitor:
        answer = _sign_up(visitor, "record@example.org")
        assert answer.status_code == 303 and answer.headers["location"] == "/login?signed_up=1"
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(User)) == 0
    [tried] = _mails(sessions, "signup_existing")
    assert "ask the alliance office" in tried.body
