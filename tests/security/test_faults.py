"""Faults: a server killed mid-import commits nothing; a database that goes away and comes back is served again."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx  # the HTTP client the dev extras pin (pydantic's httpx successor)
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from skillatlas import db as database
from skillatlas.auth import service as auth_service
from skillatlas.auth.permissions import SYSTEM
from skillatlas.auth.schemas import GrantIn, TokenCreate, UserCreate
from skillatlas.config import Settings
from skillatlas.intelligence.models import JobAd
from skillatlas.taxonomy import service as taxonomy_service
from skillatlas.web.app import create_app
from tests.conftest import NOW
from tests.taxonomy.matrix import FIXTURE

ADS = 4000  # enough that the import takes several seconds, so the kill lands inside it


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(url: str) -> str:
    """A migrated SQLite file with the small ESCO and an office account; its API token."""
    engine = database.make_engine(url)
    database.upgrade(engine)
    with database.unit_of_work(database.session_factory(engine)) as db:
        taxonomy_service.import_esco(db=db, directory=FIXTURE)
        user = auth_service.create_user(
            db=db,
            actor=SYSTEM,
            data=UserCreate(email="office@test.example", full_name="Office", password="a long password"),
            grants=[GrantIn(role="alliance_office")],
        )
        _row, secret = auth_service.create_token(
            db=db,
            actor=SYSTEM,
            user=user,
            data=TokenCreate(name="import", scopes=["read", "write"]),
            now=database.utcnow(),
        )
    engine.dispose()
    return secret


def _csv(count: int) -> bytes:
    lines = ["id,date,country,title,text"]
    for i in range(count):
        lines.append(
            f'"ad-{i}","2026-0{1 + i % 5}-1{i % 9}","DE","Battery engineer {i}",'
            f'"You design battery packs and battery management systems, number {i}. '
            f'Manage ICT network security risks and analyse business processes."'
        )
    return ("\n".join(lines) + "\n").encode()


def _job_ads(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM job_ad").fetchone()[0])


def _writing(path: Path) -> bool:
    """True while another connection holds the write lock (an open write transaction)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc):
            return True
        raise
    finally:
        connection.close()


class Server:
    """`skillatlas serve` as a real process on the SQLite file."""

    def __init__(self, tmp: Path, url: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "SKILLATLAS_DATABASE_URL": url,
            "SKILLATLAS_DATA_DIR": str(tmp / "data"),
            "SKILLATLAS_EMBEDDING_BACKEND": "none",
        }
        self.log = (tmp / f"serve-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "skillatlas", "serve", "--no-demo", "--port", str(self.port)],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "serve exited early"
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError("serve did not come up in 60 s")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if not self.log.closed:
            self.log.close()


def _import(base: str, token: str, content: bytes, **params: Any) -> httpx.Response:
    return httpx.post(
        f"{base}/api/intelligence/job-ads",
        headers={"Authorization": f"Bearer {token}"},
        files={"file": ("ads.csv", content, "text/csv")},
        params=params,
        timeout=300,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_server_killed_mid_import_commits_nothing_and_the_rerun_counts_once(tmp_path: Path) -> None:
    path = tmp_path / "faults.db"
    url = f"sqlite:///{path}"
    token = _prepare(url)
    content = _csv(ADS)
    server = Server(tmp_path, url)
    outcome: dict[str, Any] = {}

    def upload() -> None:
        try:
            outcome["response"] = _import(server.base, token, content)
        except httpx.TransportError as exc:
            outcome["error"] = exc

    try:
        sender = threading.Thread(target=upload)
        sender.start()
        # The import is one transaction: once it holds the write lock and has run a while, it is mid-way.
        deadline = time.monotonic() + 60
        while not _writing(path):
            assert time.monotonic() < deadline and "response" not in outcome, outcome
            time.sleep(0.02)
        time.sleep(1.0)
        assert _writing(path) and "response" not in outcome, "the import ended before the kill: raise ADS"
        server.kill()
        sender.join(timeout=30)
    finally:
        server.stop()
    assert "error" in outcome, outcome  # the client never got an answer
    assert _job_ads(path) == 0  # nothing partial: the file recovers to before the import

    again = Server(tmp_path, url)
    try:
        started = time.monotonic()
        done = _import(again.base, token, content)
        took = time.monotonic() - started
        assert done.status_code == 200, done.text
        assert done.json()["imported"] == ADS and done.json()["duplicates"] == 0
        assert _job_ads(path) == ADS
        # Once more: every ad is known, nothing counts twice.
        repeat = _import(again.base, token, content, dry_run=True)
        assert repeat.json()["imported"] == 0 and repeat.json()["duplicates"] == ADS
    finally:
        again.stop()
    print(f"full import of {ADS} ads after the kill: {took:.1f} s")


def test_the_app_recovers_when_the_database_comes_back(tmp_path: Path) -> None:
    """The SQLite file's folder moved away (as a disk unmounted) and back: 503 meanwhile, then served again."""
    folder = tmp_path / "volume"
    url = f"sqlite:///{folder / 'skillatlas.db'}"
    engine = database.make_engine(url)
    database.upgrade(engine)
    engine.dispose()
    app = create_app(Settings(database_url=url, data_dir=tmp_path), clock=lambda: NOW)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/api/health").status_code == 200
        away = tmp_path / "volume-away"
        folder.rename(away)
        app.state.engine.dispose()  # the open connections are lost, as when a server goes away
        down = client.get("/api/health")
        assert down.status_code == 503 and down.json()["code"] == "database_unavailable"
        page = client.get("/organisations")
        assert page.status_code == 503 and "cannot be reached" in page.text
        away.rename(folder)
        assert client.get("/api/health").status_code == 200
        assert client.get("/api/organisations").status_code == 200
        # And writes work again too.
        with database.unit_of_work(app.state.sessions) as db:
            assert db.scalar(select(func.count()).select_from(JobAd)) == 0
    app.state.engine.dispose()
