"""What the API shows of a background job."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class JobRead(BaseModel):
    id: int
    kind: str = Field(description="job_ads.import, courses.import or credentials.issue_bulk")
    title: str
    state: str = Field(description="queued, running, done or failed")
    done: int = Field(description="items done so far")
    total: int | None = Field(description="items in all, once known")
    percent: int | None
    message: str
    result: dict[str, Any] | None = Field(description="what the job did, once done (summary, counts, links)")
    attempts: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    href: str = Field(description="the job's page, with its progress")
