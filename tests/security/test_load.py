"""The load test's harness runs the real traffic mix end to end, at a small size, without a failed request.

The figures come from `bench/load_test.py` at full size (100,000 persons, 50 users); this test only proves
that the harness, the synthetic data and every request of the mix work against a real `skillatlas serve`
on a real PostgreSQL server.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = os.environ.get("SKILLATLAS_TEST_POSTGRES_URL")


def _postgres_binaries() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


pytestmark = [
    pytest.mark.slow,
    pytest.mark.postgres,
    pytest.mark.skipif(
        not ADMIN_URL and not _postgres_binaries(),
        reason="needs a PostgreSQL server: SKILLATLAS_TEST_POSTGRES_URL or Debian's postgresql package",
    ),
]


def test_the_mixed_traffic_runs_without_a_failure(tmp_path: Path) -> None:
    arguments = ["--persons", "400", "--experts", "60", "--courses", "80", "--requests", "5", "--users", "11",
                 "--duration", "10", "--waits", "0", "--workers", "1", "--name", "smoke", "--results", str(tmp_path),
                 "--attacker"]  # fmt: skip
    database = None
    if ADMIN_URL:  # the test run's server: a database of its own, dropped after
        database = f"skillatlas_load_{uuid.uuid4().hex[:10]}"
        admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{database}"'))
        url = make_url(ADMIN_URL).set(database=database).render_as_string(hide_password=False)
        arguments += ["--postgres", url]
    try:
        done = subprocess.run([sys.executable, "-m", "bench.load_test", *arguments], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)  # fmt: skip
    finally:
        if database:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            admin.dispose()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads((tmp_path / "smoke.json").read_text())
    total = next(row for row in result["rows"] if row["request"] == "ALL")
    assert total["requests"] > 20 and total["failures"] == 0
    assert result["server_tracebacks"] == 0
    # Every kind of request of the mix was sent and answered.
    kinds = {row["request"] for row in result["rows"]}
    assert {"api: expert shortlist", "api: gap analysis", "api: training path", "page: course search",
            "page: home", "page: my training path"} <= kinds  # fmt: skip
    assert (tmp_path / "smoke_w1_wait0.svg").read_text().startswith("<svg")
    # The attacker's worst documents were all answered, none with a 5xx or a dropped connection.
    attacks = result["runs"][0]["attacker"]
    assert set(attacks) == {
        "verify: alike blank nodes",
        "verify: largest credential",
        "import: largest workbook",
    }
    for kind, attack in attacks.items():
        assert attack["sent"] >= 1 and attack["failures"] == 0, (kind, attack)
        assert all(status in {"200", "413", "422"} for status in attack["statuses"]), (kind, attack)
