"""What every benchmark shares: the machine it ran on, a Rich table, and the JSON file in bench/results/."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).parent / "results"


def machine() -> dict[str, Any]:
    """Where the figures were measured."""
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def report(
    name: str, title: str, columns: list[str], rows: list[dict[str, Any]], extra: dict[str, Any] | None = None
) -> Path:
    """Prints the rows as a table and saves them with the machine description."""
    table = Table(title=title)
    for column in columns:
        table.add_column(
            column, justify="right" if column not in ("engine", "case", "system", "set") else "left"
        )
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    Console().print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(
        json.dumps({"benchmark": name, "machine": machine(), "rows": rows, **(extra or {})}, indent=2)
    )
    Console().print(f"saved {path}")
    return path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)
