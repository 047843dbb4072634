"""Hard limits on every parser, and the readers that keep them.

Nothing a visitor or a member sends may stall the platform: every upload is measured *before* it is
expanded (the bytes a workbook unpacks to, its rows and cells, the nesting of a JSON text, the blank nodes of
a credential), and each refusal is a domain error that names the limit (`TooLarge`, 413, or
`LimitExceeded`, 422), so the API, the pages and the CLI say it in words.

The limits are module attributes (tests lower them with `monkeypatch.setattr`); the ones an operator may
want to change also read an environment variable.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sized
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from skillatlas.errors import LimitExceeded, TooLarge


def _env_number(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


# --- credentials (verification of what anybody sends) ------------------------------------------------
# A credential of this platform is about 4 KB; a badge with an embedded image a few hundred KB at most.
MAX_CREDENTIAL_BYTES = 256 * 1024
# Our credentials have 8 blank nodes (proof, subject, criteria, results...); other issuers' a few more.
MAX_BLANK_NODES = 64
# Blank nodes that their own statements cannot tell apart must be compared by permutation (RDFC-1.0's
# "hash N-degree quads"): 6 such nodes took 0.9 s, 8 took 73 s. Our credentials have none.
MAX_ALIKE_BLANK_NODES = 5
# RDFC-1.0's deep comparisons per blank node, as a power of the number of alike nodes (rdf-canonize's
# `maxWorkFactor`, whose default 1 is stricter: 2 still takes a small cycle of alike nodes).
CANON_WORK_FACTOR = 2
# Wall-clock seconds one verification may take in its worker process before the worker is killed.
VERIFY_BUDGET_S = _env_number("SKILLATLAS_VERIFY_BUDGET_S", 10.0)
# Worker processes for canonicalisation (per server process).
VERIFY_WORKERS = int(_env_number("SKILLATLAS_VERIFY_WORKERS", 2))
# Address space a verification worker may add to what its imports hold (a runaway document fails, never swaps).
VERIFY_WORKER_MEMORY = 1024 * 1024 * 1024

# --- JSON ------------------------------------------------------------------------------------------
# Credentials nest about 6 deep, job ads 2; Python's parser fails with RecursionError near 1,000.
MAX_JSON_DEPTH = 64

# --- spreadsheets and CSV --------------------------------------------------------------------------
# An .xlsx: openpyxl spends about 15 microseconds per cell (500,000 cells in 70 KiB took 11.7 s).
MAX_SPREADSHEET_ROWS = int(_env_number("SKILLATLAS_MAX_SPREADSHEET_ROWS", 50_000))
MAX_SPREADSHEET_CELLS = int(_env_number("SKILLATLAS_MAX_SPREADSHEET_CELLS", 200_000))
# Workbooks are read in worker processes (skillatlas.spreadsheets): seconds each, the worker killed after.
XLSX_BUDGET_S = _env_number("SKILLATLAS_XLSX_BUDGET_S", 30.0)
XLSX_WORKERS = int(_env_number("SKILLATLAS_XLSX_WORKERS", 2))
XLSX_WORKER_MEMORY = 1024 * 1024 * 1024
# A CSV: the csv module is about ten times cheaper per cell.
MAX_CSV_ROWS = int(_env_number("SKILLATLAS_MAX_CSV_ROWS", 100_000))
MAX_CSV_CELLS = int(_env_number("SKILLATLAS_MAX_CSV_CELLS", 1_000_000))
# What the XML inside an .xlsx may unpack to (a zip bomb is refused before anything is inflated).
MAX_XLSX_UNPACKED_BYTES = 64 * 1024 * 1024
# csv's own default limit; a longer field is refused with its line.
MAX_CSV_FIELD = 131_072

# --- free text -------------------------------------------------------------------------------------
# Skill extraction: a long CV or course description is 20,000 characters.
MAX_EXTRACT_CHARS = 100_000


def _n(value: int) -> str:
    return f"{value:,}"


# --- JSON nesting ----------------------------------------------------------------------------------

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(text: str | bytes, stop_above: int | None = None) -> int:
    """How deep the arrays and objects of a JSON text nest, without parsing it (strings are skipped).

    Stops counting once the depth passes `stop_above`: a line nested 100,000 deep costs a few milliseconds.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if "[" not in text and "{" not in text:
        return 0
    stripped = _STRING.sub("", text) if '"' in text else text
    depth = deepest = 0
    for match in _BRACKETS.finditer(stripped):
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    return deepest
        else:
            depth -= 1
    return deepest


def too_deep(what: str = "the JSON", field: str | None = None) -> LimitExceeded:
    return LimitExceeded(
        f"{what} nests arrays and objects more than {MAX_JSON_DEPTH} levels deep; "
        f"at most {MAX_JSON_DEPTH} levels are read",
        field=field,
    )


def check_json_depth(text: str | bytes, *, what: str = "the JSON", field: str | None = None) -> None:
    """LimitExceeded when the JSON text nests deeper than MAX_JSON_DEPTH (checked before json.loads)."""
    if json_depth(text, stop_above=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise too_deep(what, field)


def loads(text: str | bytes, *, what: str = "the JSON", field: str | None = None) -> Any:
    """json.loads, after the nesting depth is checked: never a RecursionError."""
    check_json_depth(text, what=what, field=field)
    return json.loads(text)


def value_depth(value: Any, stop_above: int | None = None) -> int:
    """How deep a parsed JSON value nests (iteratively: a deep value never hits the recursion limit)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if stop_above is not None and deepest > stop_above:
                return deepest
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


# --- CSV -------------------------------------------------------------------------------------------

R = TypeVar("R", bound=Sized)


class _Counted(Generic[R]):
    """Iterates a csv reader, counting rows and cells against the limits; csv's field-size error becomes
    TooLarge naming the line. Keeps the reader's `line_num` and `dialect`."""

    def __init__(self, inner: Iterator[R], what: str, field: str | None) -> None:
        self.inner, self.what, self.field = inner, what, field
        self.rows = self.cells = 0

    @property
    def line_num(self) -> int:
        # csv.DictReader copies its reader's line_num only after a record was read: ask the reader itself
        source = getattr(self.inner, "reader", self.inner)
        return int(getattr(source, "line_num", 0))

    @property
    def dialect(self) -> Any:
        return getattr(self.inner, "dialect", None)

    def __iter__(self) -> _Counted[R]:
        return self

    def __next__(self) -> R:
        try:
            record = next(self.inner)
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):
                raise
            line = self.line_num
            raise TooLarge(
                f"{self.what}: a field{f' on line {line}' if line else ''} is longer than "
                f"{_n(csv.field_size_limit())} characters, the most one field may hold",
                field=self.field,
            ) from None
        self.rows += 1
        self.cells += len(record)
        _refuse_counts(self.what, self.field, rows=self.rows, cells=self.cells, csv_file=True)
        return record


def csv_rows(reader: Iterable[R], *, what: str = "the file", field: str | None = "file") -> Iterator[R]:
    """The records of a csv.reader or csv.DictReader, refused (TooLarge) beyond MAX_CSV_ROWS rows or
    MAX_CSV_CELLS cells, and with a field longer than csv's limit named by its line.

    Use it in place of the reader: `for row in limits.csv_rows(csv.DictReader(...))`.
    """
    return _Counted(iter(reader), what, field)


class DictReader(csv.DictReader):  # type: ignore[type-arg]
    """csv.DictReader whose header row and records keep the limits (for code that reads `fieldnames`
    before the rows)."""

    def __init__(self, f: Iterable[str], *args: Any, what: str = "the file", field: str | None = "file",
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(f, *args, **kwargs)
        self.reader = _Counted(self.reader, what, field)  # type: ignore[assignment]


# --- XLSX ------------------------------------------------------------------------------------------

# A cell (<c ...>, <c/>, or with a namespace prefix: <x:c ...>), a row, a shared string.
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_SHARED = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")


def _count(pattern: re.Pattern[bytes], data: bytes, cap: int) -> int:
    """Matches of `pattern` in `data`, counting no further than cap + 1."""
    return sum(1 for _ in itertools.islice(pattern.finditer(data), cap + 1))


def check_xlsx(
    source: bytes | Path | IO[bytes], *, what: str = "the workbook", field: str | None = "file"
) -> None:
    """Measures an .xlsx before openpyxl reads it: what its parts unpack to, and the rows, cells and shared
    strings they hold; TooLarge names the first limit passed. A file that is no zip archive passes (the
    reader then says it is not a workbook)."""
    try:
        archive = zipfile.ZipFile(source if not isinstance(source, bytes) else io.BytesIO(source))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        infos = archive.infolist()
        unpacked = sum(max(info.file_size, 0) for info in infos)
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise TooLarge(
                f"{what} unpacks to {unpacked / 2**20:,.0f} MB; at most "
                f"{MAX_XLSX_UNPACKED_BYTES // 2**20} MB are read",
                field=field,
            )
        cells = rows = strings = 0
        for info in infos:
            name = info.filename.lower()
            is_sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
            if not is_sheet and not name.endswith("sharedstrings.xml"):
                continue
            try:
                data = archive.read(info)  # bounded: the declared sizes were checked above
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                return  # damaged: openpyxl will say so
            if is_sheet:
                cells += _count(_CELL, data, MAX_SPREADSHEET_CELLS)
                rows += _count(_ROW, data, MAX_SPREADSHEET_ROWS)
            else:
                strings += _count(_SHARED, data, MAX_SPREADSHEET_CELLS)
            _refuse_counts(what, field, rows=rows, cells=max(cells, strings))


def _refuse_counts(what: str, field: str | None, *, rows: int, cells: int, csv_file: bool = False) -> None:
    max_rows, max_cells = (
        (MAX_CSV_ROWS, MAX_CSV_CELLS) if csv_file else (MAX_SPREADSHEET_ROWS, MAX_SPREADSHEET_CELLS)
    )
    if rows > max_rows:
        raise TooLarge(
            f"{what} has more than {_n(max_rows)} rows; at most {_n(max_rows)} are read at once: "
            "split it into several files",
            field=field,
        )
    if cells > max_cells:
        raise TooLarge(
            f"{what} has more than {_n(max_cells)} cells; at most {_n(max_cells)} are read at once: "
            "split it into several files",
            field=field,
        )


def sheet_rows(
    sheet: Any, *, what: str = "the workbook", field: str | None = "file"
) -> Iterator[tuple[Any, ...]]:
    """The values of an openpyxl (read-only) worksheet row by row, refused beyond the row and cell limits.

    The sheet's declared size is checked first (openpyxl pads every row to it); then the rows are counted
    as they stream, so a sheet that hides its size cannot expand past the limits either.
    """
    declared_rows = getattr(sheet, "max_row", None) or 0
    declared_columns = getattr(sheet, "max_column", None) or 0
    if isinstance(declared_rows, int) and isinstance(declared_columns, int):
        _refuse_counts(what, field, rows=declared_rows, cells=declared_rows * declared_columns)
    cells = 0
    for rows, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells += len(values)
        _refuse_counts(what, field, rows=rows, cells=cells)
        yield values
