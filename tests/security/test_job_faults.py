"""Fault test of background jobs: `skillatlas serve` (with its job worker) SIGKILLed in the middle of a
background job-ads import, twice (while it finds the skills, then inside its saving transaction), and
started again: the job resumes by itself, nothing of a cut-off run is kept, and every ad is imported once."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from tests.security.test_faults import Server, _csv, _job_ads, _prepare, _writing

ADS = 4000
EMAIL, PASSWORD = "office@test.example", "a long password"  # the account _prepare makes


def _login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert token
    done = client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token.group(1)})
    assert done.status_code == 303, done.text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/home").text)
    assert csrf
    client.headers["X-CSRF-Token"] = csrf.group(1)
    return client


def _start_import(client: httpx.Client, content: bytes) -> int:
    checked = client.post("/intelligence/job-ads/preview", files={"file": ("big.csv", content, "text/csv")})
    assert checked.status_code == 200, checked.text[-2000:]
    token = re.search(r'name="token" value="([^"]+)"', checked.text)
    assert token, "the check found problems"
    started = client.post("/intelligence/job-ads/import", data={"token": token.group(1)})
    assert started.status_code == 303, started.text[-2000:]
    match = re.fullmatch(r"/jobs/(\d+)", started.headers["location"])
    assert match, started.headers["location"]
    return int(match.group(1))


def _job(path: Path, job_id: int) -> dict[str, Any]:
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        return dict(connection.execute("SELECT * FROM job WHERE id = ?", (job_id,)).fetchone())


def _wait(condition: Any, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _worker_pid(job: dict[str, Any]) -> int:
    return int(str(job["worker"]).split(":")[1])


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_job_cut_off_twice_by_a_killed_server_resumes_and_imports_every_ad_once(tmp_path: Path) -> None:
    path = tmp_path / "faults.db"
    url = f"sqlite:///{path}"
    _prepare(url)
    content = _csv(ADS)

    # 1. Killed while the worker finds the skills (nothing written yet).
    server = Server(tmp_path, url)
    try:
        client = _login(server.base)
        job_id = _start_import(client, content)
        _wait(
            lambda: (
                (j := client.get(f"/api/jobs/{job_id}").json())["state"] == "running"
                and (j["total"] or 0) > 0
                and j["done"] >= j["total"] // 4
            ),
            "the job to be a quarter through",
        )
        running = client.get(f"/api/jobs/{job_id}").json()
        assert running["done"] < running["total"], "the job ended before the kill: raise ADS"
        client.close()
        worker = _worker_pid(_job(path, job_id))
        server.kill()
    finally:
        server.stop()
    _wait(lambda: _gone(worker), "the killed server's job worker to end with it", timeout=10)
    assert _job_ads(path) == 0
    assert _job(path, job_id)["state"] == "running"  # as the dead worker left it

    # 2. Started again: the worker queues the job again by itself; killed inside its saving transaction.
    server = Server(tmp_path, url)
    try:
        _wait(
            lambda: _job(path, job_id)["message"] == "saving the job ads" and _writing(path),
            "the job's saving transaction",
        )
        job = _job(path, job_id)
        assert job["attempts"] == 2 and job["state"] == "running"
        worker = _worker_pid(job)
        server.kill()
    finally:
        server.stop()
    _wait(lambda: _gone(worker), "the killed server's job worker to end with it", timeout=10)
    assert _job_ads(path) == 0  # the half-saved import rolled back whole

    # 3. Started again: the job runs to its end, every ad once.
    server = Server(tmp_path, url)
    try:
        _wait(lambda: _job(path, job_id)["state"] in ("done", "failed"), "the job to end", timeout=300)
        client = _login(server.base)
        shown = client.get(f"/api/jobs/{job_id}").json()
        page = client.get(f"/jobs/{job_id}").text
        client.close()
    finally:
        server.stop()
    assert shown["state"] == "done", shown["message"]
    assert (
        shown["attempts"] == 3 and shown["result"]["imported"] == ADS and shown["result"]["duplicates"] == 0
    )
    assert f"Imported {ADS:,} job ads from big.csv" in page
    assert _job_ads(path) == ADS
    with sqlite3.connect(path) as connection:
        distinct = connection.execute("SELECT count(DISTINCT external_id) FROM job_ad").fetchone()[0]
    assert distinct == ADS
