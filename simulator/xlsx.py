"""Write XLSX workbooks straight from Arrow columns: fast, vectorised, byte-for-byte reproducible.

openpyxl and XlsxWriter build a Python object per cell, which is far too slow for the ~1 million
simulated CDD plan rows and which the project rules out for bulk work. This module writes the
OOXML package itself: each worksheet's XML is assembled column by column with pyarrow.compute
string kernels (never a Python loop per row or per cell), all text goes into one shared-string
table built by dictionary encoding, and the parts are zipped with fixed timestamps so that the
same input always gives the same bytes.

Layout of a sheet: the `head` rows (titles and headers, bold, from row 1), then the `body` rows.
A body row whose cells are all EMPTY is omitted from the XML (as Excel itself does); the row
numbers of the following rows are unaffected, so the gap still reads back as a blank row.
A cell whose value is null is treated as EMPTY whatever its kind.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CellKind", "Column", "Sheet", "column_letter", "write_workbook"]


class CellKind(IntEnum):
    EMPTY = 0  # no cell written
    TEXT = 1  # shared string (t="s")
    NUMBER = 2  # <v>value</v>, value is the decimal text
    DATE = 3  # Excel serial day number (text), shown with the d/m/yyyy style
    FORMULA = 4  # formula text without "="; Column.cached holds the cached value (null: none)


@dataclass(frozen=True)
class Column:
    values: pa.Array  # string array, one per body row (null allowed for EMPTY)
    kinds: np.ndarray  # int8 CellKind per body row
    cached: pa.Array | None = None  # cached values of FORMULA cells (null: no cached value)

    @classmethod
    def of_kind(cls, values: pa.Array, kind: CellKind) -> Column:
        """A column of one kind: every non-null value is a `kind` cell, every null is EMPTY."""
        valid = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        return cls(values, np.where(valid, np.int8(kind), np.int8(CellKind.EMPTY)))


@dataclass(frozen=True)
class Sheet:
    name: str
    head: list[list[str | None]]  # title and header rows, TEXT cells from row 1 (None: no cell)
    merges: list[str]  # e.g. ["A1:K1", "A3:A4", "B3:E3"]
    body: list[Column]  # starts on the row after `head`; all columns have the same length
    widths: list[float] | None = None  # column widths in Excel character units


# Zip entries carry this timestamp and docProps this creation date, so output is reproducible.
_ZIP_DATE_TIME = (2025, 10, 1, 0, 0, 0)
_CREATED = "2025-10-01T00:00:00Z"
# Level 1 deflate is ~2x faster overall than the default 6; files are ~25 % larger.
_COMPRESS_LEVEL = 1
# Rows per vectorised batch: bounds memory and keeps int32 string offsets far from overflow.
_BATCH_ROWS = 65_536

# Style indexes into cellXfs of _STYLES_XML.
_STYLE_DATE = 1
_STYLE_HEAD = 2

_XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"

# XML 1.0 forbids these even as character references; they are dropped.
_ILLEGAL_XML_RE = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
# Excel decodes _xHHHH_ in shared strings; a literal one is protected by escaping its "_".
_OOXML_ESCAPE_RE = r"_(x[0-9A-Fa-f]{4}_)"
# What Excel accepts in <v> for a number (xsd:double without INF/NaN).
_NUMBER_RE = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_MAX_ROWS = 1_048_576
_MAX_TEXT = 32_767  # characters in a cell; Excel calls a file with longer text corrupt
_MERGE_RE = re.compile(r"^[A-Z]{1,3}[1-9][0-9]*:[A-Z]{1,3}[1-9][0-9]*$")
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

# Pieces of a cell around its content, indexed by CellKind: <c r="B7 + mid + content + post.
_MID = pa.array(["", '" t="s"><v>', '"><v>', f'" s="{_STYLE_DATE}"><v>', '"><f>'])
_POST = pa.array(["", "</v></c>", "</v></c>", "</v></c>", "</c>"])
_MID_FORMULA_STR = '" t="str"><f>'  # formula whose cached value is text, not a number

_STYLES_XML = (
    f'{_XML_DECL}<styleSheet xmlns="{_NS_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="d/m/yyyy"/></numFmts>'
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Tahoma"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Tahoma"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"'
    ' applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letter(index: int) -> str:
    """Excel column name of a 0-based column index: 0 -> A, 25 -> Z, 26 -> AA."""
    if not 0 <= index < 16_384:
        raise ValueError(f"column index {index} outside Excel's A..XFD")
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def write_workbook(path: Path | str, sheets: list[Sheet]) -> None:
    """Write `sheets` as an .xlsx file at `path`; the same input always gives the same bytes."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    _check_sheet_names([sheet.name for sheet in sheets])
    bodies = [_normalised_body(sheet) for sheet in sheets]
    dictionary, head_indexes, body_indexes = _shared_strings(sheets, bodies)

    n = len(sheets)
    path = Path(path)
    # Written beside the target and renamed into place, so that a landing folder never holds a
    # half-written workbook (a bad NUMBER value is only found while its sheet is written).
    partial = path.with_name(f".{path.name}.partial")
    try:
        with zipfile.ZipFile(partial, "w") as package:
            _write_part(package, "[Content_Types].xml", _content_types_xml(n))
            _write_part(package, "_rels/.rels", _ROOT_RELS_XML)
            _write_part(package, "docProps/core.xml", _CORE_XML)
            _write_part(package, "docProps/app.xml", _APP_XML)
            _write_part(package, "xl/workbook.xml", _workbook_xml(sheets))
            _write_part(package, "xl/_rels/workbook.xml.rels", _workbook_rels_xml(n))
            _write_part(package, "xl/styles.xml", _STYLES_XML)
            with _open_part(package, "xl/sharedStrings.xml") as part:
                total = _count_valid(head_indexes, body_indexes)
                _write_shared_strings(part, dictionary, total)
            for number, (sheet, body, heads, indexes) in enumerate(
                zip(sheets, bodies, head_indexes, body_indexes, strict=True), start=1
            ):
                with _open_part(package, f"xl/worksheets/sheet{number}.xml") as part:
                    _write_sheet(part, sheet, body, heads, indexes)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# Input checks and normalisation


@dataclass(frozen=True)
class _Body:
    values: list[pa.StringArray]
    kinds: list[np.ndarray]
    cached: list[pa.StringArray | None]
    rows: int


def _as_strings(array: pa.Array | pa.ChunkedArray) -> pa.StringArray:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.string():
        array = pc.cast(array, pa.string())
    return array


def _normalised_body(sheet: Sheet) -> _Body:
    for merge in sheet.merges:
        if not _MERGE_RE.match(merge):
            raise ValueError(f"sheet {sheet.name!r}: merge {merge!r} is not like 'A1:K1'")
    if sheet.widths is not None and len(sheet.widths) > 16_384:
        raise ValueError(f"sheet {sheet.name!r}: more widths than Excel has columns")
    rows = len(sheet.body[0].values) if sheet.body else 0
    if len(sheet.head) + rows > _MAX_ROWS:
        raise ValueError(f"sheet {sheet.name!r}: more rows than Excel's {_MAX_ROWS:,}")
    values, kinds, cached = [], [], []
    for position, column in enumerate(sheet.body):
        where = f"sheet {sheet.name!r} column {column_letter(position)}"
        given_kinds = np.asarray(column.kinds)
        if len(column.values) != rows or len(given_kinds) != rows:
            raise ValueError(f"{where}: every body column needs {rows} values and kinds")
        # Checked before the cast to int8, which would wrap e.g. 257 round to TEXT.
        if given_kinds.size and (given_kinds.min() < 0 or given_kinds.max() > CellKind.FORMULA):
            raise ValueError(f"{where}: kinds must be CellKind values 0..4")
        column_kinds = np.ascontiguousarray(given_kinds, dtype=np.int8)
        if column.cached is not None and len(column.cached) != rows:
            raise ValueError(f"{where}: cached needs {rows} values")
        values.append(_as_strings(column.values))
        kinds.append(column_kinds)
        cached.append(None if column.cached is None else _as_strings(column.cached))
    return _Body(values, kinds, cached, rows)


def _check_sheet_names(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        # Excel's own rules; it refuses to open a workbook that breaks them.
        if not name or len(name) > 31 or _SHEET_NAME_FORBIDDEN.search(name):
            raise ValueError(f"sheet name {name!r}: 1-31 characters, none of []:*?/\\")
        if name.startswith("'") or name.endswith("'"):
            raise ValueError(f"sheet name {name!r} must not start or end with an apostrophe")
        if name.casefold() in seen:
            raise ValueError(f"sheet name {name!r} is used twice")
        seen.add(name.casefold())


# ---------------------------------------------------------------------------------------------
# Shared strings


def _shared_strings(
    sheets: list[Sheet], bodies: list[_Body]
) -> tuple[pa.StringArray, list[list[int | None]], list[list[pa.Int32Array]]]:
    """One table for the whole workbook, in order of first occurrence (sheet by sheet, heads
    first, then body columns top to bottom), plus every TEXT cell's index into it."""
    pieces: list[pa.StringArray] = []
    for sheet, body in zip(sheets, bodies, strict=True):
        pieces.append(pa.array([text for row in sheet.head for text in row], pa.string()))
        for values, kinds in zip(body.values, body.kinds, strict=True):
            text = kinds == CellKind.TEXT
            if text.all():  # the usual case; skips copying the column
                pieces.append(values)
            elif text.any():
                pieces.append(pc.if_else(pa.array(text), values, None))
            else:
                pieces.append(pa.nulls(len(values), pa.string()))
    encoded = pa.chunked_array(pieces, pa.string()).dictionary_encode()
    # The chunks share one growing dictionary, so the last chunk's is the whole table;
    # empty chunks are dropped, hence the re-slicing of the concatenated indices.
    if encoded.num_chunks:
        dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
        indexes = pa.concat_arrays([chunk.indices for chunk in encoded.chunks])
    else:
        dictionary, indexes = pa.array([], pa.string()), pa.array([], pa.int32())
    if len(dictionary) and pc.max(pc.utf8_length(dictionary)).as_py() > _MAX_TEXT:
        raise ValueError(f"a text cell is longer than Excel's {_MAX_TEXT:,} characters")

    offset = 0
    head_indexes: list[list[int | None]] = []
    body_indexes: list[list[pa.Int32Array]] = []
    for sheet, body in zip(sheets, bodies, strict=True):
        head_cells = sum(len(row) for row in sheet.head)
        head_indexes.append(indexes.slice(offset, head_cells).to_pylist())
        offset += head_cells
        body_indexes.append([])
        for _ in body.values:
            body_indexes[-1].append(indexes.slice(offset, body.rows))
            offset += body.rows
    return dictionary, head_indexes, body_indexes


def _count_valid(head_indexes: list[list[int | None]], body_indexes: list[list[pa.Array]]) -> int:
    heads = sum(index is not None for indexes in head_indexes for index in indexes)
    return heads + sum(len(array) - array.null_count for arrays in body_indexes for array in arrays)


def _escape_text(text: pa.StringArray, *, shared_string: bool) -> pa.StringArray:
    """XML-escape element text, vectorised; each pass runs only if the column needs it."""
    if pc.any(pc.match_substring_regex(text, _ILLEGAL_XML_RE)).as_py():
        text = pc.replace_substring_regex(text, _ILLEGAL_XML_RE, "")
    if shared_string and pc.any(pc.match_substring_regex(text, _OOXML_ESCAPE_RE)).as_py():
        text = pc.replace_substring_regex(text, _OOXML_ESCAPE_RE, r"_x005F_\1")
    # "&" first so the entities added after it are not escaped twice. A raw "\r" would be
    # turned into "\n" by every XML parser, so it travels as a character reference.
    for raw, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;")):
        if pc.any(pc.match_substring(text, raw)).as_py():
            text = pc.replace_substring(text, raw, entity)
    return text


def _write_shared_strings(part: IO[bytes], dictionary: pa.StringArray, total: int) -> None:
    unique = len(dictionary)
    part.write(
        f'{_XML_DECL}<sst xmlns="{_NS_MAIN}" count="{total}" uniqueCount="{unique}">'.encode()
    )
    for start in range(0, len(dictionary), _BATCH_ROWS):
        texts = _escape_text(dictionary.slice(start, _BATCH_ROWS), shared_string=True)
        # Leading or trailing whitespace survives only with xml:space="preserve".
        padded = pc.match_substring_regex(texts, r"^(?:\s|&#13;)|(?:\s|&#13;)$")
        opening = pc.if_else(padded, '<si><t xml:space="preserve">', "<si><t>")
        items = pc.binary_join_element_wise(opening, texts, "</t></si>", "")
        part.write(_joined_bytes(items))
    part.write(b"</sst>")


# ---------------------------------------------------------------------------------------------
# Worksheets


def _write_sheet(
    part: IO[bytes],
    sheet: Sheet,
    body: _Body,
    head_indexes: list[int | None],
    body_indexes: list[pa.Int32Array],
) -> None:
    head_rows = len(sheet.head)
    columns = max([len(body.values), *(len(row) for row in sheet.head)])
    last_row = head_rows + body.rows
    dimension = f"A1:{column_letter(columns - 1)}{last_row}" if columns and last_row else "A1"
    opening = [_XML_DECL, f'<worksheet xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">']
    opening.append(f'<dimension ref="{dimension}"/>')
    if sheet.widths:
        opening.append("<cols>")
        opening.extend(
            f'<col min="{number}" max="{number}" width="{width:g}" customWidth="1"/>'
            for number, width in enumerate(sheet.widths, start=1)
        )
        opening.append("</cols>")
    opening.append("<sheetData>")
    part.write("".join(opening).encode())

    # The head is a handful of rows, so plain Python is fine here.
    indexes = iter(head_indexes)
    for row_number, row in enumerate(sheet.head, start=1):
        row_indexes = [next(indexes) for _ in row]
        cells = [
            f'<c r="{column_letter(position)}{row_number}" s="{_STYLE_HEAD}" t="s">'
            f"<v>{index}</v></c>"
            for position, index in enumerate(row_indexes)
            if index is not None
        ]
        if cells:
            part.write(f'<row r="{row_number}">{"".join(cells)}</row>'.encode())

    letters = [column_letter(position) for position in range(len(body.values))]
    for start in range(0, body.rows if body.values else 0, _BATCH_ROWS):
        length = min(_BATCH_ROWS, body.rows - start)
        first = head_rows + start + 1
        row_numbers = pc.cast(
            pa.array(np.arange(first, first + length, dtype=np.int64)), pa.string()
        )
        cells = [
            _body_cells(
                letter,
                row_numbers,
                values.slice(start, length),
                kinds[start : start + length],
                None if cached is None else cached.slice(start, length),
                text_indexes.slice(start, length),
            )
            for letter, values, kinds, cached, text_indexes in zip(
                letters, body.values, body.kinds, body.cached, body_indexes, strict=True
            )
        ]
        occupied = np.logical_or.reduce(
            [np.asarray(cell.is_valid().to_numpy(zero_copy_only=False)) for cell in cells]
        )
        rows = pc.binary_join_element_wise(
            '<row r="', row_numbers, '">', *cells, "</row>", "",
            null_handling="replace", null_replacement="",
        )  # fmt: skip
        part.write(_joined_bytes(rows.filter(pa.array(occupied))))

    closing = ["</sheetData>"]
    if sheet.merges:
        closing.append(f'<mergeCells count="{len(sheet.merges)}">')
        closing.extend(f'<mergeCell ref="{merge}"/>' for merge in sheet.merges)
        closing.append("</mergeCells>")
    closing.append("</worksheet>")
    part.write("".join(closing).encode())


def _body_cells(
    letter: str,
    row_numbers: pa.StringArray,
    values: pa.StringArray,
    kinds: np.ndarray,
    cached: pa.StringArray | None,
    text_indexes: pa.Int32Array,
) -> pa.StringArray:
    """The <c> element of every cell of one column batch; null where no cell is written."""
    no_string = pa.scalar(None, pa.string())
    kind_codes = pa.array(kinds)
    mid = pc.take(_MID, kind_codes)
    # Exactly one of these is non-null per written cell; text_indexes is null outside TEXT.
    contents = [pc.cast(text_indexes, pa.string())]

    numeric = (kinds == CellKind.NUMBER) | (kinds == CellKind.DATE)
    if numeric.any():
        numbers = pc.if_else(pa.array(numeric), values, no_string)
        # A malformed <v> makes Excel refuse the whole file, so fail here instead.
        malformed = pc.fill_null(pc.invert(pc.match_substring_regex(numbers, _NUMBER_RE)), False)
        if pc.any(malformed).as_py():
            row = np.flatnonzero(malformed.to_numpy(zero_copy_only=False))[0]
            raise ValueError(
                f"cell {letter}{row_numbers[row]}: {numbers[row].as_py()!r} is not a number"
            )
        contents.append(numbers)

    formula = kinds == CellKind.FORMULA
    if formula.any():
        formula_mask = pa.array(formula)
        formulas = pc.if_else(formula_mask, values, no_string)
        formulas = _escape_text(pc.replace_substring_regex(formulas, "^=", ""), shared_string=False)
        cached_value: pa.Array | str = ""
        if cached is not None:
            cached = pc.if_else(formula_mask, cached, no_string)
            textual = pc.fill_null(pc.invert(pc.match_substring_regex(cached, _NUMBER_RE)), False)
            mid = pc.if_else(textual, _MID_FORMULA_STR, mid)
            cached_value = pc.fill_null(
                pc.binary_join_element_wise(
                    "<v>", _escape_text(cached, shared_string=False), "</v>", ""
                ),
                "",
            )
        contents.append(pc.binary_join_element_wise(formulas, "</f>", cached_value, ""))

    content = contents[0] if len(contents) == 1 else pc.coalesce(*contents)
    return pc.binary_join_element_wise(
        f'<c r="{letter}', row_numbers, mid, content, pc.take(_POST, kind_codes), ""
    )


def _joined_bytes(strings: pa.StringArray) -> pa.Buffer | bytes:
    """All strings back to back, as a slice of the array's data buffer (no copy)."""
    if len(strings) == 0 or strings.buffers()[2] is None:
        return b""
    assert strings.null_count == 0, "null slots may hold stray bytes"
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)
    first, last = offsets[strings.offset], offsets[strings.offset + len(strings)]
    return strings.buffers()[2].slice(int(first), int(last - first))


# ---------------------------------------------------------------------------------------------
# Package parts


def _zip_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info._compresslevel = _COMPRESS_LEVEL  # no public per-entry setter before Python 3.13
    info.create_system = 3  # the default depends on the OS, which would change the bytes
    info.external_attr = 0o644 << 16
    return info


def _write_part(package: zipfile.ZipFile, name: str, text: str) -> None:
    package.writestr(_zip_info(name), text.encode())


def _open_part(package: zipfile.ZipFile, name: str) -> IO[bytes]:
    return package.open(_zip_info(name), "w")


def _attribute(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _content_types_xml(sheets: int) -> str:
    overrides = [
        ("/xl/workbook.xml", f"{_CT}.sheet.main+xml"),
        *((f"/xl/worksheets/sheet{n}.xml", f"{_CT}.worksheet+xml") for n in range(1, sheets + 1)),
        ("/xl/styles.xml", f"{_CT}.styles+xml"),
        ("/xl/sharedStrings.xml", f"{_CT}.sharedStrings+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        (
            "/docProps/app.xml",
            "application/vnd.openxmlformats-officedocument.extended-properties+xml",
        ),
    ]
    return (
        f'{_XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{part}" ContentType="{kind}"/>' for part, kind in overrides)
        + "</Types>"
    )


_ROOT_RELS_XML = (
    f'{_XML_DECL}<Relationships xmlns="{_NS_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships'
    '/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_NS_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
)

_CORE_XML = (
    f"{_XML_DECL}<cp:coreProperties"
    ' xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"'
    ' xmlns:dcmitype="http://purl.org/dc/dcmitype/"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:creator>muban simulator</dc:creator>"
    f'<dcterms:created xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:created>'
    f'<dcterms:modified xsi:type="dcterms:W3CDTF">{_CREATED}</dcterms:modified>'
    "</cp:coreProperties>"
)

_APP_XML = (
    f"{_XML_DECL}<Properties"
    ' xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Application>muban simulator</Application></Properties>"
)


def _workbook_xml(sheets: list[Sheet]) -> str:
    entries = "".join(
        f'<sheet name="{_attribute(sheet.name)}" sheetId="{n}" r:id="rId{n}"/>'
        for n, sheet in enumerate(sheets, start=1)
    )
    # fullCalcOnLoad: Excel recomputes formulas on opening, which fills in absent cached values.
    return (
        f'{_XML_DECL}<workbook xmlns="{_NS_MAIN}" xmlns:r="{_NS_REL}">'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f'<sheets>{entries}</sheets><calcPr calcId="191029" fullCalcOnLoad="1"/></workbook>'
    )


def _workbook_rels_xml(sheets: int) -> str:
    links = [(f"rId{n}", "worksheet", f"worksheets/sheet{n}.xml") for n in range(1, sheets + 1)]
    links.append((f"rId{sheets + 1}", "styles", "styles.xml"))
    links.append((f"rId{sheets + 2}", "sharedStrings", "sharedStrings.xml"))
    return (
        f'{_XML_DECL}<Relationships xmlns="{_NS_PKG_REL}">'
        + "".join(
            f'<Relationship Id="{rid}" Type="{_NS_REL}/{kind}" Target="{target}"/>'
            for rid, kind, target in links
        )
        + "</Relationships>"
    )
