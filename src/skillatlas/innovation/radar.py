"""The radar chart of clause scores as server-side SVG: no script, a title and description for screen readers
(the page shows the same numbers as a table beside it)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

SHORT = {
    "context": "Context",
    "leadership": "Leadership",
    "planning": "Planning",
    "support": "Support",
    "operations": "Operations",
    "evaluation": "Evaluation",
    "improvement": "Improvement",
}


@dataclass(frozen=True)
class Series:
    name: str
    scores: Sequence[float]  # 0..100, one per axis
    css: str  # "current", "previous" or "peers"


def _point(cx: float, cy: float, radius: float, index: int, count: int, share: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return cx + radius * share * math.cos(angle), cy + radius * share * math.sin(angle)


def _polygon(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


STYLE = {
    "current": 'fill="#1f6feb" fill-opacity="0.25" stroke="#1f6feb" stroke-width="2.5"',
    "previous": 'fill="none" stroke="#6e7781" stroke-width="2" stroke-dasharray="6 4"',
    "peers": 'fill="none" stroke="#bf8700" stroke-width="2" stroke-dasharray="2 3"',
}


def radar_svg(axes: Sequence[str], series: Sequence[Series], *, title: str, size: int = 360) -> Markup:
    """An SVG radar of 0..100 scores on each axis (clause keys), with rings at 25, 50, 75 and 100; room beside
    it for the axes' names."""
    count = len(axes)
    width = size + 120
    cx, cy = width / 2, size / 2
    radius = size / 2 - 60
    parts = [
        f'<svg class="radar" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {size}" width="100%" '
        f'style="max-width:{width}px" role="img" aria-labelledby="radar-title radar-desc">',
        f'<title id="radar-title">{escape(title)}</title>',
        Markup('<desc id="radar-desc">')
        + escape("; ".join(f"{s.name}: " + ", ".join(f"{SHORT.get(a, a)} {v:.0f}" for a, v in zip(axes, s.scores, strict=True))
                           for s in series))
        + Markup("</desc>"),
    ]  # fmt: skip
    if count < 3:
        return Markup("".join(parts) + "</svg>")
    for ring in (0.25, 0.5, 0.75, 1.0):
        ring_points = [_point(cx, cy, radius, i, count, ring) for i in range(count)]
        parts.append(
            f'<polygon points="{_polygon(ring_points)}" fill="none" stroke="#d0d7de" stroke-width="1"/>'
        )
    for i, axis in enumerate(axes):
        x, y = _point(cx, cy, radius, i, count, 1.0)
        parts.append(f'<line x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="#d0d7de"/>')
        lx, ly = _point(cx, cy, radius + 22, i, count, 1.0)
        anchor = "middle" if abs(lx - cx) < 10 else ("start" if lx > cx else "end")
        parts.append(f'<text x="{lx:.1f}" y="{ly + 4:.1f}" text-anchor="{anchor}" font-size="12" fill="#24292f">'
                     f"{escape(SHORT.get(axis, axis))}</text>")  # fmt: skip
    for label, share in (("50", 0.5), ("100", 1.0)):
        x, y = _point(cx, cy, radius, 0, count, share)
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 12:.1f}" font-size="10" fill="#57606a">{label}</text>')
    for s in series:
        pts = [
            _point(cx, cy, radius, i, count, max(0.0, min(100.0, v)) / 100) for i, v in enumerate(s.scores)
        ]
        parts.append(f'<polygon class="series-{s.css}" points="{_polygon(pts)}" {STYLE[s.css]}/>')
    parts.append("</svg>")
    return Markup("".join(parts))
