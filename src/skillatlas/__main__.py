"""Lets `python -m skillatlas` run the CLI."""

from skillatlas.cli import app

app()
