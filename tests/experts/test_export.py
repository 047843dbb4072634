"""`GET /api/experts/export` and `skillatlas experts export`: the import template's columns, ready to import again."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import app
from skillatlas.db import unit_of_work
from skillatlas.experts import service
from skillatlas.experts.models import ExpertProfile
from skillatlas.experts.service import IMPORT_COLUMNS
from skillatlas.taxonomy import service as taxonomy
from tests.conftest import NOW, create_user, login, wipe
from tests.experts.conftest import FIXTURE
from tests.experts.test_cli import AVAILABILITY, ROWS, write_csv

runner = CliRunner()


def read_csv(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return list(reader.fieldnames or []), list(reader)


def fresh_database(engine: Engine, sessions: sessionmaker[Session]) -> None:
    """Empty tables, then only what an import needs: the taxonomy and the employers."""
    from skillatlas.alliance import service as alliance
    from skillatlas.alliance.schemas import OrganisationCreate

    wipe(engine)
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)
        data = OrganisationCreate(name="ACEA Motors", short_name="acea", type="industry", country="BE")
        alliance.create_organisation(db=db, actor=SYSTEM, data=data)


def imported(tmp_path: Path) -> Path:
    """The CLI test's two experts, the first employed by "acea"."""
    file = write_csv(tmp_path / "experts.csv", [{**ROWS[0], "employer": "acea"}, ROWS[1]])
    result = runner.invoke(app, ["experts", "import", str(file)])
    assert result.exit_code == 0 and "2 new" in result.output, result.output
    return file


def test_an_export_imports_again_into_a_fresh_database(
    cli_env, engine: Engine, sessions, esco: None, orgs: dict, tmp_path: Path
) -> None:
    imported(tmp_path)
    out = tmp_path / "export.csv"
    result = runner.invoke(app, ["experts", "export", "--out", str(out)])
    assert result.exit_code == 0 and "exported 2 expert(s)" in result.output, result.output
    header, rows = read_csv(out.read_bytes())
    assert header == list(IMPORT_COLUMNS)
    assert [r["external_id"] for r in rows] == ["X-1", "X-2"]
    first = rows[0]
    assert first["employer"] == "acea" and first["consent"] == "yes" and first["email"] == "ana@example.org"
    assert first["languages"] == "en:C1; de:native"
    assert first["availability"] == AVAILABILITY and first["day_rate_eur"] == "800"
    assert f"{ROWS[0]['skills'].split(';')[0].split('|')[0]}|expert|credentialed" in first["skills"]

    fresh_database(engine, sessions)
    again = runner.invoke(app, ["experts", "import", str(out)])
    assert again.exit_code == 0 and "2 new" in again.output, again.output
    second = tmp_path / "second.csv"
    assert runner.invoke(app, ["experts", "export", "--out", str(second)]).exit_code == 0
    assert read_csv(second.read_bytes()) == (header, rows)


def test_the_xlsx_export_imports_again(
    cli_env, engine: Engine, sessions, esco: None, orgs: dict, tmp_path: Path
) -> None:
    pytest.importorskip("openpyxl")
    imported(tmp_path)
    out = tmp_path / "export.xlsx"
    result = runner.invoke(app, ["experts", "export", "--out", str(out), "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    before = runner.invoke(app, ["experts", "export", "--out", str(tmp_path / "before.csv")])
    assert before.exit_code == 0
    fresh_database(engine, sessions)
    again = runner.invoke(app, ["experts", "import", str(out)])
    assert again.exit_code == 0 and "2 new" in again.output, again.output
    assert runner.invoke(app, ["experts", "export", "--out", str(tmp_path / "after.csv")]).exit_code == 0
    assert (tmp_path / "after.csv").read_bytes() == (tmp_path / "before.csv").read_bytes()
    refused = runner.invoke(app, ["experts", "export", "--out", str(tmp_path / "x.ods"), "--format", "ods"])
    assert refused.exit_code == 2 and "not csv or xlsx" in refused.output
    assert not (tmp_path / "x.ods").exists()


def test_the_api_export_is_the_offices_only(
    client: TestClient, cli_env, sessions, esco: None, orgs: dict, tmp_path: Path
) -> None:
    imported(tmp_path)
    with unit_of_work(sessions) as db:  # a withdrawn consent shows as "no"
        x2 = db.scalar(select(ExpertProfile).where(ExpertProfile.external_id == "X-2"))
        service.withdraw_consent(db=db, actor=SYSTEM, person_id=x2.person_id, now=NOW)
    create_user(sessions, "office@example.org", {"role": "alliance_office"})
    create_user(sessions, "boss@example.org", {"role": "organisation_manager", "organisation": "acea"})
    create_user(sessions, "ana.user@example.org", {"role": "expert"})

    assert client.get("/api/experts/export").status_code == 401
    for email in ("boss@example.org", "ana.user@example.org"):
        login(client, email)
        assert client.get("/api/experts/export?format=csv").status_code == 403
        assert client.get("/api/experts/export?format=xlsx").status_code == 403

    login(client, "office@example.org")
    response = client.get("/api/experts/export?format=csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="experts.csv"' in response.headers["content-disposition"]
    header, rows = read_csv(response.content)
    assert header == list(IMPORT_COLUMNS)
    assert {r["external_id"]: r["consent"] for r in rows} == {"X-1": "yes", "X-2": "no"}

    openpyxl = pytest.importorskip("openpyxl")
    book = client.get("/api/experts/export?format=xlsx")
    assert book.status_code == 200 and book.headers["content-type"].startswith("application/vnd.openxml")
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(IMPORT_COLUMNS) and len(values) == 3
    assert client.get("/api/experts/export?format=ods").status_code == 422
