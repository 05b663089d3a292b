"""CDD's community-plan workbook: two sheets, headers found by their content.

Cell values come from calamine through fastexcel, straight into Arrow string columns (see the
README for the measure against openpyxl and python-calamine). calamine cannot tell a formula
without a cached value from an empty cell, so the sheet's XML is scanned once for formula
cells that carry no value.
Before anything is opened the package is checked: a zip bomb (uncompressed size, ratio) and
XML DTD/entity declarations (defusedxml) are refused.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

import defusedxml.ElementTree as safe_xml
import fastexcel
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from defusedxml import DefusedXmlException

from ingest.datasets import Dataset, header_key, match_header
from ingest.parsed import Parsed, Skipped
from ingest.reasons import Rejection, reject
from ingest.textfile import check_header

HEADER_SEARCH_ROWS = 20
_SUBTOTAL = re.compile(r"^\s*(ยอด)?รวม(\s|$|ทั้ง|อำเภอ|ตำบล|หมู่)")
# A formula cell with no <v>: `<c r="I7" ...><f>…</f></c>` or `<c …><f …/></c>`.
_CONTENT_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>/]*>')
_FORMULA_WITHOUT_VALUE = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v></v>)?</c>'
)
_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}


def check_package(data: bytes, max_unzipped: int, max_ratio: int) -> zipfile.ZipFile:
    """Open the xlsx zip only if it is a sane, entity-free workbook."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise reject("not_a_workbook")
    package = zipfile.ZipFile(io.BytesIO(data))
    total = 0
    for info in package.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1 << 20 and ratio > max_ratio:
            raise reject("zip_bomb", detail=f"{info.filename}: {ratio:,.0f}× compression")
    if total > max_unzipped:
        raise reject("zip_bomb", detail=f"{total:,} bytes uncompressed")
    names = set(package.namelist())
    if "xl/workbook.xml" not in names:
        raise reject("not_a_workbook")
    for name in names:
        if name.endswith((".xml", ".rels")) and _declares_entities(package, name):
            raise reject("xml_entities", part=name)
    return package


def _declares_entities(package: zipfile.ZipFile, name: str, chunk: int = 1 << 20) -> bool:
    """A DTD or entity declaration anywhere in the part (comments may push it far down)."""
    tail = b""
    with package.open(name) as part:
        while block := part.read(chunk):
            window = tail + block
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                return True
            tail = window[-16:]
    return False


def _sheet_parts(package: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part, from workbook.xml and its relationships (parsed safely)."""
    try:
        workbook = safe_xml.fromstring(package.read("xl/workbook.xml"))
        rels = safe_xml.fromstring(package.read("xl/_rels/workbook.xml.rels"))
    except (DefusedXmlException, safe_xml.ParseError, KeyError) as error:
        raise reject("xml_entities", part=f"xl/workbook.xml ({type(error).__name__})") from None
    targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
    parts = {}
    for sheet in workbook.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        parts[sheet.get("name")] = (
            target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        )
    return parts


def _formula_cells(package: zipfile.ZipFile, part: str) -> set[tuple[int, int]]:
    """(row, column) of every formula cell without a cached value (0-based column)."""
    found = set()
    for match in _FORMULA_WITHOUT_VALUE.finditer(package.read(part)):
        column = 0
        for char in match.group(1):
            column = column * 26 + (char - 64)
        found.add((int(match.group(2)), column - 1))
    return found


def _find_header(
    dataset: Dataset, rows: list[list[object]], first_row: int
) -> tuple[int, int, list[str]]:
    """(index of the header's first row, rows it spans, flattened header cells).

    A two-row header has merged group cells on top (ที่ตั้ง over อำเภอ … ชื่อหมู่บ้าน): each
    column takes the lower cell when it has one, else the upper one."""
    texts = [["" if c is None else str(c) for c in row] for row in rows[:HEADER_SEARCH_ROWS]]
    singles = [match_header(dataset, cells).score for cells in texts]
    best = (-1, 0, [], 0)
    for i, cells in enumerate(texts):
        if singles[i] > best[3]:
            best = (i, 1, cells, singles[i])
        if i + 1 < len(texts):
            merged = [b if header_key(b) else t for t, b in zip(cells, texts[i + 1], strict=False)]
            score = match_header(dataset, merged).score
            # Two rows only when both contribute: a title row above a one-row header does not.
            if score > max(singles[i], singles[i + 1]) and score > best[3]:
                best = (i, 2, merged, score)
    if best[0] < 0:
        raise reject("no_header", f"sheet {dataset.sheet}", dataset=dataset.key)
    header = best[2]
    check_header(dataset, header, f"sheet {dataset.sheet} row {first_row + best[0]}")
    return best[0], best[1], header


def _grid_origin(package: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """(worksheet row, 0-based column) of the grid's top-left: calamine's range starts at the
    first row and the first column that hold a value."""
    xml = package.read(part)
    first = _CONTENT_CELL.search(xml)
    if first is None:
        return 1, 0
    if re.search(rb'<c r="A\d+"[^>/]*>', xml):
        return int(first.group(2)), 0
    columns = {m.group(1) for m in _CONTENT_CELL.finditer(xml)}
    return int(first.group(2)), min(_column_index(c) for c in columns)


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - 64)
    return index - 1


def read_workbook(
    data: bytes, datasets: list[Dataset], max_unzipped: int, max_ratio: int
) -> dict[str, Parsed | Rejection]:
    """Each dataset's sheet of one workbook; a missing sheet rejects that dataset only."""
    package = check_package(data, max_unzipped, max_ratio)
    parts = _sheet_parts(package)
    try:
        workbook = fastexcel.read_excel(data)
        names = workbook.sheet_names
    except Exception as error:  # fastexcel raises its own error classes for broken packages
        raise reject("not_a_workbook") from error
    results: dict[str, Parsed | Rejection] = {}
    for dataset in datasets:
        try:
            if dataset.sheet not in names:
                raise reject("sheet_missing", sheet=dataset.sheet, sheets=", ".join(names))
            try:
                sheet = workbook.load_sheet_by_name(dataset.sheet, header_row=None, dtypes="string")
                grid = sheet.to_arrow()
            except Exception as error:  # a sheet whose XML is cut off or corrupt
                raise reject("not_a_workbook", f"sheet {dataset.sheet}") from error
            results[dataset.key] = read_grid(grid, dataset, package, parts.get(dataset.sheet or ""))
        except Rejection as rejection:
            results[dataset.key] = rejection
    return results


def read_grid(
    grid: pa.Table, dataset: Dataset, package: zipfile.ZipFile, part: str | None
) -> Parsed:
    """The sheet's cells as text (fastexcel gives Arrow strings) → raw rows, vectorised."""
    if grid.num_rows == 0:
        raise reject("no_header", f"sheet {dataset.sheet}", dataset=dataset.key)
    first_row, first_column = _grid_origin(package, part) if part else (1, 0)
    head = [list(row.values()) for row in grid.slice(0, HEADER_SEARCH_ROWS).to_pylist()]
    start, span, header = _find_header(dataset, head, first_row)
    match = match_header(dataset, header)
    body = grid.slice(start + span)
    n = body.num_rows
    sheet_rows = np.arange(n) + first_row + start + span
    columns = [
        pc.replace_substring_regex(body.column(i), r"^(\d{4}-\d\d-\d\d) 00:00:00$", r"\1")
        for i in range(body.num_columns)
    ]
    # Formula cells with no cached value read as empty: find them in the XML, by position.
    flags = [None] * n if n else []
    flagged_rows = np.zeros(n, bool)
    if part:
        by_position = {v: k for k, v in match.positions.items()}
        for row, column in _formula_cells(package, part):
            at = row - int(sheet_rows[0]) if n else -1
            if 0 <= at < n:
                name = by_position.get(column - first_column, str(column - first_column))
                flags[at] = (
                    f"{flags[at]};formula_without_value:{name}"
                    if flags[at]
                    else f"formula_without_value:{name}"
                )
                flagged_rows[at] = True
    empty = np.ones(n, bool)
    for column in columns:
        empty &= np.asarray(pc.is_null(column).to_numpy(zero_copy_only=False))
    blank = empty & ~flagged_rows
    title_at = match.positions.get("project_name")
    no_title = (
        np.asarray(pc.is_null(columns[title_at]).to_numpy(zero_copy_only=False))
        if title_at is not None
        else np.ones(n, bool)
    )
    says_total = np.zeros(n, bool)
    for column in columns:
        says_total |= np.asarray(
            pc.fill_null(pc.match_substring_regex(column, _SUBTOTAL.pattern), False)
        )
    subtotal = ~blank & no_title & says_total
    keep = ~(blank | subtotal)
    skipped = [
        Skipped(
            str(first_row + i),
            "title_row" if i < start else "header_row",
            " | ".join(c for c in head[i] if c),
        )
        for i in range(start + span)
    ]
    reasons = np.where(blank, "blank_row", "subtotal_row")
    for i in np.flatnonzero(~keep):  # few rows: what each held, for the agency's report
        cells = [c[int(i)].as_py() for c in columns]
        skipped.append(
            Skipped(str(sheet_rows[i]), str(reasons[i]), " | ".join(c for c in cells if c))
        )
    mask = pa.array(keep)
    out = {
        c.name: (
            columns[match.positions[c.name]].filter(mask)
            if c.name in match.positions
            else pa.nulls(int(keep.sum()), pa.string())
        )
        for c in dataset.columns
    }
    kept = int(keep.sum())
    if kept == 0:
        raise reject("no_rows", f"sheet {dataset.sheet} row {first_row + start + span}")
    table = pa.table(out)
    table = (
        table.append_column("_source_row", pc.cast(pa.array(sheet_rows[keep]), pa.string()))
        .append_column("_source_line", pa.nulls(kept, pa.int64()))
        .append_column("_problem", pa.nulls(kept, pa.string()))
        .append_column(
            "_flags", pa.array([f for f, k in zip(flags, keep, strict=True) if k], pa.string())
        )
    )
    return Parsed(
        dataset=dataset.key,
        table=table,
        header=header,
        renamed=match.renamed,
        extra=match.extra,
        skipped=skipped,
        notes={
            "sheet": dataset.sheet,
            "title_rows": [s.values for s in skipped if s.reason == "title_row"],
            "header_rows": span,
        },
    )
