"""What every benchmark shares: the machine it ran on, a Rich table, and the JSON file in bench/results/."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
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
    name: str,
    title: str,
    columns: list[str],
    rows: list[dict[str, Any]],
    extra: dict[str, Any] | None = None,
    directory: Path = RESULTS,
) -> Path:
    """Prints the rows as a table and saves them with the machine description."""
    table = Table(title=title)
    for column in columns:
        table.add_column(
            column, justify="right" if column not in ("engine", "case", "system", "set") else "left"
        )
    for row in rows:
        table.add_row(*[_cell(row.get(c)) for c in columns])
    # Logs and CI are not terminals: give the table room rather than Rich's 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    console.print(table)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(
        json.dumps({"benchmark": name, "machine": machine(), "rows": rows, **(extra or {})}, indent=2)
    )
    console.print(f"saved {path}")
    return path


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def bar_chart_svg(
    path: Path, title: str, labels: list[str], series: dict[str, list[float]], unit: str, log: bool = False
) -> Path:
    """A horizontal grouped bar chart as a small standalone SVG (no plotting library needed to view it)."""
    import math
    from xml.sax.saxutils import escape

    colours = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"]
    bar, gap, left, width, top = 9, 8, 230, 520, 48
    group = bar * len(series) + gap
    height = top + group * len(labels) + 40
    peak = max((v for values in series.values() for v in values), default=1.0) or 1.0

    def scale(value: float) -> float:
        if log:
            return width * math.log10(1 + value) / math.log10(1 + peak)
        return width * value / peak

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" '
        'font-family="sans-serif" font-size="11">',
        f'<text x="10" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for j, name in enumerate(series):
        parts.append(f'<rect x="{left + 140 * j}" y="28" width="10" height="10" fill="{colours[j % 4]}"/>'
                     f'<text x="{left + 140 * j + 14}" y="37">{escape(name)}</text>')  # fmt: skip
    for i, label in enumerate(labels):
        y0 = top + i * group
        parts.append(f'<text x="{left - 6}" y="{y0 + group / 2}" text-anchor="end">{escape(label)}</text>')
        for j, values in enumerate(series.values()):
            w = scale(values[i])
            y = y0 + j * bar
            parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 1}" fill="{colours[j % 4]}"/>'
                         f'<text x="{left + w + 4:.1f}" y="{y + bar - 1}" font-size="9">{values[i]:,.0f} {unit}</text>')  # fmt: skip
    parts.append(
        f'<text x="{left}" y="{height - 12}" fill="#555">{"log scale" if log else "linear scale"}</text>'
    )
    parts.append("</svg>")
    path.write_text("\n".join(parts))
    return path


def line_chart_svg(
    path: Path, title: str, x_label: str, series: dict[str, list[tuple[float, float]]], unit: str
) -> Path:
    """Lines of (x, y) points as a small standalone SVG, the y axis from 0 (no plotting library needed)."""
    from xml.sax.saxutils import escape

    colours = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759"]
    left, top, width, height = 70, 48, 560, 240
    points = [p for values in series.values() for p in values]
    x_max = max((x for x, _ in points), default=1.0) or 1.0
    y_max = (max((y for _, y in points), default=1.0) or 1.0) * 1.1

    def at(x: float, y: float) -> str:
        return f"{left + width * x / x_max:.1f},{top + height - height * y / y_max:.1f}"

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 30}" height="{top + height + 50}" '
        'font-family="sans-serif" font-size="11">',
        f'<text x="10" y="18" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + height}" x2="{left + width}" y2="{top + height}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + height}" stroke="#999"/>',
    ]
    for k in range(5):  # gridlines and their values
        y = y_max * k / 4
        parts.append(f'<text x="{left - 6}" y="{top + height - height * k / 4 + 4:.1f}" text-anchor="end">'
                     f"{y:,.0f} {escape(unit)}</text>")  # fmt: skip
        x = x_max * k / 4
        parts.append(f'<text x="{left + width * k / 4:.1f}" y="{top + height + 16}" text-anchor="middle">'
                     f"{x:,.0f}</text>")  # fmt: skip
    parts.append(
        f'<text x="{left + width / 2}" y="{top + height + 34}" text-anchor="middle">{escape(x_label)}</text>'
    )
    for j, (name, values) in enumerate(series.items()):
        colour = colours[j % 4]
        parts.append(f'<rect x="{left + 150 * j}" y="28" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + 150 * j + 14}" y="37">{escape(name)}</text>')  # fmt: skip
        if values:
            line = " ".join(at(x, y) for x, y in values)
            parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.5"/>')
    parts.append("</svg>")
    path.write_text("\n".join(parts))
    return path
