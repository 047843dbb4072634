"""Reading the expert import template: CSV (UTF-8) or XLSX (needs openpyxl), one dict per row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from skillatlas.errors import InvalidInput


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
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "external_id" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InvalidInput(
            "file: the header row must name the columns, starting with external_id", field="file"
        )
    return [{k: v for k, v in row.items() if k is not None} for row in reader]


def _xlsx(path: Path) -> list[dict[str, str]]:
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise InvalidInput(
            "file: reading XLSX needs the openpyxl package; save the sheet as CSV", field="file"
        ) from exc
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput(
            f"file: not a readable XLSX workbook ({exc.__class__.__name__})", field="file"
        ) from exc
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, ())]
    if "external_id" not in [h.lower() for h in header]:
        raise InvalidInput(
            "file: the header row must name the columns, starting with external_id", field="file"
        )
    found = []
    for values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        found.append({h: "" if v is None else str(v.isoformat() if hasattr(v, "isoformat") else v)
                      for h, v in zip(header, values, strict=False) if h})  # fmt: skip
    book.close()
    return found
