"""The results of an assessment as a report: JSON, CSV and XLSX (formula-safe, through skillatlas.exports) and PDF."""

from __future__ import annotations

import io
from typing import Any

from skillatlas.exports import append_row, csv_text
from skillatlas.innovation.schemas import BenchmarkRead, ResultsRead, SuggestionsRead

FORMATS = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def report_data(
    results: ResultsRead, benchmarks: list[BenchmarkRead], suggestions: SuggestionsRead
) -> dict[str, Any]:
    return {
        "results": results.model_dump(mode="json"),
        "benchmarks": [b.model_dump(mode="json") for b in benchmarks],
        "suggestions": suggestions.model_dump(mode="json"),
    }


def rows(results: ResultsRead, benchmarks: list[BenchmarkRead]) -> list[list[Any]]:
    """One row per clause: its score, the previous assessment's, the change and each peer group's mean."""
    header = ["Clause", "Title", "Weight", "Score", "Previous", "Change"]
    header += [f"Peers: {b.label}" for b in benchmarks]
    out: list[list[Any]] = [header]
    for c in results.clauses:
        row: list[Any] = [c.number, c.title, c.weight, c.score, c.previous, c.change]
        row += [(b.clauses or {}).get(c.clause) if b.enough else "not enough peers" for b in benchmarks]
        out.append(row)
    overall: list[Any] = ["", "Overall", "", results.overall,
                          results.previous.overall if results.previous else None, results.overall_change]  # fmt: skip
    overall += [b.overall if b.enough else "not enough peers" for b in benchmarks]
    out.append(overall)
    return out


def to_csv(results: ResultsRead, benchmarks: list[BenchmarkRead], suggestions: SuggestionsRead) -> bytes:
    """The scores, then the suggested courses: every cell formula-safe (a course title is a provider's text)."""
    out = rows(results, benchmarks)
    out += [[], ["Suggested course", "Title", "Provider", "Price (EUR)", "Hours", "Why"]]
    out += [[c.code, c.title, c.provider, c.price_eur, c.hours, c.why] for c in suggestions.courses]
    return ("\ufeff" + csv_text(out)).encode("utf-8")


def to_xlsx(results: ResultsRead, benchmarks: list[BenchmarkRead], suggestions: SuggestionsRead) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Scores"
    append_row(sheet, [f"Innovation self-assessment of {results.assessment.organisation_name}"])
    append_row(sheet, [f"Question set version {results.assessment.version}, completed "
                       f"{results.assessment.completed_at:%Y-%m-%d}" if results.assessment.completed_at else ""])  # fmt: skip
    for row in rows(results, benchmarks):
        append_row(sheet, row)
    training = book.create_sheet("Training")
    append_row(training, ["Clause", "Score", "Skill", "Level", "Workers lacking it", "Course"])
    for g in suggestions.gaps:
        for s in g.skills:
            append_row(training, [g.title, g.score, s.label, s.level.value, s.workers_with_gap, s.course])
    append_row(training, [])
    append_row(training, ["Suggested course", "Title", "Provider", "Price (EUR)", "Hours", "Why"])
    for c in suggestions.courses:
        append_row(training, [c.code, c.title, c.provider, c.price_eur, c.hours, c.why])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _latin(text: Any) -> str:
    return str("" if text is None else text).encode("latin-1", "replace").decode("latin-1")


def to_pdf(results: ResultsRead, benchmarks: list[BenchmarkRead], suggestions: SuggestionsRead) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin(f"Innovation self-assessment: {results.assessment.organisation_name}"),
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("Helvetica", "", 10)
    done = f"{results.assessment.completed_at:%d %b %Y}" if results.assessment.completed_at else ""
    pdf.multi_cell(0, 6, _latin(f"ISO 56002 clauses, question set version {results.assessment.version}, completed {done}. "
                                f"Overall score {results.overall:.1f} of 100"
                                + (f" ({results.overall_change:+.1f} since the previous assessment)."
                                   if results.overall_change is not None else ".")),
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(3)
    widths = [70, 20, 25, 25, 40]
    pdf.set_font("Helvetica", "B", 10)
    for w, h in zip(widths, ["Clause", "Weight", "Score", "Change", "Peers (first group)"], strict=True):
        pdf.cell(w, 7, h, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 10)
    first = next((b for b in benchmarks if b.enough), None)
    for c in results.clauses:
        peer = (first.clauses or {}).get(c.clause) if first else None
        cells = [f"{c.number} {c.title}", f"{c.weight:g}", f"{c.score:.1f}",
                 "" if c.change is None else f"{c.change:+.1f}", "" if peer is None else f"{peer:.1f}"]  # fmt: skip
        for w, v in zip(widths, cells, strict=True):
            pdf.cell(w, 7, _latin(v), border=1)
        pdf.ln()
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Peer groups", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    for b in benchmarks:
        text = (f"{b.label}: {b.organisations} organisations, mean overall {b.overall:.1f}" if b.enough
                else f"{b.label}: not enough peers (fewer than {b.minimum} organisations)")  # fmt: skip
        pdf.multi_cell(0, 6, _latin(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "Gaps and suggested training", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    if not suggestions.gaps:
        pdf.multi_cell(
            0, 6, "No clause scores below 50: no gaps to train for.", new_x="LMARGIN", new_y="NEXT"
        )
    for g in suggestions.gaps:
        skills = ", ".join(f"{s.label} ({s.level.value})" for s in g.skills) or "no skills mapped"
        pdf.multi_cell(0, 6, _latin(f"{g.title} ({g.score:.1f}): {skills}"), new_x="LMARGIN", new_y="NEXT")
    for c in suggestions.courses:
        pdf.multi_cell(0, 6, _latin(f"- {c.code} {c.title} ({c.provider}, {c.price_eur:.0f} EUR, {c.hours:g} h): {c.why}"),
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return bytes(pdf.output())


def build(*, db: Any, actor: Any, assessment_id: int, fmt: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the report in a format of FORMATS, through the one permission check."""
    import json

    from skillatlas.errors import InvalidInput
    from skillatlas.innovation import service

    if fmt not in FORMATS:
        raise InvalidInput(f"the report comes as {', '.join(FORMATS)}", field="format")
    results = service.results(db=db, actor=actor, assessment_id=assessment_id)
    benchmarks = service.benchmarks_for(db=db, actor=actor, assessment_id=assessment_id)
    suggestions = service.suggestions(db=db, actor=actor, assessment_id=assessment_id)
    name = f"innovation-{results.assessment.organisation}-{assessment_id}.{fmt}"
    if fmt == "json":
        content = json.dumps(report_data(results, benchmarks, suggestions), indent=2).encode("utf-8")
    elif fmt == "csv":
        content = to_csv(results, benchmarks, suggestions)
    elif fmt == "xlsx":
        content = to_xlsx(results, benchmarks, suggestions)
    else:
        content = to_pdf(results, benchmarks, suggestions)
    return content, FORMATS[fmt], name
