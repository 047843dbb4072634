"""Fixtures: a real database per test run (a SQLite file, or a fresh PostgreSQL database), the app over HTTP."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, Integer, Table, create_engine, exists, func, inspect, or_, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.config import Settings, get_settings
from skillatlas.models import metadata
from skillatlas.web.app import create_app

# The tests' "now": a fixed day, so that what is upcoming or past never depends on when they run.
NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
POSTGRES_ADMIN_URL = os.environ.get("SKILLATLAS_TEST_POSTGRES_URL")
#: Set on a test whose `engine` fixture restored the demo alliance.
DEMO_RESTORED = pytest.StashKey[bool]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that reach the test run's database (through the `database_url` fixture) or "
        "are marked `postgres`: CI's PostgreSQL pass, where the others would run the same code a second time",
    )


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_ADMIN_URL:
        return f"database: PostgreSQL ({make_url(POSTGRES_ADMIN_URL).render_as_string()})"
    return "database: SQLite file"


def reaches_the_database(item: pytest.Item) -> bool:
    """Whether a test uses the run's database: through the fixtures, or a PostgreSQL server of its own."""
    return (
        "database_url" in getattr(item, "fixturenames", ()) or item.get_closest_marker("postgres") is not None
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("database_tests_only"):
        return
    kept = [item for item in items if reaches_the_database(item)]
    dropped = [item for item in items if not reaches_the_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new, empty database for this test run, dropped at the end."""
    if not POSTGRES_ADMIN_URL:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'skillatlas.db'}"
        return
    name = f"skillatlas_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_engine(database_url: str) -> Iterator[Engine]:
    """The engine on the test database, migrated to the latest revision once per run."""
    engine = database.make_engine(database_url)
    database.upgrade(engine)
    yield engine
    engine.dispose()


def wipe(engine: Engine) -> None:
    """Removes every row of every table (the schema stays) and starts every id sequence again at 1.

    DELETE, children first, rather than TRUNCATE on PostgreSQL: a test leaves a few rows, and TRUNCATE gives
    each of the ~70 tables and their indexes new files, 0.4 s before every test against 5 ms."""
    # Only tables the migrations made: a model without its migration fails test_db, not every test.
    existing = set(inspect(engine).get_table_names())
    tables = [t.name for t in reversed(metadata.sorted_tables) if t.name in existing]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            sequences = connection.scalars(
                text(
                    "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename) FROM pg_sequences"
                    " WHERE schemaname = current_schema()"
                )
            ).all()
            statements = [f'DELETE FROM "{t}"' for t in tables]
            statements += [f"SELECT setval('{s}', 1, false)" for s in sequences]
            connection.exec_driver_sql(";\n".join(statements))
        else:
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def engine(migrated_engine: Engine, request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The migrated engine; every test starts from empty tables, or from the demo alliance alone if it asks
    for the `demo` fixture."""
    wipe(migrated_engine)
    if "demo" in request.fixturenames and not hasattr(request.module, "demo"):
        restore(migrated_engine, request.getfixturevalue("demo_snapshot"))
        request.node.stash[DEMO_RESTORED] = True
    yield migrated_engine


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return database.session_factory(engine)


@pytest.fixture
def db(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and checking data; the test commits what it arranges."""
    session = sessions()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=tmp_path)


@pytest.fixture
def client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The real app over HTTP on the test database, with the clock pinned to NOW."""
    app = create_app(settings, clock=lambda: NOW)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
    app.state.engine.dispose()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every row of every table, children after their parents, as the database gave them back."""

    tables: list[tuple[Table, list[dict[str, Any]]]]


def _tables(engine: Engine) -> list[Table]:
    existing = set(inspect(engine).get_table_names())
    return [t for t in metadata.sorted_tables if t.name in existing]


@pytest.fixture(scope="session")
def demo_snapshot(migrated_engine: Engine) -> Snapshot:
    """The ASA demo alliance as rows, loaded once per run in a transaction that is rolled back, so that each
    test that wants it gets it restored in milliseconds rather than loaded again (about a second a test)."""
    from skillatlas.demo.loader import load_demo

    tables = _tables(migrated_engine)
    with migrated_engine.connect() as connection:
        transaction = connection.begin()
        # No savepoint: pysqlite would begin a real transaction at SAVEPOINT and commit it at its release.
        with Session(bind=connection, join_transaction_mode="rollback_only") as session:
            assert all(session.scalar(select(func.count()).select_from(t)) == 0 for t in tables), (
                "the demo is taken from an empty database"
            )
            load_demo(db=session)
            session.flush()
            snapshot = Snapshot(
                [
                    (t, [dict(zip([c.key for c in t.columns], row, strict=True)) for row in rows])
                    for t in tables
                    if (rows := connection.execute(select(t).order_by(*t.primary_key.columns)).all())
                ]
            )
        transaction.rollback()
        assert all(connection.scalar(select(func.count()).select_from(t)) == 0 for t in tables)
    return snapshot


def restore(engine: Engine, snapshot: Snapshot) -> None:
    """Puts a snapshot's rows back into emptied tables, and on PostgreSQL each id sequence after its rows."""
    with engine.begin() as connection:
        for table, rows in snapshot.tables:
            connection.execute(table.insert(), rows)
        if engine.dialect.name == "postgresql":
            for table, rows in snapshot.tables:
                (key, *more) = table.primary_key.columns
                if more or not isinstance(key.type, Integer):
                    continue
                connection.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, :column), :last)"),
                    {"table": table.name, "column": key.name, "last": max(r[key.key] for r in rows)},
                )


@pytest.fixture
def demo(engine: Engine, request: pytest.FixtureRequest) -> None:
    """The ASA demo alliance, loaded: `engine` restores it from the run's snapshot right after emptying the
    tables, before any other fixture adds a row (a test module may define a `demo` of its own instead)."""
    if request.node.stash.get(DEMO_RESTORED, False):
        return
    # Asked for at run time (`request.getfixturevalue`), after what other fixtures may have added.
    snapshot: Snapshot = request.getfixturevalue("demo_snapshot")
    with engine.connect() as connection:
        empty = not connection.scalar(
            select(or_(*(exists(select(1).select_from(t)) for t, _ in snapshot.tables)))
        )
    if empty:
        restore(engine, snapshot)
        return
    from skillatlas.demo.loader import load_demo

    with database.unit_of_work(database.session_factory(engine)) as session:
        load_demo(db=session)


@pytest.fixture
def cli_env(settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Environment for running the CLI against the test database."""
    env = {
        "SKILLATLAS_DATABASE_URL": settings.effective_database_url,
        "SKILLATLAS_DATA_DIR": str(settings.data_dir),
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


# --- accounts: cheap hashing, users, logging in ------------------------------------------------------

PASSWORD = "correct horse battery"  # every test user's password


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Argon2 with tiny parameters: the tests check logic, not the cost of guessing."""
    from argon2 import PasswordHasher

    from skillatlas.auth import passwords

    previous = passwords.use_hasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    passwords.use_hasher(previous)


def create_user(
    sessions: sessionmaker[Session], email: str, *grants: dict[str, str], organisation: str | None = None
) -> tuple[int, int]:
    """Commits an account with PASSWORD and the grants ({"role": ..., "group": slug, ...}); (user id, person id)."""
    from skillatlas.auth import service as auth_service
    from skillatlas.auth.permissions import SYSTEM
    from skillatlas.auth.schemas import GrantIn, UserCreate

    with database.unit_of_work(sessions) as session:
        user = auth_service.create_user(
            db=session,
            actor=SYSTEM,
            data=UserCreate(email=email, full_name=email.split("@")[0].title(), password=PASSWORD,
                            organisation=organisation),
            grants=[GrantIn(**g) for g in grants],
        )  # fmt: skip
        assert user.person_id is not None
        return user.id, user.person_id


def csrf_token(client: TestClient) -> str:
    """The CSRF token the pages carry for this client (its session's, or its visitor cookie's)."""
    import re

    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert match, "no CSRF token in the page"
    return match.group(1)


def use_csrf(client: TestClient) -> TestClient:
    """Sends the current CSRF token as X-CSRF-Token on every later request (forms and API calls alike)."""
    client.headers["X-CSRF-Token"] = csrf_token(client)
    return client


def login(client: TestClient, email: str, password: str = PASSWORD) -> TestClient:
    """Logs the client in through the login form, then sends the session's CSRF token on every request."""
    client.headers.pop("X-CSRF-Token", None)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return use_csrf(client)


@pytest.fixture
def office_client(client: TestClient, sessions: sessionmaker[Session]) -> TestClient:
    """The same `client`, logged in as an alliance-office user (office@example.org)."""
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    return login(client, "office@example.org")
