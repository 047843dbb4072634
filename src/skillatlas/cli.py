"""The `skillatlas` command: serve, database migrations, the demo alliance, and each domain's commands."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from skillatlas.config import Settings, get_settings
from skillatlas.errors import SkillAtlasError

app = typer.Typer(
    help="SkillAtlas: skills intelligence for the Automotive Skills Alliance.", no_args_is_help=True
)
db_app = typer.Typer(help="The database: migrations and status.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
#: Seconds a `serve --workers N` process may take to answer uvicorn's health check before it is killed.
WORKER_HEALTHCHECK_S = 60


def friendly_errors(command: F) -> F:
    """A domain error becomes one red line on stderr and exit code 2, never a stack trace."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SkillAtlasError as exc:
            err_console.print(f"[red]error:[/red] {exc.message}", highlight=False)
            raise typer.Exit(code=2) from None

    return wrapper  # type: ignore[return-value]


def open_database(settings: Settings | None = None) -> Any:
    """The session factory for the configured database, migrated to the latest schema."""
    from skillatlas import db

    settings = settings or get_settings()
    engine = db.make_engine(settings.effective_database_url)
    db.upgrade(engine)
    return db.session_factory(engine)


@db_app.command("upgrade")
@friendly_errors
def db_upgrade(
    revision: str = typer.Argument("heads", help="Target revision (default: the newest of every branch)."),
) -> None:
    """Apply the migrations."""
    from skillatlas import db

    settings = get_settings()
    engine = db.make_engine(settings.effective_database_url)
    db.upgrade(engine, revision)
    console.print(
        f"database at revision [bold]{', '.join(db.current_revisions(engine))}[/bold] ({engine.url.render_as_string()})"
    )


@db_app.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    from skillatlas import db

    engine = db.make_engine(get_settings().effective_database_url)
    console.print(", ".join(db.current_revisions(engine)) or "not migrated")


@app.command()
@friendly_errors
def serve(
    host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1, or SKILLATLAS_HOST)."),
    port: int = typer.Option(None, help="Port (default 8000, or SKILLATLAS_PORT)."),
    demo: bool = typer.Option(True, help="Load the ASA demo alliance when the database is empty."),
    workers: int = typer.Option(
        1, min=1, max=64, help="Server processes (large index arrays are shared through the data directory)."
    ),
    jobs: bool = typer.Option(True, help="Start the job worker (skillatlas jobs worker) beside the server."),
) -> None:
    """Migrate the database, load the demo alliance into an empty one, and serve the site."""
    import uvicorn

    from skillatlas.db import unit_of_work
    from skillatlas.demo import loader
    from skillatlas.web.app import create_app

    settings = get_settings()
    sessions = open_database(settings)
    if demo:
        with unit_of_work(sessions) as session:
            if loader.is_empty(db=session):
                from skillatlas.credentials.settings import issuing_for

                report = loader.load_demo(db=session, taxonomy=True, issuing=issuing_for(settings))
                console.print(f"loaded the ASA demo alliance: {report.summary()}")
    with unit_of_work(sessions) as session:
        # Only in a demo database, and only while the demo password was not changed.
        demo_login = loader.demo_office_login(db=session)
    host = host or settings.host
    port = port or settings.port
    console.print(
        f"SkillAtlas on [bold]http://{host}:{port}[/bold] (database: {settings.effective_database_url})"
    )
    if demo_login is not None:
        console.print(
            f"demo: log in at http://{host}:{port}/login as [bold]{demo_login.email}[/bold] with the password "
            f"[bold]{demo_login.password}[/bold] (the alliance office; demo data only, see demo/data/asa.yaml)",
            highlight=False,
        )
    # The job worker beside the server: stopped with it, and ending by itself if the server is killed.
    if jobs:
        from skillatlas.jobs.cli import start_worker_process

        start_worker_process()
    if workers == 1:
        app_ = create_app(settings.model_copy(update={"warm_indexes": True}))
        # proxy_headers off: uvicorn would believe X-Forwarded-For from 127.0.0.1 by default; the app's
        # TrustedProxies reads them from SKILLATLAS_TRUSTED_PROXIES only.
        uvicorn.run(app_, host=host, port=port, log_level="info", proxy_headers=False)
    else:  # each process builds the app from the same environment
        os.environ["SKILLATLAS_WARM_INDEXES"] = "1"
        # uvicorn kills a worker that does not answer its supervisor's ping within the health-check timeout
        # (5 s by default) and starts another. At the design point (100,000 experts and courses) a worker on a
        # busy 2-core box took longer while starting and building its indexes: workers were killed and
        # restarted over and over (22 times in one 60 s load test at 4 workers, issue 14).
        uvicorn.run("skillatlas.web.app:create_app", factory=True, workers=workers, host=host, port=port,
                    log_level="info", proxy_headers=False,
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)  # fmt: skip


def _mount_domains() -> None:
    from skillatlas.alliance.cli import app as alliance_app
    from skillatlas.applications.cli import app as applications_app
    from skillatlas.auth.cli import app as users_app
    from skillatlas.credentials.cli import app as credentials_app
    from skillatlas.demo.cli import demo
    from skillatlas.experts.cli import app as experts_app
    from skillatlas.innovation.cli import app as innovation_app
    from skillatlas.intelligence.cli import intelligence_app, skills_app
    from skillatlas.jobs.cli import app as jobs_app
    from skillatlas.kpi.cli import app as kpi_app
    from skillatlas.learning.cli import app as learning_app
    from skillatlas.mail.cli import app as mail_app
    from skillatlas.roles.cli import app as roles_app
    from skillatlas.taxonomy.cli import app as taxonomy_app

    app.add_typer(alliance_app, name="alliance")
    app.add_typer(applications_app, name="applications")
    app.add_typer(users_app, name="users")
    app.add_typer(taxonomy_app, name="taxonomy")
    app.add_typer(skills_app, name="skills")
    app.add_typer(intelligence_app, name="intelligence")
    app.add_typer(credentials_app, name="credentials")
    app.add_typer(kpi_app, name="kpi")
    app.add_typer(experts_app, name="experts")
    app.add_typer(innovation_app, name="innovation")
    app.add_typer(roles_app, name="roles")
    app.add_typer(learning_app, name="learning")
    app.add_typer(mail_app, name="mail")
    app.add_typer(jobs_app, name="jobs")
    app.command(name="demo")(demo)


_mount_domains()
