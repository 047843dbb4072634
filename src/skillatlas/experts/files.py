"""The expert import template: reading it (CSV in UTF-8, or XLSX with openpyxl) and writing it (the export)."""

from __future__ import annotations

import io
from pathlib import Path

from skillatlas import limits, spreadsheets
from skillatlas.errors import InvalidInput
from skillatlas.exports import append_row, csv_text, restore_cell


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV or XLSX file, keyed by the header row."""
    if not path.exists():
        raise InvalidInput(f"no file {str(path)!r}", field="file")
    if path.suffix.lower() == ".xlsx":
        return _xlsx(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("file: the CSV file is not UTF-8 text", field="file") from exc
    reader = limits.DictReader(io.StringIO(text), what="file: the CSV file")  # rows, cells, field length
    if not reader.fieldnames or "external_id" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InvalidInput(
            "file: the header row must name the columns, starting with external_id", field="file"
        )
    # restore_cell: the quote our export put before a formula-like text (skillatlas.exports) comes off again.
    return [{k: restore_cell(v) for k, v in row.items() if k is not None} for row in reader]


def _xlsx(path: Path) -> list[dict[str, str]]:
    # read in a worker process within the limits (issue 18: openpyxl holds the GIL for seconds)
    rows = iter(spreadsheets.read_xlsx(path, what="file: the workbook"))
    header = [str(h or "").strip() for h in next(rows, ())]
    if "external_id" not in [h.lower() for h in header]:
        raise InvalidInput(
            "file: the header row must name the columns, starting with external_id", field="file"
        )
    found = []
    for values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        found.append({h: "" if v is None else restore_cell(str(v.isoformat() if hasattr(v, "isoformat") else v))
                      for h, v in zip(header, values, strict=False) if h})  # fmt: skip
    return found


def write_csv(rows: list[dict[str, str]], columns: tuple[str, ...]) -> bytes:
    """The rows as UTF-8 CSV with a header row (with a byte-order mark, so spreadsheets read it as UTF-8);
    a text a spreadsheet would run as a formula gets a leading quote (skillatlas.exports)."""
    table = [list(columns), *([row.get(column, "") for column in columns] for row in rows)]
    return csv_text(table, lineterminator="\r\n").encode("utf-8-sig")


def write_xlsx(rows: list[dict[str, str]], columns: tuple[str, ...]) -> bytes:
    """The rows as an XLSX workbook of one sheet, every cell as text, never a formula (needs openpyxl)."""
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise InvalidInput(
            "format: writing XLSX needs the openpyxl package; export CSV", field="format"
        ) from exc
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "experts"
    append_row(sheet, list(columns))
    for row in rows:
        append_row(sheet, [row.get(column, "") for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export(rows: list[dict[str, str]], columns: tuple[str, ...], fmt: str) -> bytes:
    """The rows in the format ("csv" or "xlsx")."""
    if fmt == "xlsx":
        return write_xlsx(rows, columns)
    if fmt == "csv":
        return write_csv(rows, columns)
    raise InvalidInput(f"format: {fmt!r} is not csv or xlsx", field="format")
