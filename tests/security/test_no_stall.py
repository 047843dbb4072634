"""Nothing a visitor sends can stall the platform (issue 18): while a hostile verification or a large import
runs, the real server (uvicorn, as in production) keeps answering /api/health at once.

Before: verification and the imports ran on the event loop, so one request held every other one: the
audit's 2.8 KB credential for 73 s, a 70 KiB workbook for 11.7 s.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2 as httpx  # the HTTP client the dev extras pin
import pytest
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from skillatlas import limits
from skillatlas.config import Settings
from skillatlas.web.app import create_app
from tests.conftest import NOW, create_user, login
from tests.security.test_limits import HEADER, alike_nodes_credential, header_row, xlsx


@pytest.fixture
def live(settings: Settings, engine: Engine) -> Iterator[str]:
    """The real app served by uvicorn on a free loopback port (like the browser tests' live_server)."""
    app = create_app(settings, clock=lambda: NOW)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.engine.dispose()


def warm(base: str) -> None:
    """One cheap verification, so that the worker process is started before anything is timed."""
    answer = httpx.post(f"{base}/api/credentials/verify", content=alike_nodes_credential(2), timeout=60)
    assert answer.status_code == 200 and answer.json()["valid"] is False


def health_while(base: str, send: Any) -> tuple[Any, float, int]:
    """Runs send() in a thread and asks /api/health every 50 ms until it is done: (its response, how long it
    took, how many health answers came back while it still ran).

    Counting answers, not timing them, keeps the test independent of the machine's speed: a server whose
    event loop is held answers nothing until the held request is done (0 or 1 answers, the one already in
    flight), a free one answers all along; a slower machine only makes both runs longer."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        started = time.monotonic()
        try:
            outcome["response"] = send()
        except Exception as exc:  # a timeout on the old code: report it below
            outcome["response"] = exc
        outcome["took"] = time.monotonic() - started

    worker = threading.Thread(target=run, daemon=True)
    answered_during = 0
    with httpx.Client(base_url=base, timeout=120) as client:
        assert client.get("/api/health").status_code == 200  # warm
        worker.start()
        time.sleep(0.1)  # the hostile request is in
        while worker.is_alive():
            answer = client.get("/api/health")
            assert answer.status_code == 200
            if worker.is_alive():
                answered_during += 1
            time.sleep(0.05)
    worker.join()
    return outcome["response"], outcome["took"], answered_during


def test_a_hostile_credential_is_refused_fast_and_health_keeps_answering(live: str) -> None:
    """The audit's credential (8 alike blank nodes), sent without logging in."""
    hostile = alike_nodes_credential(8)
    warm(live)
    response, took, _answered = health_while(
        live, lambda: httpx.post(f"{live}/api/credentials/verify", content=hostile, timeout=120)
    )
    assert response.status_code == 422, response.text
    assert "8 blank nodes" in response.json()["detail"]
    assert took < 10, took  # refused by counting, long before any canonicalisation budget


def test_a_verification_that_runs_to_its_budget_never_holds_other_requests(
    live: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the structural limits switched off, canonicalisation of the hostile credential really runs (73 s
    in full); it runs in a worker process, killed at the budget, while health answers within a fraction."""
    monkeypatch.setattr(limits, "MAX_ALIKE_BLANK_NODES", 1_000)
    monkeypatch.setattr(limits, "CANON_WORK_FACTOR", 1_000)
    monkeypatch.setattr(limits, "VERIFY_BUDGET_S", 2.0)
    hostile = alike_nodes_credential(8)
    warm(live)
    response, took, answered = health_while(
        live, lambda: httpx.post(f"{live}/api/credentials/verify", content=hostile, timeout=120)
    )
    assert response.status_code == 422 and "longer than 2 seconds" in response.json()["detail"], response.text
    assert 1.5 < took < 30, took
    assert answered >= 3, (took, answered)  # health answered all along the two seconds


def test_a_large_workbook_import_never_holds_other_requests(
    live: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A workbook within the limits still takes seconds to read; the reading runs in a worker process, and
    health answers meanwhile (before, the import held the event loop for all of it, and from the thread
    pool openpyxl still held the GIL: health answered once in 1.8 s on a 2-core machine)."""
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    client = login(httpx.Client(base_url=live, timeout=120), "office@example.org")  # type: ignore[arg-type]
    rows = "<row>" + "<c><v>1</v></c>" * 20 + "</row>"
    workbook = xlsx(header_row(HEADER) + rows * 9_500)  # 190,000 cells: just within the limit
    assert limits.MAX_SPREADSHEET_CELLS >= 190_003
    try:
        response, took, answered = health_while(
            live,
            lambda: client.post(
                "/api/kpi/events/import",
                params={"dry_run": True},
                files={"file": ("events.xlsx", workbook, "application/octet-stream")},
            ),
        )
    finally:
        client.close()
    assert response.status_code == 422, (
        response.text
    )  # read in full, then refused row by row: unknown columns
    assert took > 0.5, took  # long enough to have held other requests
    assert answered >= 2, (took, answered)  # health answered while the workbook was read
