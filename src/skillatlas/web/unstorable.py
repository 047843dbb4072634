"""Input the database cannot store (a number beyond 64 bits, a NUL character on PostgreSQL) is a 422, not a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.exc import DataError

from skillatlas.errors import InvalidInput

log = logging.getLogger("skillatlas.web")


def _unstorable(request: Request, exc: Exception) -> Response:
    # SQLite's driver raises OverflowError for an int beyond 64 bits; PostgreSQL raises DataError for
    # out-of-range numbers and for text holding NUL. Both come from what the client sent.
    from skillatlas.web.errors import _domain_error

    log.info("refused unstorable input on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return _domain_error(
        request,
        InvalidInput("a value in the request cannot be stored (a number too large, or a NUL character)"),
    )


def install(app: FastAPI) -> None:
    """Registers the handler (after web.errors.install: these are more specific than DBAPIError)."""
    app.add_exception_handler(OverflowError, _unstorable)
    app.add_exception_handler(DataError, _unstorable)
