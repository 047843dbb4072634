"""Reading an uploaded .xlsx workbook in a worker process, within the limits and a time budget.

openpyxl parses in pure Python: a workbook within the limits (200,000 cells) still takes seconds, and a
thread doing it holds the GIL that every other request needs (issue 18: one upload held `/api/health` for
11.7 s on the event loop, and still for seconds from the thread pool). So the whole reading, the size check
(`limits.check_xlsx`) included, runs in a `sandbox.WorkerPool` process: the request's thread only waits on a
pipe, the worker is killed when the budget is spent, and its memory is capped.

`read_xlsx(source)` gives the first sheet's rows as tuples of plain values (str, int, float, bool, datetime,
None); each domain turns them into its own records. Refusals are the domain errors of `limits` (TooLarge
naming the limit, InvalidInput for a file that is no workbook), raised in the caller as if read here.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Any

from skillatlas import limits
from skillatlas.errors import InvalidInput, LimitExceeded, TooLarge
from skillatlas.sandbox import WorkerError, WorkerPool, WorkerTimeout

# The limits a worker applies: read in the caller when the call is made (tests lower them with
# monkeypatch, and a worker process does not see the caller's module attributes).
_LIMITS = ("MAX_SPREADSHEET_ROWS", "MAX_SPREADSHEET_CELLS", "MAX_XLSX_UNPACKED_BYTES")

_pool: WorkerPool | None = None
_pool_lock = threading.Lock()


def pool() -> WorkerPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = WorkerPool(
                limits.XLSX_WORKERS,
                memory=limits.XLSX_WORKER_MEMORY,
                preload=["openpyxl", "skillatlas.spreadsheets"],
            )
        return _pool


def _read(content: bytes, bounds: dict[str, int], what: str, field: str | None) -> list[tuple[Any, ...]]:
    """In the worker: the size check, then openpyxl's streaming reader over the first sheet."""
    for name, value in bounds.items():
        setattr(limits, name, value)
    limits.check_xlsx(content, what=what, field=field)
    try:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput(
            f"{what} is not a readable XLSX workbook ({exc.__class__.__name__})", field=field
        ) from None
    try:
        return [tuple(row) for row in limits.sheet_rows(sheet, what=what, field=field)]
    except (TooLarge, LimitExceeded):
        raise
    except Exception as exc:  # a damaged part found while streaming
        raise InvalidInput(
            f"{what} is not a readable XLSX workbook ({exc.__class__.__name__})", field=field
        ) from None
    finally:
        book.close()


def read_xlsx(
    source: bytes | Path, *, what: str = "the workbook", field: str | None = "file"
) -> list[tuple[Any, ...]]:
    """The first sheet's rows (header row included), read in a worker process within the limits and
    `limits.XLSX_BUDGET_S` seconds; TooLarge, LimitExceeded or InvalidInput name what was refused."""
    if isinstance(source, Path):
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise InvalidInput(f"{what}: cannot read {source.name} ({exc.strerror})", field=field) from None
        if size > limits.MAX_XLSX_UNPACKED_BYTES:
            raise TooLarge(
                f"{what} is {size / 2**20:,.0f} MB; at most {limits.MAX_XLSX_UNPACKED_BYTES // 2**20} MB are read",
                field=field,
            )
        content = source.read_bytes()
    else:
        content = source
    bounds = {name: getattr(limits, name) for name in _LIMITS}
    try:
        return pool().run(_read, content, bounds, what, field, timeout=limits.XLSX_BUDGET_S)  # type: ignore[no-any-return]
    except WorkerTimeout:
        raise LimitExceeded(
            f"reading {what} took longer than {limits.XLSX_BUDGET_S:g} seconds, the most one workbook may "
            "take; nothing was imported: split it into smaller files or save it as CSV",
            field=field,
        ) from None
    except WorkerError as exc:
        if exc.kind == "MemoryError":
            raise TooLarge(
                f"{what} needs more memory than one workbook may use; split it into smaller files",
                field=field,
            ) from None
        raise InvalidInput(f"{what} could not be read ({exc})", field=field) from None
