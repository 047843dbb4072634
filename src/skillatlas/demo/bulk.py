"""PostgreSQL bulk loading for the synthetic population: COPY instead of INSERT (issue 14).

At the design point (14 million persons, about 80 million person skills) multi-row INSERTs run at
about 17,000 persons a second, and every row also updates four secondary indexes in random order and
fires the foreign-key triggers. Here the rows go in with `COPY ... FROM STDIN`, person skills in
PostgreSQL's binary format built with NumPy (no Python object per row), and for a large load the
secondary indexes, unique and foreign-key constraints of the table are dropped first and rebuilt
afterwards in one pass each (a sort instead of millions of random inserts; a foreign key is then
checked by one join instead of one trigger call per row). The primary key stays: rows arrive in its
order. Everything happens in the caller's transaction, so an interrupted load leaves nothing behind;
the dropped indexes and constraints are restored before the function returns.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

#: From this many rows on, a table's secondary indexes and constraints are rebuilt rather than kept
#: up to date row by row (tests lower it to exercise the rebuild).
REBUILD_FROM_ROWS = 200_000
_PG_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)


def is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def _raw(db: Session) -> Any:
    """The psycopg connection under the session's transaction."""
    return db.connection().connection.driver_connection


@contextmanager
def rebuilt_indexes(db: Session, table: str, rows: int) -> Iterator[None]:
    """Drops `table`'s secondary indexes, unique and foreign-key constraints while `rows` rows go in,
    then rebuilds them (and analyses the table); below REBUILD_FROM_ROWS it only analyses."""
    if rows < REBUILD_FROM_ROWS:
        yield
        db.execute(text(f"ANALYZE {table}"))
        return
    constraints = db.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = CAST(:t AS regclass) AND contype IN ('u', 'f') ORDER BY contype DESC, conname"
        ),
        {"t": table},
    ).all()
    indexes = db.execute(
        text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = CAST(:t AS regclass) AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid) ORDER BY i.relname"
        ),
        {"t": table},
    ).all()
    for name, _ in constraints:
        db.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    for name, _ in indexes:
        db.execute(text(f'DROP INDEX "{name}"'))
    yield
    db.execute(text("SET LOCAL maintenance_work_mem = '512MB'"))
    for _, definition in indexes:
        db.execute(text(definition))
    for name, definition in constraints:  # unique ones first: a foreign key may need one
        db.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    db.execute(text("RESET maintenance_work_mem"))
    db.execute(text(f"ANALYZE {table}"))


def reserve_ids(db: Session, table: str, n: int) -> int:
    """The first of n consecutive ids taken from `table`'s id sequence; the table is locked against other
    writers until the transaction ends, so no one else draws from the sequence in between."""
    db.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
    sequence = db.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table})
    first = int(db.scalar(text("SELECT nextval(CAST(:s AS regclass))"), {"s": sequence}))
    if n > 1:
        db.execute(text("SELECT setval(CAST(:s AS regclass), :last)"), {"s": sequence, "last": first + n - 1})
    return first


def _text_field(value: object) -> str:
    if value is None:
        return "\\N"
    s = str(value)
    if any(c in s for c in "\\\t\n\r"):
        s = s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return s


def copy_text(
    db: Session, table: str, columns: Sequence[str], rows: Iterator[Sequence[object]],
    progress: Callable[[int], None] | None = None, chunk: int = 50_000,
) -> int:  # fmt: skip
    """COPY rows (tuples in the order of `columns`) into `table` in text format; how many."""
    done = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with _raw(db).cursor() as cursor, cursor.copy(statement) as copy:
        lines: list[str] = []
        for row in rows:
            lines.append("\t".join(map(_text_field, row)))
            if len(lines) >= chunk:
                copy.write("\n".join(lines) + "\n")
                done += len(lines)
                if progress:
                    progress(len(lines))
                lines = []
        if lines:
            copy.write("\n".join(lines) + "\n")
            done += len(lines)
            if progress:
                progress(len(lines))
    return done


def copy_rows(db: Session, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY rows (tuples in the order of `columns`: numbers, text, dates, None) into `table`, each value
    converted by psycopg's own (C) adapters; how many."""
    done = 0
    with _raw(db).cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            done += 1
    return done


def person_skill_copy_data(
    person_ids: np.ndarray, skill_ids: np.ndarray, levels: np.ndarray, sources: np.ndarray,
    level_names: Sequence[str], source_names: Sequence[str], updated_at: dt.datetime,
) -> bytes:  # fmt: skip
    """Rows of person_skill (person_id, skill_id, level, source, evidence '', updated_at) as one block of
    PostgreSQL's binary COPY format (header and trailer included), built with NumPy: each combination of
    level and source has fixed-width rows, so a structured array per combination holds them."""
    micros = (updated_at - _PG_EPOCH) // dt.timedelta(microseconds=1)
    parts = [_COPY_HEADER]
    for lv, level in enumerate(level_names):
        for src, source in enumerate(source_names):
            chosen = (levels == lv) & (sources == src)
            m = int(chosen.sum())
            if not m:
                continue
            lb, sb = level.encode(), source.encode()
            row = np.dtype([
                ("fields", ">i2"), ("pl", ">i4"), ("person", ">i4"), ("sl", ">i4"), ("skill", ">i4"),
                ("ll", ">i4"), ("level", f"S{len(lb)}"), ("ol", ">i4"), ("source", f"S{len(sb)}"),
                ("el", ">i4"), ("tl", ">i4"), ("ts", ">i8"),
            ])  # fmt: skip
            block = np.empty(m, dtype=row)
            block["fields"], block["pl"], block["sl"], block["ll"], block["ol"] = 6, 4, 4, len(lb), len(sb)
            block["el"], block["tl"], block["ts"] = 0, 8, micros
            block["person"], block["skill"] = person_ids[chosen], skill_ids[chosen]
            block["level"], block["source"] = lb, sb
            parts.append(block.tobytes())
    parts.append(_COPY_TRAILER)
    return b"".join(parts)


def copy_binary(db: Session, table: str, columns: Sequence[str], data: bytes) -> None:
    """One block of binary COPY data (header and trailer included) into `table`."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    with _raw(db).cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(data)


def ids_where(db: Session, query: str, **literals: object) -> np.ndarray:
    """The integers one query selects (one column), read with COPY: millions of ids without a Python
    object each. `{name}` placeholders in the query take the literals, quoted by psycopg (COPY takes no
    bound parameters)."""
    from psycopg import sql

    statement = sql.SQL(query).format(**{k: sql.Literal(v) for k, v in literals.items()})
    with _raw(db).cursor() as cursor, cursor.copy(sql.SQL("COPY ({}) TO STDOUT").format(statement)) as copy:
        data = b"".join(bytes(block) for block in copy)
    return np.array(data.split(), dtype=np.int64) if data else np.empty(0, dtype=np.int64)
