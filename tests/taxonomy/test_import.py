"""Importing ESCO: the official CSV layout and the bundle, idempotent, all-or-nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from skillatlas.cli import app
from skillatlas.errors import InvalidInput
from skillatlas.taxonomy import service
from skillatlas.taxonomy.models import Occupation, OccupationSkill, Skill

FIXTURE = Path(__file__).parent / "esco_fixture"


def count(db: Session, model: type) -> int:
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_official_csv_layout_imports_everything(db: Session) -> None:
    report = service.import_esco(db=db, directory=FIXTURE, version="ESCO fixture")
    assert report.inserted["skills"] == 16
    assert report.inserted["occupations"] == 2
    assert count(db, OccupationSkill) == 10
    battery = service.search_skills(db=db, query="battery management")[0]
    assert battery.uri.startswith("http://data.europa.eu/esco/skill/")
    assert battery.automotive  # the same rule as the bundle
    assert not service.search_skills(db=db, query="apply company policies")[0].automotive
    analyst = service.search_occupations(db=db, query="software analyst")[0]
    read = service.occupation_read(db=db, occupation=service.get_occupation(db=db, occupation_id=analyst.id))
    assert read.isco_code == "2512" and len(read.skills) == 5


def test_import_twice_changes_nothing(db: Session) -> None:
    service.import_esco(db=db, directory=FIXTURE)
    before = (count(db, Skill), count(db, Occupation), count(db, OccupationSkill))
    second = service.import_esco(db=db, directory=FIXTURE)
    assert second.inserted["skills"] == 0 and second.updated["skills"] == 16
    assert (count(db, Skill), count(db, Occupation), count(db, OccupationSkill)) == before


def test_a_broken_row_imports_nothing(db: Session, tmp_path: Path) -> None:
    broken = tmp_path / "esco"
    shutil.copytree(FIXTURE, broken)
    relations = broken / "occupationSkillRelations_en.csv"
    relations.write_text(
        relations.read_text()
        + "http://data.europa.eu/esco/occupation/x,sometimes,knowledge,http://data.europa.eu/esco/skill/y\n"
    )
    with pytest.raises(InvalidInput) as error:
        service.import_esco(db=db, directory=broken)
    assert "unknown relationType" in error.value.message and "line 12" in error.value.message


def test_relations_to_unknown_concepts_are_refused(db: Session, tmp_path: Path) -> None:
    broken = tmp_path / "esco"
    shutil.copytree(FIXTURE, broken)
    relations = broken / "occupationSkillRelations_en.csv"
    relations.write_text(
        relations.read_text()
        + "http://data.europa.eu/esco/occupation/nope,essential,knowledge,http://data.europa.eu/esco/skill/nope\n"
    )
    with pytest.raises(InvalidInput):
        service.import_esco(db=db, directory=broken)


def test_missing_files_and_columns_are_named(tmp_path: Path, db: Session) -> None:
    with pytest.raises(InvalidInput, match=r"skills_en\.csv"):
        service.import_esco(db=db, directory=tmp_path)
    broken = tmp_path / "esco"
    shutil.copytree(FIXTURE, broken)
    (broken / "skills_en.csv").write_text("conceptUri,label\nhttp://x/1,a\n")
    with pytest.raises(InvalidInput, match=r"missing column.*preferredLabel"):
        service.import_esco(db=db, directory=broken)


def test_cli_import_is_all_or_nothing(cli_env: dict[str, str], tmp_path: Path, sessions) -> None:
    runner = CliRunner()
    broken = tmp_path / "esco"
    shutil.copytree(FIXTURE, broken)
    (broken / "occupations_en.csv").write_text(
        (broken / "occupations_en.csv").read_text() + "Occupation,not-a-uri,2512,x,,,released,,,,,,,\n"
    )
    failed = runner.invoke(app, ["taxonomy", "import-esco", str(broken)])
    assert failed.exit_code == 2 and "is not a URI" in failed.output
    with sessions() as db:
        assert count(db, Skill) == 0
    ok = runner.invoke(app, ["taxonomy", "import-esco", str(FIXTURE)])
    assert ok.exit_code == 0, ok.output
    assert "skills: 16 new" in ok.output


def test_bundled_taxonomy_loads_and_reloads(db: Session) -> None:
    first = service.load_bundled(db=db)
    assert first.inserted["skills"] == 13_939
    counts = service.counts(db=db)
    assert counts.occupations == 3_039 and 300 < counts.automotive_skills < 3_000
    second = service.load_bundled(db=db)
    assert second.inserted["skills"] == 0
    assert service.counts(db=db) == counts
