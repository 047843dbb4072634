"""The living demo's Innovation Agent Task Force: its intake names the "ASA Innovation Agent" badge, and the
lead's recording of the accepted member's passed certification issues that badge, signed, once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from skillatlas.applications import service
from skillatlas.applications.models import Application, ApplicationState
from skillatlas.auth.permissions import SYSTEM
from skillatlas.config import Settings
from skillatlas.credentials.models import IssuedCredential
from skillatlas.credentials.service import Issuing
from skillatlas.db import unit_of_work
from skillatlas.demo import loader
from skillatlas.errors import Conflict

NOW = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
TASK_FORCE = "innovation-agent-task-force"


def test_a_passed_certification_issues_the_asa_innovation_agent_badge(
    sessions: sessionmaker[Session], tmp_path: Path, database_url: str
) -> None:
    settings = Settings(database_url=database_url, data_dir=tmp_path / "data")
    with unit_of_work(sessions) as db:
        loader.load_demo(db=db, taxonomy=True, issuing=Issuing(base_url="https://skills.example.org",
                                                               data_dir=tmp_path / "data"), now=NOW)  # fmt: skip
    with unit_of_work(sessions) as db:
        group = service.alliance_service.get_group(db=db, slug=TASK_FORCE)
        intake = service.intake_read(db, group)
        assert intake.accepts_applications and intake.achievement == "asa-innovation-agent"
        accepted = db.scalar(
            select(Application).where(
                Application.group_id == group.id, Application.state == ApplicationState.ACCEPTED
            )
        )
        assert (
            accepted is not None and accepted.credential_uuid is None
        )  # not on acceptance: on certification
        db.info["skillatlas.settings"] = settings
        db.info["skillatlas.clock"] = lambda: NOW + dt.timedelta(days=1)
        service.record_certification(db=db, actor=SYSTEM, application_id=accepted.id)
        person_id, uuid = accepted.person_id, accepted.credential_uuid
    with unit_of_work(sessions) as db:
        issued = db.scalar(select(IssuedCredential).where(IssuedCredential.uuid == uuid))
        assert issued is not None and issued.person_id == person_id
        assert issued.achievement.name == "ASA Innovation Agent" and issued.document
        try:
            service.record_certification(db=db, actor=SYSTEM, application_id=accepted.id)
        except Conflict as exc:
            assert "recorded already" in exc.message
        else:
            raise AssertionError("a second certification was recorded")
