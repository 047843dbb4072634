"""API tokens: shown once, stored hashed, scoped, expiring, revocable; Bearer calls skip the CSRF check."""

from __future__ import annotations

import datetime as dt
import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select

from skillatlas.auth.models import ApiToken
from skillatlas.config import Settings
from skillatlas.web.app import create_app
from tests.conftest import NOW, create_user, login

ORG = {"name": "Token Works", "type": "industry", "country": "DE"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_token(client: TestClient, scopes: list[str], days: int = 30) -> tuple[int, str]:
    response = client.post(
        "/api/me/tokens", json={"name": "script", "scopes": scopes, "expires_in_days": days}
    )
    assert response.status_code == 201, response.text
    return response.json()["id"], response.json()["token"]


def test_a_token_is_shown_once_and_stored_as_its_hash(office_client: TestClient, sessions) -> None:
    token_id, secret = make_token(office_client, ["read"])
    listed = office_client.get("/api/me/tokens").json()
    assert [t["id"] for t in listed] == [token_id] and "token" not in listed[0]
    with sessions() as db:
        stored = db.scalar(select(ApiToken.token_hash).where(ApiToken.id == token_id))
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    page = office_client.post("/account/tokens", data={"name": "from the page", "scopes": ["read", "write"]})
    assert page.status_code == 201 and 'id="new-token"' in page.text
    assert 'id="new-token"' not in office_client.get("/account").text


def test_scopes_read_and_write(office_client: TestClient) -> None:
    _, read = make_token(office_client, ["read"])
    _, write = make_token(office_client, ["read", "write"])
    anonymous = TestClient(office_client.app)
    assert anonymous.get("/api/audit", headers=bearer(read)).status_code == 200
    refused = anonymous.post("/api/organisations", json=ORG, headers=bearer(read))
    assert refused.status_code == 403 and "'write' scope" in refused.json()["detail"]
    # No CSRF token needed: a browser never sends this header on its own.
    assert anonymous.post("/api/organisations", json=ORG, headers=bearer(write)).status_code == 201
    assert anonymous.get("/api/me", headers=bearer(write)).json()["email"] == "office@example.org"


def test_a_token_cannot_mint_tokens(office_client: TestClient) -> None:
    _, write = make_token(office_client, ["read", "write"])
    anonymous = TestClient(office_client.app)
    response = anonymous.post("/api/me/tokens", json={"name": "more"}, headers=bearer(write))
    assert response.status_code == 403


def test_a_token_carries_only_its_users_rights(client: TestClient, sessions) -> None:
    create_user(sessions, "w@example.org", {"role": "worker"})
    login(client, "w@example.org")
    _, write = make_token(client, ["read", "write"])
    anonymous = TestClient(client.app)
    assert anonymous.post("/api/organisations", json=ORG, headers=bearer(write)).status_code == 403
    assert anonymous.get("/api/audit", headers=bearer(write)).status_code == 403


def test_revoked_tokens_stop_at_once(office_client: TestClient) -> None:
    token_id, secret = make_token(office_client, ["read"])
    anonymous = TestClient(office_client.app)
    assert anonymous.get("/api/me", headers=bearer(secret)).status_code == 200
    assert office_client.post(f"/api/me/tokens/{token_id}/revoke").json()["revoked_at"] is not None
    response = anonymous.get("/api/me", headers=bearer(secret))
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_only_the_owner_or_the_office_revokes_a_token(client: TestClient, sessions) -> None:
    create_user(sessions, "a@example.org", {"role": "worker"})
    create_user(sessions, "b@example.org", {"role": "worker"})
    a = login(TestClient(client.app), "a@example.org")
    b = login(TestClient(client.app), "b@example.org")
    token_id, _ = make_token(a, ["read"])
    assert b.post(f"/api/me/tokens/{token_id}/revoke").status_code == 403
    assert b.post(f"/account/tokens/{token_id}/revoke", follow_redirects=False).status_code == 403
    assert a.post(f"/account/tokens/{token_id}/revoke", follow_redirects=False).status_code == 303
    a.close()
    b.close()


def test_tokens_expire(engine, settings: Settings, sessions) -> None:
    create_user(sessions, "w@example.org", {"role": "worker"})
    now = [NOW]
    app = create_app(settings, clock=lambda: now[0])
    with TestClient(app) as client:
        login(client, "w@example.org")
        _, secret = make_token(client, ["read"], days=1)
        anonymous = TestClient(app)
        assert anonymous.get("/api/me", headers=bearer(secret)).status_code == 200
        now[0] = NOW + dt.timedelta(days=1, seconds=1)
        assert anonymous.get("/api/me", headers=bearer(secret)).status_code == 401
    app.state.engine.dispose()


def test_garbage_in_the_authorization_header_is_401(client: TestClient) -> None:
    for header in ("Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-token"):
        response = client.get("/api/me", headers={"Authorization": header})
        assert response.status_code == 401, header
    # Public reads need no token, but a bad one is still refused rather than ignored.
    assert client.get("/api/groups", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/groups").status_code == 200


def test_token_scopes_are_validated(office_client: TestClient) -> None:
    response = office_client.post("/api/me/tokens", json={"name": "x", "scopes": ["admin"]})
    assert response.status_code == 422 and response.json()["field"].startswith("scopes")
    too_long = office_client.post("/api/me/tokens", json={"name": "x", "expires_in_days": 1000})
    assert too_long.status_code == 422 and too_long.json()["field"] == "expires_in_days"


def test_last_use_is_kept_to_the_minute(engine, settings: Settings, sessions) -> None:
    """Every call used to write the token's row, so calls of one token queued behind each other's lock."""
    create_user(sessions, "u@example.org", {"role": "worker"})
    now = [NOW]
    app = create_app(settings, clock=lambda: now[0])

    def last_used() -> dt.datetime | None:
        with sessions() as db:
            return db.scalar(select(ApiToken.last_used_at))

    with TestClient(app) as client:
        login(client, "u@example.org")
        _, secret = make_token(client, ["read"])
        anonymous = TestClient(app)
        assert last_used() is None
        assert anonymous.get("/api/me", headers=bearer(secret)).status_code == 200
        assert last_used() == NOW
        now[0] = NOW + dt.timedelta(seconds=59)
        assert anonymous.get("/api/me", headers=bearer(secret)).status_code == 200
        assert last_used() == NOW  # within the minute: not written again
        now[0] = NOW + dt.timedelta(seconds=61)
        assert anonymous.get("/api/me", headers=bearer(secret)).status_code == 200
        assert last_used() == NOW + dt.timedelta(seconds=61)
    app.state.engine.dispose()
