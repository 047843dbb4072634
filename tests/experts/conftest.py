"""Fixtures for the expert tests: lexical-only matching (fast), the ESCO fixture, experts with consent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.config import Settings
from skillatlas.db import unit_of_work
from skillatlas.taxonomy import service as taxonomy

FIXTURE = Path(__file__).parent.parent / "taxonomy" / "esco_fixture"
SKILL = "http://data.europa.eu/esco/skill/"
BATTERY_DESIGN = SKILL + "0864c444-c22f-46ee-ae1e-c0eeffd49c34"
BMS = SKILL + "1cdd0afe-196f-4d8a-924f-4d7473cce3c7"
SOFTWARE_DESIGN = SKILL + "3bddfd7c-ab6d-40c2-883d-5e97fb7640ba"
SECURITY = SKILL + "2ddb1226-1117-4eb4-ae65-3a2f5a5a3c80"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Lexical-only text matching: the embedding side has its own tests in test_matching."""
    return Settings(database_url=database_url, data_dir=tmp_path, embedding_backend="none")


@pytest.fixture
def esco(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as db:
        taxonomy.import_esco(db=db, directory=FIXTURE)


@pytest.fixture
def orgs(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Two member companies, "acea" and "educam" (without the whole demo alliance)."""
    from skillatlas.alliance import service as alliance
    from skillatlas.alliance.schemas import OrganisationCreate
    from skillatlas.auth.permissions import SYSTEM

    found = {}
    with unit_of_work(sessions) as db:
        for name, short in (("ACEA Motors", "acea"), ("EDUCAM Services", "educam")):
            data = OrganisationCreate(name=name, short_name=short, type="industry", country="BE")
            found[short] = alliance.create_organisation(db=db, actor=SYSTEM, data=data).id
    return found
