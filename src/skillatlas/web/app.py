"""The FastAPI application: one process serving the pages, the REST API and the static files."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from skillatlas import __version__
from skillatlas.alliance import api as alliance_api
from skillatlas.alliance import pages as alliance_pages
from skillatlas.applications import api as applications_api
from skillatlas.applications import pages as applications_pages
from skillatlas.auth import api as auth_api
from skillatlas.auth import pages as auth_pages
from skillatlas.config import Settings, get_settings
from skillatlas.credentials import api as credentials_api
from skillatlas.credentials import pages as credentials_pages
from skillatlas.db import make_engine, session_factory
from skillatlas.experts import api as experts_api
from skillatlas.experts import pages as experts_pages
from skillatlas.innovation import api as innovation_api
from skillatlas.innovation import pages as innovation_pages
from skillatlas.intelligence import api as intelligence_api
from skillatlas.intelligence import pages as intelligence_pages
from skillatlas.jobs import api as jobs_api
from skillatlas.jobs import pages as jobs_pages
from skillatlas.kpi import api as kpi_api
from skillatlas.kpi import pages as kpi_pages
from skillatlas.learning import api as learning_api
from skillatlas.learning import pages as learning_pages
from skillatlas.mail import pages as mail_pages
from skillatlas.mail import service as mail_service
from skillatlas.people import api as people_api
from skillatlas.people import pages as people_pages
from skillatlas.privacy import api as privacy_api
from skillatlas.privacy import pages as privacy_pages
from skillatlas.roles import api as roles_api
from skillatlas.roles import pages as roles_pages
from skillatlas.taxonomy import api as taxonomy_api
from skillatlas.taxonomy import pages as taxonomy_pages
from skillatlas.web import errors, personal, unstorable
from skillatlas.web.deps import DB, current_actor
from skillatlas.web.limits import BodySizeLimit
from skillatlas.web.openapi import document_errors
from skillatlas.web.security import CsrfCookie, LoginThrottle, SecurityHeaders, TrustedProxies
from skillatlas.web.warm import warm_indexes

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>SkillAtlas API</title>
  <link rel="stylesheet" href="/static/swagger/swagger-ui.css">
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="/openapi.json"></div>
  <script src="/static/swagger/swagger-ui-bundle.js"></script>
  <script src="/static/docs.js"></script>
</body>
</html>
"""


def create_app(settings: Settings | None = None, clock: Callable[[], dt.datetime] | None = None) -> FastAPI:
    """The app on the configured database; the schema must already be migrated (serve does it)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.warm_indexes:
            app.state.warming = warm_indexes(app.state)
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="SkillAtlas",
        version=__version__,
        description="Skills intelligence for the Automotive Skills Alliance: the alliance, its members and events.",
        docs_url=None,
        redoc_url=None,
        # Every route learns who acts and checks the CSRF token of unsafe browser requests.
        dependencies=[Depends(current_actor)],
    )
    engine = make_engine(settings.effective_database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    mail_service.install(app.state.sessions, settings)  # mail is sent with these settings, after commit
    app.state.clock = clock or (lambda: dt.datetime.now(dt.UTC))
    # Services that act on their own (a badge awarded on attendance) read the app's clock from the session.
    info = {**app.state.sessions.kw.get("info", {}), "skillatlas.clock": app.state.clock}
    app.state.sessions.configure(info=info)
    app.state.login_throttle = LoginThrottle()

    app.add_middleware(CsrfCookie)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)  # CSP, nosniff, Referrer-Policy, frame-ancestors on every response
    # Outermost: who the client is (and http or https) is settled before anything else reads it.
    app.add_middleware(TrustedProxies, networks=settings.trusted_proxy_networks)
    errors.install(app)
    document_errors(app)
    unstorable.install(app)
    app.mount(
        "/static", StaticFiles(directory=str(resources.files("skillatlas.web") / "static")), name="static"
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        """Swagger UI from the package's own static files: nothing is loaded from a CDN, and it is started
        by a file (static/docs.js), not inline script, so the site's Content-Security-Policy holds here too."""
        return HTMLResponse(DOCS_PAGE)

    @app.get("/api/health", tags=["meta"])
    def health(db: DB) -> dict[str, str]:
        """Answers when the app and its database are up."""
        db.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    app.include_router(alliance_api.router)
    app.include_router(auth_api.router)
    app.include_router(alliance_pages.router)
    app.include_router(auth_pages.router)
    app.include_router(taxonomy_api.router)
    app.include_router(people_api.router)
    app.include_router(people_pages.router)
    app.include_router(taxonomy_pages.router)
    app.include_router(intelligence_api.router)
    app.include_router(intelligence_pages.router)
    app.include_router(credentials_api.router)
    app.include_router(credentials_pages.router)
    app.include_router(kpi_api.router)
    app.include_router(kpi_pages.router)
    app.include_router(experts_api.router)
    app.include_router(experts_pages.router)
    app.include_router(privacy_api.router)
    app.include_router(privacy_pages.router)
    app.include_router(roles_api.router)
    app.include_router(learning_api.router)
    app.include_router(roles_pages.router)
    app.include_router(learning_pages.router)
    app.include_router(mail_pages.router)
    app.include_router(jobs_api.router)
    app.include_router(jobs_pages.router)
    app.include_router(innovation_api.router)
    app.include_router(innovation_pages.router)
    app.include_router(applications_api.router)
    app.include_router(applications_pages.router)
    app.include_router(personal.router)
    return app
