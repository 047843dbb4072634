"""Change counters: how an in-memory index learns, with one primary-key read, that its tables changed.

The expert-matching snapshot and the catalogue's search index live in each server process. They used to
find out whether to rebuild by aggregating over their tables at every request (`count(*)`, `max(updated_at)`
over every person's skills: 140 ms at 100,000 persons, and growing with them). Instead, a domain `watch`es
its tables under a name; every transaction that writes one of them, through the ORM or a bulk statement of
a Session, bumps that name's counter once, in the same transaction; the index compares one integer.

Writes that bypass the Session (raw SQL by hand) are not seen: after such a change, restart the server.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Delete, Insert, String, Update, event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, UOWTransaction, mapped_column

from skillatlas.db import Base


class DataVersion(Base):
    """One counter per watched name; a missing row reads as 0."""

    __tablename__ = "data_version"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)


@dataclass(frozen=True)
class Watch:
    name: str
    tables: frozenset[str]
    # For ORM changes: given the session's connection and the changed objects of these tables, does the
    # change matter? (a worker's skills do not matter to expert matching; an expert's do)
    relevant: Callable[[Connection, list[Any]], bool] | None = None


_WATCHES: dict[str, Watch] = {}
_DML = (Insert, Update, Delete)


def watch(
    name: str, tables: Iterable[str], relevant: Callable[[Connection, list[Any]], bool] | None = None
) -> None:
    """Counts the transactions that write these tables under `name` (idempotent)."""
    _WATCHES[name] = Watch(name, frozenset(tables), relevant)


def current(db: Session, name: str) -> int:
    """The counter of `name`: changes whenever a committed transaction wrote one of its tables."""
    return db.scalar(select(DataVersion.version).where(DataVersion.name == name)) or 0


def pending(db: Session, name: str) -> bool:
    """True when this session's open transaction wrote `name`'s tables: what it reads may yet be rolled
    back, so an index built from it must not be kept under the counter's value."""
    return name in db.info.get("changes.bumped", ())


def bump(connection: Connection, name: str) -> None:
    """Adds one to the counter of `name` (an upsert: the row may not exist yet)."""
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    # A new row starts at a random value, not 1: should the table ever be emptied (a restore, the tests),
    # the counter must not come back to a value that a process's index still holds.
    statement = insert(DataVersion).values(name=name, version=secrets.randbelow(2**62) + 1)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[DataVersion.name], set_={"version": DataVersion.version + 1}
        )
    )


def _bumped(session: Session) -> set[str]:
    return session.info.setdefault("changes.bumped", set())


def _bump_once(session: Session, connection: Connection, name: str) -> None:
    done = _bumped(session)
    if name not in done:
        bump(connection, name)
        done.add(name)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush: UOWTransaction) -> None:
    if not _WATCHES:
        return
    changed: dict[str, list[Any]] = {}
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table is not None:
            changed.setdefault(table, []).append(obj)
    if not changed:
        return
    connection = session.connection()
    for w in _WATCHES.values():
        if w.name in _bumped(session):
            continue
        objects = [o for t in w.tables for o in changed.get(t, [])]
        if objects and (w.relevant is None or w.relevant(connection, objects)):
            _bump_once(session, connection, w.name)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if not _WATCHES or not isinstance(statement, _DML):
        return
    table = getattr(statement.table, "name", None)
    for w in _WATCHES.values():
        if table in w.tables:  # a bulk statement: which rows is unknown, so it always counts
            _bump_once(state.session, state.session.connection(), w.name)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, previous: Any) -> None:
    session.info.pop("changes.bumped", None)  # a savepoint's bump may be gone with it: bump again


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop("changes.bumped", None)
