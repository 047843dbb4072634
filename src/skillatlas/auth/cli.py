"""`skillatlas users`: accounts, roles and API tokens from the command line.

Every command acts as SYSTEM: whoever runs the CLI on the server administers the platform (they hold the
database anyway), so the CLI asks for no login. Each change is still written to the audit log.
"""

from __future__ import annotations

import typer
from rich.table import Table

from skillatlas.auth import service
from skillatlas.auth.models import Role
from skillatlas.auth.permissions import SYSTEM
from skillatlas.auth.schemas import GrantIn, TokenCreate, UserCreate, UserInvite
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.db import unit_of_work, utcnow
from skillatlas.errors import InvalidInput
from skillatlas.validation import parse_input

app = typer.Typer(help="Accounts: users, their roles, API tokens.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens: make (shown once) and revoke.", no_args_is_help=True)
app.add_typer(tokens_app, name="tokens")

ROLES = ", ".join(r.value for r in Role)


def _grant(role: str, organisation: str | None, group: str | None, committee: str | None) -> GrantIn:
    """The grant for `role`, taking from the options only the scope that role needs."""
    if role not in {r.value for r in Role}:
        raise InvalidInput(f"unknown role {role!r}: use one of {ROLES}", field="role")
    scope = {"organisation": organisation, "group": group, "committee": committee}
    wanted = {
        Role.ORGANISATION_MANAGER.value: "organisation",
        Role.GROUP_LEAD.value: "group",
        Role.COMMITTEE_LEAD.value: "committee",
    }.get(role)
    values: dict[str, str] = {"role": role}
    if wanted:
        if not scope[wanted]:
            raise InvalidInput(f"the role {role} needs --{wanted} SLUG", field=wanted)
        values[wanted] = scope[wanted]  # type: ignore[assignment]
    return parse_input(GrantIn, values)


@app.command("create")
@friendly_errors
def create(
    email: str = typer.Option(..., help="E-mail address: the login name."),
    full_name: str = typer.Option(..., "--name", help="Full name."),
    password: str = typer.Option(None, help="Password (at least 10 characters); asked for when left out."),
    role: list[str] = typer.Option([], help=f"Role (repeatable): {ROLES}."),
    organisation: str = typer.Option(None, help="Slug of the employer; the scope of organisation_manager."),
    group: str = typer.Option(None, help="Slug of the group a group_lead leads."),
    committee: str = typer.Option(None, help="Slug of the committee a committee_lead leads."),
) -> None:
    """Create an account (linked to the Person with its e-mail address, created when new)."""
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = parse_input(
        UserCreate,
        {"email": email, "full_name": full_name, "password": password, "organisation": organisation},
    )
    grants = [_grant(r, organisation, group, committee) for r in role]
    with unit_of_work(open_database()) as db:
        user = service.create_user(db=db, actor=SYSTEM, data=data, grants=grants)
        roles = ", ".join(g.role.value for g in user.grants) or "no role"
        console.print(f"created [bold]{user.email}[/bold] (user {user.id}, person {user.person_id}): {roles}")


@app.command("invite")
@friendly_errors
def invite(
    email: str = typer.Option(..., help="E-mail address: the login name, where the invitation goes."),
    full_name: str = typer.Option(..., "--name", help="Full name."),
    role: list[str] = typer.Option([], help=f"Role (repeatable): {ROLES}."),
    organisation: str = typer.Option(None, help="Slug of the employer; the scope of organisation_manager."),
    group: str = typer.Option(None, help="Slug of the group a group_lead leads."),
    committee: str = typer.Option(None, help="Slug of the committee a committee_lead leads."),
) -> None:
    """Open an account and mail its owner a link (valid a week) to choose their password."""
    data = parse_input(UserInvite, {"email": email, "full_name": full_name, "organisation": organisation})
    grants = [_grant(r, organisation, group, committee) for r in role]
    with unit_of_work(open_database()) as db:
        user = service.invite_user(db=db, actor=SYSTEM, data=data, grants=grants, now=utcnow())
        roles = ", ".join(service.grant_label(db, g) for g in user.grants) or "no role"
        console.print(
            f"invited [bold]{user.email}[/bold] (user {user.id}): {roles}; the link is in the outbox"
        )


@app.command("reinvite")
@friendly_errors
def reinvite(email: str = typer.Argument(..., help="The user's e-mail address.")) -> None:
    """Mail a new link to choose a password (valid a week)."""
    with unit_of_work(open_database()) as db:
        user = service.get_user_by_email(db=db, email=email)
        service.send_invitation(db=db, actor=SYSTEM, user=user, now=utcnow())
        console.print(f"{user.email}: invitation sent again")


@app.command("list")
@friendly_errors
def list_users() -> None:
    """List the accounts and their roles."""
    with unit_of_work(open_database()) as db:
        table = Table("Id", "E-mail", "Name", "Roles", "Active")
        for user in service.list_users(db=db, actor=SYSTEM):
            roles = [service.grant_read(db, g) for g in user.grants]
            text = ", ".join(
                g.role.value
                + (
                    f" ({g.organisation or g.group or g.committee})"
                    if g.organisation or g.group or g.committee
                    else ""
                )
                for g in roles
            )
            table.add_row(str(user.id), user.email, user.full_name, text, "yes" if user.is_active else "no")
        console.print(table)


@app.command("grant")
@friendly_errors
def grant(
    email: str = typer.Argument(..., help="The user's e-mail address."),
    role: str = typer.Argument(..., help=ROLES),
    organisation: str = typer.Option(None, help="Scope of organisation_manager."),
    group: str = typer.Option(None, help="Scope of group_lead."),
    committee: str = typer.Option(None, help="Scope of committee_lead."),
) -> None:
    """Give a user a role."""
    data = _grant(role, organisation, group, committee)
    with unit_of_work(open_database()) as db:
        user = service.get_user_by_email(db=db, email=email)
        service.grant_role(db=db, actor=SYSTEM, user=user, grant=data)
        console.print(f"{user.email}: granted {role}")


@app.command("revoke")
@friendly_errors
def revoke(
    email: str = typer.Argument(..., help="The user's e-mail address."),
    role: str = typer.Argument(..., help=ROLES),
    organisation: str = typer.Option(None),
    group: str = typer.Option(None),
    committee: str = typer.Option(None),
) -> None:
    """Take a role away from a user."""
    data = _grant(role, organisation, group, committee)
    with unit_of_work(open_database()) as db:
        user = service.get_user_by_email(db=db, email=email)
        service.revoke_role(db=db, actor=SYSTEM, user=user, grant=data)
        console.print(f"{user.email}: revoked {role}")


@app.command("deactivate")
@friendly_errors
def deactivate(email: str = typer.Argument(..., help="The user's e-mail address.")) -> None:
    """Close an account: its sessions end and its API tokens stop working (the data stays)."""
    with unit_of_work(open_database()) as db:
        user = service.set_active(
            db=db, actor=SYSTEM, user=service.get_user_by_email(db=db, email=email), active=False
        )
        console.print(f"{user.email}: deactivated")


@app.command("reactivate")
@app.command("activate", hidden=True)
@friendly_errors
def activate(email: str = typer.Argument(..., help="The user's e-mail address.")) -> None:
    """Open a closed account again."""
    with unit_of_work(open_database()) as db:
        user = service.set_active(
            db=db, actor=SYSTEM, user=service.get_user_by_email(db=db, email=email), active=True
        )
        console.print(f"{user.email}: active again")


@tokens_app.command("create")
@friendly_errors
def create_token(
    email: str = typer.Argument(..., help="The user the token acts for."),
    name: str = typer.Option(..., help="What the token is for."),
    scope: list[str] = typer.Option(["read"], help="read or write (repeatable)."),
    days: int = typer.Option(90, help="Days until it expires (1 to 365)."),
) -> None:
    """Make an API token; its secret is printed this once (only its hash is stored)."""
    data = parse_input(TokenCreate, {"name": name, "scopes": scope, "expires_in_days": days})
    with unit_of_work(open_database()) as db:
        user = service.get_user_by_email(db=db, email=email)
        token, secret = service.create_token(db=db, actor=SYSTEM, user=user, data=data, now=utcnow())
        console.print(
            f"token {token.id} for {user.email} ({', '.join(token.scopes)}; expires {token.expires_at:%Y-%m-%d}):",
            highlight=False,
        )
        typer.echo(secret)


@tokens_app.command("revoke")
@friendly_errors
def revoke_token(token_id: int = typer.Argument(..., help="The token's number.")) -> None:
    """Revoke an API token at once."""
    with unit_of_work(open_database()) as db:
        token = service.revoke_token(db=db, actor=SYSTEM, token_id=token_id, now=utcnow())
        console.print(f"token {token.id} revoked")
