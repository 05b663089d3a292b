"""Rejected rows as CSV and XLSX that are safe to open in a spreadsheet.

What the agencies delivered goes back to them, and a delivered cell may start with `=`, `+`,
`-` or `@` (or a tab or carriage return): opened in Excel or LibreOffice it would run as a
formula (CSV injection). As OWASP recommends, every such cell gets a leading single quote, so
the visible value stays otherwise as it was; in XLSX such cells are also written as strings.
CSV is UTF-8 with a BOM so that Excel shows the Thai text.

CSV files are written by DuckDB (`copy_csv`, neutralised in SQL: a national list runs to
hundreds of thousands of rows, too many for a Python loop); workbooks by openpyxl's streaming
writer.
"""

from __future__ import annotations

import codecs
import os
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CELL = 32_767  # characters Excel keeps in one cell
SHEET_TITLE_MAX = 31


def neutralise(value: object) -> object:
    """A text that a spreadsheet would run as a formula, prefixed with `'`; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_sql(expression: str) -> str:
    """`neutralise` as a DuckDB expression over a text `expression`."""
    triggers = ", ".join(f"chr({ord(character)})" for character in FORMULA_TRIGGERS)
    quote = "''''"  # a single quote, as an SQL literal
    return (
        f"case when left({expression}, 1) in ({triggers}) then {quote} || {expression}"
        f" else {expression} end"
    )


def copy_csv(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: Sequence[tuple[str, str]],
    path: Path,
    *,
    where: str = "true",
    order_by: str = "_order",
) -> None:
    """Write `columns` ((column, header) pairs) of `table` as a UTF-8 (BOM) CSV, every cell as
    neutralised text. `where` and `order_by` are SQL from this package's code, never data."""
    cells = ", ".join(
        neutralise_sql(f"cast({_identifier(name)} as varchar)")
        + f" as {_identifier(str(neutralise(header)))}"
        for name, header in columns
    )
    raw = path.with_name(f".{path.name}.raw")
    target = str(raw).replace("'", "''")
    con.execute(
        f"copy (select {cells} from {table} where {where} order by {order_by}) "
        f"to '{target}' (format csv, header true)"
    )
    partial = path.with_name(f".{path.name}.partial")
    with raw.open("rb") as source, partial.open("wb") as out:
        out.write(codecs.BOM_UTF8)
        shutil.copyfileobj(source, out, 1 << 20)
    raw.unlink()
    os.replace(partial, path)


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Sheet:
    """One worksheet: a header row and the rows under it (values: text, numbers or None)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[int] = field(default_factory=tuple)  # characters, per column


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write a workbook (openpyxl's streaming writer): bold frozen header, filters, widths."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook.create_sheet(_sheet_title(sheet.title)), sheet)
    partial = path.with_name(f".{path.name}.partial")
    workbook.save(partial)
    os.replace(partial, path)


def _write_sheet(worksheet: WriteOnlyWorksheet, sheet: Sheet) -> None:
    for index, width in enumerate(sheet.widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    header = []
    for name in sheet.header:
        cell = _string_cell(worksheet, name)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    worksheet.append(header)
    n_rows = 0
    for row in sheet.rows:
        worksheet.append([_cell(worksheet, value) for value in row])
        n_rows += 1
    if sheet.header:
        last = get_column_letter(len(sheet.header))
        worksheet.auto_filter.ref = f"A1:{last}{n_rows + 1}"


def _cell(worksheet: WriteOnlyWorksheet, value: object) -> object:
    """A plain value where openpyxl cannot take it for a formula; a string cell otherwise."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_TRIGGERS) or ILLEGAL_CHARACTERS_RE.search(value):
        return _string_cell(worksheet, value)
    return value[:XLSX_MAX_CELL]  # openpyxl types a text not starting with "=" as a string


def _string_cell(worksheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """A neutralised text, written as a string cell (`data_type` 's'), never as a formula."""
    text = str(neutralise(ILLEGAL_CHARACTERS_RE.sub("", value)))[:XLSX_MAX_CELL]
    cell = WriteOnlyCell(worksheet)
    cell._value = text  # set directly: the value setter would type `=…` as a formula
    cell.data_type = "s"
    return cell


def _sheet_title(title: str) -> str:
    for character in "[]:*?/\\":
        title = title.replace(character, " ")
    return title[:SHEET_TITLE_MAX]
