"""The KPI report as JSON, CSV, XLSX and Markdown: the same figures in every format and front door."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

from skillatlas.errors import InvalidInput
from skillatlas.exports import append_row, csv_text
from skillatlas.kpi.report import DIMENSIONS, KPIS, KpiReport

FORMATS: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "md": "text/markdown; charset=utf-8",
}
AMBITION_FIELDS = (
    "year", "as_of", "workforce", "target", "upskilled", "share_of_target", "days_elapsed",
    "run_rate_per_month", "projected_year_end", "on_track",
)  # fmt: skip


def as_json(report: KpiReport) -> dict[str, Any]:
    """The documented machine-readable form."""
    return report.model_dump(mode="json")


def long_rows(report: KpiReport) -> Iterator[list[Any]]:
    """One figure per row: section, dimension, key, label, metric, value."""
    yield ["section", "dimension", "key", "label", "metric", "value"]
    for k in report.kpis:
        yield ["total", "", "", k.label, k.key, k.total]
    for kind, values in report.monthly.items():
        for month, value in zip(report.months, values, strict=True):
            yield ["month", "month", month, month, kind, value]
    for dimension, buckets in report.breakdowns.items():
        for b in buckets:
            for kind, value in b.values.items():
                yield ["breakdown", dimension, b.key, b.label, kind, value]
    for s in report.top_skills:
        yield ["top_skill", "skill", s.uri, s.label, "new_job", s.jobs]
    for c in report.coverage:
        for metric in (
            "stakeholders",
            "regions",
            "upskilled",
            "workforce",
            "annual_target",
            "share_of_target",
        ):
            yield ["coverage", "country", c.country, c.name, metric, getattr(c, metric)]
    for name in ("stakeholders_total", "countries_covered", "regions_covered"):
        yield ["coverage", "", "", "", name, getattr(report, name)]
    for metric in AMBITION_FIELDS:
        value = getattr(report.ambition, metric)
        yield ["ambition", "", "", "", metric, value.isoformat() if hasattr(value, "isoformat") else value]


def as_csv(report: KpiReport) -> bytes:
    """Long-format CSV: one figure per row; a text a spreadsheet would run as a formula is quoted (exports.py)."""
    return csv_text(long_rows(report)).encode("utf-8")


def as_xlsx(report: KpiReport) -> bytes:
    """A workbook: summary and ambition, months, one sheet per breakdown, top skills, coverage; every text
    cell a string, never a formula (exports.append_row)."""
    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    append_row(summary, ["Period", report.start.isoformat(), report.end.isoformat()])
    for key, value in report.filters.items():
        append_row(summary, ["Filter", key, value])
    append_row(summary, [])
    append_row(summary, ["KPI", "key", "total"])
    for k in report.kpis:
        append_row(summary, [k.label, k.key, k.total])
    append_row(summary, [])
    append_row(summary, ["Ambition", "value"])
    for metric in AMBITION_FIELDS:
        value = getattr(report.ambition, metric)
        append_row(summary, [metric, value])
    kinds = list(KPIS)
    months = book.create_sheet("Monthly")
    append_row(months, ["month", *kinds])
    for i, month in enumerate(report.months):
        append_row(months, [month, *(report.monthly[k][i] for k in kinds)])
    for dimension, title in DIMENSIONS.items():
        sheet = book.create_sheet(title[:31])
        append_row(sheet, ["key", "label", *kinds])
        for b in report.breakdowns[dimension]:
            append_row(sheet, [b.key, b.label, *(b.values[k] for k in kinds)])
    skills = book.create_sheet("Top skills")
    append_row(skills, ["uri", "label", "new jobs"])
    for s in report.top_skills:
        append_row(skills, [s.uri, s.label, s.jobs])
    coverage = book.create_sheet("Coverage")
    append_row(
        coverage,
        [
            "country",
            "name",
            "stakeholders",
            "regions",
            "upskilled",
            "workforce",
            "annual target",
            "share of target",
        ],
    )
    for c in report.coverage:
        append_row(
            coverage,
            [
                c.country,
                c.name,
                c.stakeholders,
                c.regions,
                c.upskilled,
                c.workforce,
                c.annual_target,
                c.share_of_target,
            ],
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_markdown(report: KpiReport) -> bytes:
    """A readable summary: totals, ambition, breakdown by country, coverage gaps."""
    lines = [f"# Alliance KPIs, {report.start.isoformat()} to {report.end.isoformat()}", ""]
    if report.filters:
        lines += ["Filters: " + ", ".join(f"{k}={v}" for k, v in report.filters.items()), ""]
    lines += ["| KPI | total |", "|---|---:|"] + [f"| {k.label} | {k.total} |" for k in report.kpis]
    a = report.ambition
    lines += [
        "",
        f"## Ambition {a.year}: upskill 5% of the workforce",
        "",
        f"Upskilled by {a.as_of.isoformat()}: {a.upskilled} of {a.target} ({a.share_of_target:.1%});"
        f" run rate {a.run_rate_per_month} a month; projected year end {a.projected_year_end}"
        f" ({'on track' if a.on_track else 'behind'}).",
        "",
        "## By country",
        "",
        "| country | " + " | ".join(KPIS) + " |",
        "|---|" + "---:|" * len(KPIS),
    ]
    for b in report.breakdowns["country"]:
        lines.append(f"| {b.label} | " + " | ".join(str(b.values[k]) for k in KPIS) + " |")
    lines += [
        "",
        f"## Coverage: {report.stakeholders_total} stakeholders in {report.countries_covered} countries"
        f" and {report.regions_covered} regions",
        "",
        "EU countries without a stakeholder: " + (", ".join(report.countries_without_stakeholders) or "none"),
        "",
    ]
    if report.top_skills:
        lines += (
            ["## Skills of the new jobs", ""] + [f"- {s.label}: {s.jobs}" for s in report.top_skills] + [""]
        )
    return "\n".join(lines).encode("utf-8")


def render(report: KpiReport, fmt: str) -> bytes:
    """The report in one of FORMATS."""
    if fmt == "json":
        return json.dumps(as_json(report), indent=2).encode("utf-8")
    if fmt == "csv":
        return as_csv(report)
    if fmt == "xlsx":
        return as_xlsx(report)
    if fmt == "md":
        return as_markdown(report)
    raise InvalidInput(f"format: choose one of {', '.join(FORMATS)}", field="format")
