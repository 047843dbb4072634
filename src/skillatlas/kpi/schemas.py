"""Input and output of the KPI front doors."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class EventRead(BaseModel):
    """One ledger event as the office and the organisation's managers see it (a pseudonym, never a name)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    occurred_on: dt.date
    person_ref: str | None
    organisation_id: int | None
    country: str
    nuts_region: str | None
    skills: list[str]
    sign: int
    corrects_id: int | None
    source: str
    source_ref: str | None
    external_id: str | None
    recorded_at: dt.datetime


class CorrectionIn(BaseModel):
    """Why an event is cancelled."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=200)


class ImportReportRead(BaseModel):
    """What an import did, or in a dry run would do."""

    model_config = ConfigDict(from_attributes=True)

    rows: int
    added: int
    already_imported: int
    dry_run: bool
    by_kind: dict[str, int]
