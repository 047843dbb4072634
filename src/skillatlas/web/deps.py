"""What every route needs: a database session that is one transaction, and today's date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from skillatlas.db import unit_of_work


def db_session(request: Request) -> Iterator[Session]:
    """One request, one transaction: committed before the response is sent, rolled back on error."""
    with unit_of_work(request.app.state.sessions) as session:
        yield session


def today(request: Request) -> dt.date:
    """The current date; tests may pin it through app.state.clock."""
    return request.app.state.clock().date()


DB = Annotated[Session, Depends(db_session, scope="function")]
Today = Annotated[dt.date, Depends(today)]
