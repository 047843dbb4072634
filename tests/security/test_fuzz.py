"""Fuzzing the REST API from its OpenAPI schema (schemathesis): no 500, no response that breaks the schema."""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import db as database
from skillatlas.auth import service as auth_service
from skillatlas.auth.permissions import SYSTEM
from skillatlas.auth.schemas import TokenCreate
from skillatlas.taxonomy import service as taxonomy_service
from tests.conftest import NOW, create_user
from tests.taxonomy.matrix import FIXTURE

# A bounded number of examples per operation keeps both runs near half a minute on two cores;
# SKILLATLAS_FUZZ_EXAMPLES=100 fuzzes deeper (minutes).
EXAMPLES = int(os.environ.get("SKILLATLAS_FUZZ_EXAMPLES", "6"))
CHECKS = [not_a_server_error, response_schema_conformance]
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure here is reproducible
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture
def populated(client: TestClient, sessions: sessionmaker[Session], demo: None) -> TestClient:
    """The app with the demo alliance and the small ESCO fixture, so that lookups find something."""
    with database.unit_of_work(sessions) as db:
        taxonomy_service.import_esco(db=db, directory=FIXTURE)
    return client


@pytest.fixture
def office_token(populated: TestClient, sessions: sessionmaker[Session]) -> str:
    user_id, _person = create_user(sessions, "fuzz.office@test.example", {"role": "alliance_office"})
    with database.unit_of_work(sessions) as db:
        user = auth_service.get_user(db=db, user_id=user_id)
        _token, secret = auth_service.create_token(
            db=db, actor=SYSTEM, user=user, data=TokenCreate(name="fuzz", scopes=["read", "write"]), now=NOW
        )
    return secret


@pytest.fixture
def anonymous_schema(populated: TestClient) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", populated.app)


@pytest.fixture
def office_schema(populated: TestClient, office_token: str) -> schemathesis.BaseSchema:
    # Operations that would lock the fuzzing user out of the rest of the run (its token, its person).
    return (
        schemathesis.openapi.from_asgi("/openapi.json", populated.app)
        .exclude(path_regex=r"^/api/me/tokens/\{token_id\}/revoke$")
        .exclude(path_regex=r"^/api/people/\{person_id\}/erase$")
        .exclude(path_regex=r"^/api/users/")
    )


def fuzz(schema: schemathesis.BaseSchema, headers: dict[str, str] | None = None) -> list[str]:
    """Runs every operation's examples; the failures, one line per operation (all operations always run).

    The operations are driven with Hypothesis directly: schemathesis's pytest plugin (`from_fixture`) does not
    work under pytest 9.
    """
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @FUZZ
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis's FailureGroup is a BaseExceptionGroup
            failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
    return failures


def test_fuzz_as_a_visitor(anonymous_schema: schemathesis.BaseSchema) -> None:
    failures = fuzz(anonymous_schema)
    assert not failures, "\n\n".join(failures)


def test_fuzz_as_the_office_with_a_token(office_schema: schemathesis.BaseSchema, office_token: str) -> None:
    failures = fuzz(office_schema, {"Authorization": f"Bearer {office_token}"})
    assert not failures, "\n\n".join(failures)
