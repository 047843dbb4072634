"""`skillatlas experts import|match|report`: the documented file contracts, and bad input that saves nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from skillatlas.cli import app
from skillatlas.experts.models import ExpertProfile
from skillatlas.experts.service import IMPORT_COLUMNS
from tests.experts.conftest import BATTERY_DESIGN, BMS, SECURITY, SOFTWARE_DESIGN

runner = CliRunner()

# The CLI checks availability against the real date, so the window starts a month from whenever the suite runs.
_START = dt.date.today() + dt.timedelta(days=30)
AVAILABILITY = f"{_START}..{_START + dt.timedelta(days=364)}:5"
ROWS = [
    {"external_id": "X-1", "full_name": "Ana Pack", "email": "ana@example.org", "country": "DE",
     "headline": "Battery pack engineer", "bio": "Lithium-ion battery packs and battery management systems.",
     "languages": "en:C1; de:native", "countries": "DE; AT", "work_mode": "either",
     "availability": AVAILABILITY, "day_rate_eur": "800", "sectors": "batteries",
     "skills": f"{BATTERY_DESIGN}|expert|credentialed; {BMS}|practitioner", "consent": "yes"},
    {"external_id": "X-2", "full_name": "Bo Code", "headline": "Software architect",
     "bio": "Designs embedded software for vehicle controllers.", "languages": "en:B2", "countries": "FR",
     "work_mode": "remote", "sectors": "software", "skills": f"{SOFTWARE_DESIGN}|expert", "consent": "yes"},
]  # fmt: skip


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=IMPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def count(sessions) -> int:
    with sessions() as db:
        return db.scalar(select(func.count()).select_from(ExpertProfile))


def test_import_then_match_jsonl(cli_env, sessions, esco: None, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "experts.csv", ROWS)
    dry = runner.invoke(app, ["experts", "import", str(file), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert count(sessions) == 0
    done = runner.invoke(app, ["experts", "import", str(file)])
    assert done.exit_code == 0 and "2 new" in done.output, done.output
    again = runner.invoke(app, ["experts", "import", str(file)])
    assert "2 updated" in again.output and count(sessions) == 2

    requests = tmp_path / "requests.jsonl"
    requests.write_text(
        json.dumps({"id": "r1", "skills": [{"uri": BATTERY_DESIGN, "level": "expert"}], "languages": ["en"]}) + "\n"
        + json.dumps({"id": "r2", "text": "embedded software design for controllers", "remote": True}) + "\n"
        + json.dumps({"id": "r3", "title": "pack", "skills": [{"uri": SECURITY}], "languages": ["fi"]}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["experts", "match", "--jsonl", str(requests), "--top", "5", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == ["r1", "r2", "r3"]
    assert lines[0]["experts"][0]["external_id"] == "X-1"
    assert "covers battery design at expert level (credentialed)" in lines[0]["experts"][0]["reasons"]
    assert lines[1]["experts"][0]["external_id"] == "X-2"  # plain words find the software architect
    assert lines[2]["experts"] == []  # nobody speaks Finnish
    assert set(lines[0]["experts"][0]) == {"expert_id", "external_id", "score", "reasons"}


def test_import_lists_every_rows_problems_and_saves_nothing(
    cli_env, sessions, esco: None, tmp_path: Path
) -> None:
    bad = [
        ROWS[0],
        {**ROWS[1], "consent": ""},
        {**ROWS[1], "external_id": "X-3", "availability": "2024-01-01..2024-02-01:3"},
        {**ROWS[1], "external_id": "X-4", "skills": "http://data.europa.eu/esco/skill/nope|expert"},
        {**ROWS[1], "external_id": "X-5", "skills": f"{SOFTWARE_DESIGN}|guru"},
        {**ROWS[1], "external_id": "X-6", "languages": "english:C1"},
    ]
    file = write_csv(tmp_path / "bad.csv", bad)
    result = runner.invoke(app, ["experts", "import", str(file)])
    assert result.exit_code == 2
    for row, word in [
        ("3", "consent"),
        ("4", "past"),
        ("5", "unknown skill"),
        ("6", "level"),
        ("7", "languages"),
    ]:
        assert any(line.strip().startswith(f"│ {row} ") and word in line for line in result.output.splitlines()), (
            row, result.output)  # fmt: skip
    assert "nothing was saved" in result.output
    assert count(sessions) == 0


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"id": "a"}, "give skills or a text"),
        ({"id": "a", "skills": [{"uri": BMS, "level": "guru"}]}, "skills.0.level"),
        ({"id": "a", "skills": [{"uri": "http://example.org/x"}]}, "unknown skill URI"),
        ({"id": "a", "text": "x", "colour": "red"}, "colour"),
    ],
)
def test_match_refuses_bad_requests(cli_env, esco: None, tmp_path: Path, line: dict, message: str) -> None:
    requests = tmp_path / "requests.jsonl"
    requests.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["experts", "match", "--jsonl", str(requests)])
    assert result.exit_code == 2 and message in result.output, result.output


def test_report_lists_needed_fields(cli_env, esco: None) -> None:
    result = runner.invoke(app, ["experts", "report", "--json"])
    assert result.exit_code == 0 and result.output == ""


def test_import_reads_the_xlsx_template(cli_env, sessions, esco: None, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(IMPORT_COLUMNS))
    for row in ROWS:
        sheet.append([row.get(column, "") for column in IMPORT_COLUMNS])
    book.save(tmp_path / "experts.xlsx")
    result = runner.invoke(app, ["experts", "import", str(tmp_path / "experts.xlsx")])
    assert result.exit_code == 0 and "2 new" in result.output, result.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    refused = runner.invoke(app, ["experts", "import", str(broken)])
    assert refused.exit_code == 2 and "not a readable XLSX" in refused.output
