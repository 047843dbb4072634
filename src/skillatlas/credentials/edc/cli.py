"""`skillatlas credentials edc ...`: seal certificates and the sealed EDC of an issued credential."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from skillatlas.auth.permissions import SYSTEM
from skillatlas.cli import console, friendly_errors, open_database
from skillatlas.config import get_settings
from skillatlas.credentials.edc import service
from skillatlas.credentials.settings import issuing_for
from skillatlas.db import unit_of_work
from skillatlas.errors import InvalidInput

app = typer.Typer(
    help="European Digital Credentials: seal certificates (PEM, PKCS#12) and sealed EDC exports.",
    no_args_is_help=True,
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sealed(db, credential_id: str, issuing, now: dt.datetime) -> str:  # type: ignore[no-untyped-def]
    """The sealed EDC of a credential as text (the CLI acts as SYSTEM)."""
    return service.sealed_text(
        service.sealed_edc(db=db, actor=SYSTEM, credential_id=credential_id, issuing=issuing, now=now)
    )


@app.command("load-certificate")
@friendly_errors
def load_certificate(
    organisation: str = typer.Option(..., help="Slug of the organisation whose seal it is."),
    file: Path = typer.Option(
        ..., exists=True, dir_okay=False, help="PKCS#12 (.p12/.pfx) or PEM (key and chain)."
    ),
    password: str = typer.Option(
        None, help="The file's password (or set SKILLATLAS_SEAL_PASSWORD).", envvar="SKILLATLAS_SEAL_PASSWORD"
    ),
) -> None:
    """Load an organisation's seal certificate: from now on it seals the organisation's EDCs."""
    data = file.read_bytes()
    if len(data) > service.seal.MAX_FILE_BYTES:
        raise InvalidInput("a certificate file has at most 64 KiB", field="certificate")
    settings = get_settings()
    with unit_of_work(open_database(settings)) as db:
        row = service.load_certificate(
            db=db,
            actor=SYSTEM,
            organisation=organisation,
            data=data,
            password=password,
            issuing=issuing_for(settings),
            now=_now(),
        )
        console.print(
            f"loaded {row.subject} (SHA-256 {row.fingerprint[:16]}…, valid until {row.not_after.date()})"
            f" for {organisation}"
        )


@app.command("self-signed")
@friendly_errors
def self_signed(
    organisation: str = typer.Option(..., help="Slug of the organisation."),
) -> None:
    """Make a self-signed seal certificate for an organisation (for trying EDCs out; viewers do not trust it)."""
    from skillatlas.alliance import service as alliance_service

    settings = get_settings()
    with unit_of_work(open_database(settings)) as db:
        found = alliance_service.get_organisation(db=db, slug=organisation)
        row = service.make_self_signed(
            db=db, actor=SYSTEM, organisation=found, issuing=issuing_for(settings), now=_now()
        )
        console.print(f"made {row.subject}, valid until {row.not_after.date()}")


@app.command("export")
@friendly_errors
def export(
    credential: str = typer.Option(..., help="The credential's id (urn:uuid:... or the UUID)."),
    out: Path = typer.Option(..., help="Where to write the sealed EDC (JSON)."),
) -> None:
    """Write the sealed European Digital Credential of an issued credential."""
    settings = get_settings()
    with unit_of_work(open_database(settings)) as db:
        text = sealed(db, credential, issuing_for(settings), _now())
    out.write_text(text)
    console.print(f"wrote the sealed EDC of {credential} -> {out}")
