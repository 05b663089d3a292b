"""CDD's community-plan workbook: two sheets, headers found by their content.

python-calamine reads the cell values (about ten times faster than openpyxl's read-only mode
on these workbooks; see README). It cannot tell a formula without a cached value from an
empty cell, so the sheet's XML is scanned once for formula cells that carry no value.
Before anything is opened the package is checked: a zip bomb (uncompressed size, ratio) and
XML DTD/entity declarations (defusedxml) are refused.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile

import defusedxml.ElementTree as safe_xml
import pyarrow as pa
from defusedxml import DefusedXmlException
from python_calamine import CalamineError, CalamineWorkbook

from ingest.datasets import Dataset, header_key, match_header
from ingest.parsed import Parsed, Skipped
from ingest.reasons import Rejection, reject
from ingest.textfile import check_header

HEADER_SEARCH_ROWS = 20
_SUBTOTAL = re.compile(r"^\s*(ยอด)?รวม(\s|$|ทั้ง|อำเภอ|ตำบล|หมู่)")
# A formula cell with no <v>: `<c r="I7" ...><f>…</f></c>` or `<c …><f …/></c>`.
_FORMULA_WITHOUT_VALUE = re.compile(
    rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)</c>'
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
        if name.endswith((".xml", ".rels")):
            with package.open(name) as part:
                head = part.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise reject("xml_entities", part=name)
    return package


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


def cell_text(value: object) -> str | None:
    """A cell as text, as delivered: numbers without a spurious `.0`, dates in ISO form."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _find_header(
    dataset: Dataset, rows: list[list[object]], first_row: int
) -> tuple[int, int, list[str]]:
    """(index of the header's first row, rows it spans, flattened header cells).

    A two-row header has merged group cells on top (ที่ตั้ง over อำเภอ … ชื่อหมู่บ้าน): each
    column takes the lower cell when it has one, else the upper one."""
    best = (-1, 0, [], 0)
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        single = ["" if c is None else str(c) for c in row]
        candidates = [(1, single)]
        if i + 1 < len(rows):
            below = ["" if c is None else str(c) for c in rows[i + 1]]
            candidates.append(
                (2, [b if header_key(b) else t for t, b in zip(single, below, strict=False)])
            )
        for span, cells in candidates:
            score = match_header(dataset, cells).score
            if score > best[3]:
                best = (i, span, cells, score)
    if best[0] < 0:
        raise reject("no_header", f"sheet {dataset.sheet}", dataset=dataset.key)
    header = best[2]
    check_header(dataset, header, f"sheet {dataset.sheet} row {first_row + best[0]}")
    return best[0], best[1], header


def read_workbook(
    data: bytes, datasets: list[Dataset], max_unzipped: int, max_ratio: int
) -> dict[str, Parsed | Rejection]:
    """Each dataset's sheet of one workbook; a missing sheet rejects that dataset only."""
    package = check_package(data, max_unzipped, max_ratio)
    parts = _sheet_parts(package)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as error:
        raise reject("not_a_workbook") from error
    results: dict[str, Parsed | Rejection] = {}
    for dataset in datasets:
        try:
            results[dataset.key] = _read_sheet(workbook, package, parts, dataset)
        except Rejection as rejection:
            results[dataset.key] = rejection
    return results


def _read_sheet(
    workbook: CalamineWorkbook, package: zipfile.ZipFile, parts: dict[str, str], dataset: Dataset
) -> Parsed:
    assert dataset.sheet is not None
    if dataset.sheet not in workbook.sheet_names:
        raise reject("sheet_missing", sheet=dataset.sheet, sheets=", ".join(workbook.sheet_names))
    sheet = workbook.get_sheet_by_name(dataset.sheet)
    rows = sheet.to_python(skip_empty_area=False)
    first_row = 1  # skip_empty_area=False: the first list is worksheet row 1
    if not rows:
        raise reject("no_header", f"sheet {dataset.sheet}", dataset=dataset.key)
    start, span, header = _find_header(dataset, rows, first_row)
    match = match_header(dataset, header)
    no_value = _formula_cells(package, parts[dataset.sheet]) if dataset.sheet in parts else set()
    skipped = [
        Skipped(
            str(first_row + i),
            "title_row" if i < start else "header_row",
            " | ".join(filter(None, map(cell_text, rows[i]))),
        )
        for i in range(start + span)
    ]
    width = len(header)
    title_column = match.positions.get("project_name")
    out: list[list[str | None]] = [[] for _ in dataset.columns]
    source_rows, flags = [], []
    by_position = {v: k for k, v in match.positions.items()}
    for i in range(start + span, len(rows)):
        row = rows[i]
        sheet_row = first_row + i
        cells = [cell_text(row[j]) if j < len(row) else None for j in range(width)]
        missing_value = [j for j in range(width) if (sheet_row, j) in no_value] if no_value else []
        if all(c is None for c in cells) and not missing_value:
            skipped.append(Skipped(str(sheet_row), "blank_row", ""))
            continue
        texts = [c for c in cells if c]
        if (title_column is None or cells[title_column] is None) and any(
            _SUBTOTAL.match(t) for t in texts
        ):
            skipped.append(Skipped(str(sheet_row), "subtotal_row", " | ".join(texts)))
            continue
        for k, column in enumerate(dataset.columns):
            at = match.positions.get(column.name)
            out[k].append(cells[at] if at is not None else None)
        source_rows.append(str(sheet_row))
        flags.append(
            ";".join(f"formula_without_value:{by_position.get(j, j)}" for j in missing_value)
            or None
        )
    table = pa.table({c.name: pa.array(out[k], pa.string()) for k, c in enumerate(dataset.columns)})
    n = table.num_rows
    table = (
        table.append_column("_source_row", pa.array(source_rows, pa.string()))
        .append_column("_source_line", pa.nulls(n, pa.int64()))
        .append_column("_problem", pa.nulls(n, pa.string()))
        .append_column("_flags", pa.array(flags, pa.string()))
    )
    titles = [s.values for s in skipped if s.reason == "title_row"]
    return Parsed(
        dataset=dataset.key,
        table=table,
        header=header,
        renamed=match.renamed,
        extra=match.extra,
        skipped=skipped,
        notes={"sheet": dataset.sheet, "title_rows": titles, "header_rows": span},
    )
