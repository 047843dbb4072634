"""Turns errors into friendly pages for people and JSON bodies for programs; never a stack trace."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from skillatlas.errors import DatabaseUnavailable, NotAuthenticated, SkillAtlasError
from skillatlas.validation import field_and_message
from skillatlas.web.templating import templates

log = logging.getLogger("skillatlas.web")


def wants_json(request: Request) -> bool:
    """API paths and clients that ask for JSON get JSON."""
    return request.url.path.startswith("/api") or "application/json" in request.headers.get("accept", "")


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    """The friendly error page."""
    return templates.TemplateResponse(
        request, "errors/error.html", {"title": title, "message": message}, status_code=status
    )


def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SkillAtlasError)
    if wants_json(request):
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthenticated) else None
        return JSONResponse(exc.as_dict(), status_code=exc.status_code, headers=headers)
    if isinstance(exc, NotAuthenticated) and request.method == "GET":
        # A visitor who opens a page that needs an account is sent to log in, and back afterwards.
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="/")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    titles = {
        404: "Not found",
        403: "Not allowed",
        401: "Please log in",
        409: "Not possible",
        429: "Too many attempts",
        503: "Unavailable",
    }
    return error_page(request, exc.status_code, titles.get(exc.status_code, "Invalid input"), exc.message)


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = [dict(zip(("field", "message"), field_and_message(e), strict=True)) for e in exc.errors()]
    first = errors[0] if errors else {"field": "input", "message": "invalid input"}
    body = {
        "detail": f"{first['field']}: {first['message']}",
        "field": first["field"],
        "code": "invalid",
        "errors": errors,
    }
    if wants_json(request):
        return JSONResponse(body, status_code=422)
    return error_page(request, 422, "Invalid input", body["detail"])


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if wants_json(request):
        return JSONResponse(
            {"detail": exc.detail, "field": None, "code": "http_error"},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
    if exc.status_code == 404:
        return error_page(request, 404, "Page not found", "There is no page at this address.")
    return error_page(request, exc.status_code, "Request refused", str(exc.detail))


def _database_error(request: Request, exc: Exception) -> Response:
    log.error("database unavailable: %s", exc.__class__.__name__)
    return _domain_error(
        request, DatabaseUnavailable("the database cannot be reached just now; please try again in a moment")
    )


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    if wants_json(request):
        return JSONResponse({"detail": "internal error", "field": None, "code": "internal"}, status_code=500)
    return error_page(request, 500, "Something went wrong", "The error was logged. Please try again later.")


def install(app: FastAPI) -> None:
    """Registers the handlers on the app."""
    app.add_exception_handler(SkillAtlasError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(DBAPIError, _unexpected)
    app.add_exception_handler(Exception, _unexpected)
