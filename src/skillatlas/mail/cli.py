"""`skillatlas mail`: the outbox from the command line; sends again what is not sent yet."""

from __future__ import annotations

import typer
from rich.table import Table

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, err_console, friendly_errors, open_database
from skillatlas.config import get_settings
from skillatlas.db import unit_of_work
from skillatlas.errors import Conflict, InvalidInput
from skillatlas.mail import service

app = typer.Typer(help="Mail: the outbox, and sending what waits in it.", no_args_is_help=True)


@app.command("retry")
@friendly_errors
def retry(
    limit: int = typer.Option(1000, min=1, help="Send at most this many (the oldest first)."),
) -> None:
    """Send every message not sent yet (never tried, or failed) through SKILLATLAS_SMTP_URL.

    Exits with 1 when some could not be sent (each one's error is kept on its row), so a scheduler notices.
    """
    settings = get_settings()
    if not settings.smtp_url:
        raise Conflict(
            "SKILLATLAS_SMTP_URL is not set: there is no mail server to send through", field="smtp_url"
        )
    sessions = open_database(settings)
    with unit_of_work(sessions) as db:
        ids = service.unsent_ids(db=db, actor=SYSTEM, limit=limit)
        bind = db.get_bind()
    report = service.deliver(bind, ids, settings)  # type: ignore[arg-type]
    console.print(f"sent {len(report.sent)} of {len(ids)} unsent message{'s' if len(ids) != 1 else ''}")
    for message_id, error in sorted(report.failed.items()):
        err_console.print(f"[red]not sent[/red] {message_id}: {error}", highlight=False)
    if report.failed:
        raise typer.Exit(code=1)


@app.command("list")
@friendly_errors
def list_messages(
    state: str = typer.Option(None, help="Only waiting, failed or sent messages."),
    to: str = typer.Option(None, help="Only messages to addresses containing this."),
    limit: int = typer.Option(50, min=1, help="How many, newest first."),
) -> None:
    """List the outbox, newest first."""
    if state is not None and state not in service.STATES:
        raise InvalidInput(f"--state: use one of {', '.join(service.STATES)}", field="state")
    with unit_of_work(open_database()) as db:
        table = Table("Id", "Written (UTC)", "To", "Subject", "State")
        for m in service.list_outbox(db=db, actor=SYSTEM, state=state, to=to, limit=limit):
            if m.sent_at:
                shown = f"sent {m.sent_at:%Y-%m-%d %H:%M}"
            elif m.attempts:
                shown = f"failed x{m.attempts}: {m.last_error}"
            else:
                shown = "waiting"
            table.add_row(str(m.id), f"{m.created_at:%Y-%m-%d %H:%M}", m.to_address, m.subject, shown)
        console.print(table)
