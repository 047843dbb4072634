"""Trusted proxies (issue 18, finding 9): X-Forwarded-For is believed only from SKILLATLAS_TRUSTED_PROXIES.

Before, uvicorn (under `skillatlas serve`) believed X-Forwarded-For from any client on 127.0.0.1, so a
local client, or anyone behind a proxy on the same host, chose the address the login throttle counted and
the audit log recorded. Now the app resolves the client address itself (web/security.TrustedProxies) and
`serve` turns uvicorn's proxy headers off.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx  # the HTTP client the dev extras pin (pydantic's httpx successor)
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.auth.models import AuditEntry
from skillatlas.config import Settings
from skillatlas.web.app import create_app
from tests.conftest import NOW


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(database_url: str, tmp: Path, **env: str) -> Iterator[str]:
    """`skillatlas serve` as a real process (uvicorn as production runs it); yields its base URL."""
    port = _free_port()
    environment = {
        **os.environ,
        "SKILLATLAS_DATABASE_URL": database_url,
        "SKILLATLAS_DATA_DIR": str(tmp / "data"),
        "SKILLATLAS_EMBEDDING_BACKEND": "none",
        **env,
    }
    log = tmp / f"serve-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "skillatlas", "serve", "--no-demo", "--no-jobs", "--port", str(port)],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "serve did not come up in 60 s"
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _failed_login(client: httpx.Client, forwarded_for: str) -> int:
    page = client.get("/login")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/login",
        data={"email": "nobody@example.org", "password": "a wrong guess", "csrf_token": token.group(1)},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def _audit_ips(sessions: sessionmaker[Session]) -> list[str | None]:
    with sessions() as db:
        return list(
            db.scalars(
                select(AuditEntry.ip).where(AuditEntry.action == "login.failure").order_by(AuditEntry.id)
            )
        )


def test_serve_believes_no_forwarded_header_by_default_and_a_configured_proxy(
    database_url: str, engine, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with serve(database_url, tmp_path) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert _failed_login(client, "203.0.113.9") == 401
        assert _failed_login(client, "198.51.100.1") == 401
    assert _audit_ips(sessions) == ["127.0.0.1", "127.0.0.1"]  # the peer, not what the client claimed

    with (
        serve(database_url, tmp_path, SKILLATLAS_TRUSTED_PROXIES="127.0.0.1") as base,
        httpx.Client(base_url=base, timeout=30) as client,
    ):
        # The client claimed 192.0.2.66; the proxy (127.0.0.1) appended the address it saw.
        assert _failed_login(client, "192.0.2.66, 203.0.113.9") == 401
    assert _audit_ips(sessions)[-1] == "203.0.113.9"


def _app_client(settings: Settings, peer: str, **settings_update: object) -> TestClient:
    app = create_app(settings.model_copy(update=settings_update), clock=lambda: NOW)
    return TestClient(app, client=(peer, 50000), raise_server_exceptions=False)


def _post_login(
    client: TestClient, forwarded_for: str, proto: str | None = None, email: str = "nobody@example.org"
) -> int:
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert token
    headers = {"X-Forwarded-For": forwarded_for, **({"X-Forwarded-Proto": proto} if proto else {})}
    return client.post(
        "/login",
        data={"email": email, "password": "a wrong guess", "csrf_token": token.group(1)},
        headers=headers,
        follow_redirects=False,
    ).status_code


def test_a_client_cannot_escape_the_address_throttle_by_forging_the_header(
    engine, settings: Settings, sessions: sessionmaker[Session]
) -> None:
    with _app_client(settings, "127.0.0.1") as client:
        # One address trying many accounts (so no account's own back-off starts), each time claiming another.
        codes = [_post_login(client, f"198.51.100.{i}", email=f"nobody{i}@example.org") for i in range(21)]
    assert codes[:20] == [401] * 20 and codes[20] == 429  # all counted against 127.0.0.1
    assert set(_audit_ips(sessions)) == {"127.0.0.1"}


@pytest.mark.parametrize(
    ("peer", "trusted", "forwarded_for", "expected"),
    [
        ("127.0.0.1", "", "203.0.113.9", "127.0.0.1"),  # none trusted by default, loopback neither
        ("10.1.2.3", "127.0.0.1", "203.0.113.9", "10.1.2.3"),  # a peer that is not the proxy
        ("10.1.2.3", "10.0.0.0/8", "203.0.113.9", "203.0.113.9"),  # a network of proxies
        ("10.1.2.3", "10.0.0.0/8", "192.0.2.66, 203.0.113.9", "203.0.113.9"),  # the claim before is ignored
        ("10.1.2.3", "10.0.0.0/8", "203.0.113.9, 10.9.9.9", "203.0.113.9"),  # two proxies in a row
        ("10.1.2.3", "10.0.0.0/8", "not an address", "10.1.2.3"),  # garbage: the peer
        ("::1", "::1", "2001:db8::7", "2001:db8::7"),
    ],
)
def test_which_address_counts(
    engine,
    settings: Settings,
    sessions: sessionmaker[Session],
    peer: str,
    trusted: str,
    forwarded_for: str,
    expected: str,
) -> None:
    with _app_client(settings, peer, trusted_proxies=trusted) as client:
        assert _post_login(client, forwarded_for) == 401
    assert _audit_ips(sessions) == [expected]


def test_the_scheme_of_a_trusted_proxy_makes_the_cookies_secure(engine, settings: Settings) -> None:
    with _app_client(settings, "10.1.2.3", trusted_proxies="10.0.0.0/8") as client:
        page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in page.headers["set-cookie"]
    with _app_client(settings, "10.1.2.3") as client:  # an untrusted peer cannot claim https
        page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" not in page.headers["set-cookie"]


def test_a_wrong_setting_fails_at_start() -> None:
    with pytest.raises(ValueError, match="SKILLATLAS_TRUSTED_PROXIES"):
        Settings(trusted_proxies="10.0.0.0/8, proxy.example")
    assert [str(n) for n in Settings(trusted_proxies="10.0.0.0/8, ::1").trusted_proxy_networks] == [
        "10.0.0.0/8",
        "::1/128",
    ]
