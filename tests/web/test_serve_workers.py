"""`serve --workers N` at the design point (issue 14): a worker busy starting or building its indexes on a
loaded box is not killed by uvicorn's health check after 5 s (it was, over and over, at 4 workers)."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from skillatlas import cli
from skillatlas.cli import app


def test_workers_get_time_to_answer_the_health_check(
    cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("SKILLATLAS_WARM_INDEXES", "0")  # serve sets it for its workers; restored after
    result = CliRunner().invoke(app, ["serve", "--no-demo", "--no-jobs", "--workers", "2"])
    assert result.exit_code == 0, result.output
    (kwargs,) = calls
    assert kwargs["workers"] == 2
    assert kwargs["timeout_worker_healthcheck"] == cli.WORKER_HEALTHCHECK_S >= 60
