"""Delimited text deliveries: the DOPA registry (pipe, trailing `|`), DOPA plans and the LAO
registry (quoted CSV with embedded commas, quotes and line breaks)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ingest.datasets import Dataset, HeaderMatch, best_other, match_header
from ingest.encoding import decode
from ingest.parsed import LINEAGE, Parsed, Skipped
from ingest.reasons import reject


def _header_cells(first_line: str, dataset: Dataset) -> list[str]:
    cells = next(csv.reader([first_line], delimiter=dataset.delimiter)) if first_line else []
    if dataset.trailing_delimiter and cells and cells[-1] == "":
        cells = cells[:-1]
    return cells


def check_header(dataset: Dataset, cells: list[str], where: str) -> HeaderMatch:
    """The delivered header must be this dataset's (agreed names or known variants)."""
    match = match_header(dataset, cells)
    if match.missing:
        other = best_other(dataset, cells)
        if other is not None:
            raise reject("wrong_dataset", where, other=other, dataset=dataset.key)
        if match.score == 0:
            raise reject("no_header", where, dataset=dataset.key)
        raise reject("missing_columns", where, columns=", ".join(match.missing))
    return match


def read_delimited(data: bytes, dataset: Dataset) -> Parsed:
    if not data.strip():
        raise reject("empty_file")
    decoded = decode(data)
    text = decoded.text
    if "\r" in text and "\n" not in text:
        # "CSV (Macintosh)": lines end in CR alone.
        text = text.replace("\r", "\n")
        decoded.evidence["line_endings"] = "CR"
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).rstrip("\r")
    header = _header_cells(first, dataset)
    match = check_header(dataset, header, "line 1")
    body = "" if end < 0 else text[end + 1 :]
    width = len(header)
    fast = "\n\n" not in body and "\n\r\n" not in body and not body.startswith(("\n", "\r\n"))
    table = None
    if fast and body.strip():
        table = _read_fast(body, dataset, width)
    if table is None:
        table, skipped = _read_slow(body, dataset, width)
    else:
        skipped = []
    if table.num_rows == 0:
        raise reject("no_rows", "line 2")
    columns = {}
    for column in dataset.columns:
        at = match.positions.get(column.name)
        columns[column.name] = (
            table.column(at) if at is not None else pa.nulls(table.num_rows, pa.string())
        )
    for field in LINEAGE:
        columns[field.name] = table.column(field.name)
    return Parsed(
        dataset=dataset.key,
        table=pa.table(columns),
        header=header,
        renamed=match.renamed,
        extra=match.extra,
        encoding=decoded.encoding,
        evidence=decoded.evidence,
        skipped=skipped,
    )


def _read_fast(body: str, dataset: Dataset, width: int) -> pa.Table | None:
    """pyarrow's multi-threaded reader; None when the file needs the careful path."""
    names = [f"c{i}" for i in range(width + (1 if dataset.trailing_delimiter else 0))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(body.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=names, block_size=16 << 20),
            parse_options=pacsv.ParseOptions(
                delimiter=dataset.delimiter,
                quote_char='"' if dataset.delimiter == "," else False,
                newlines_in_values=dataset.delimiter == ",",
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None
    if dataset.trailing_delimiter:
        last = table.column(names[-1])
        if pc.any(pc.not_equal(last, "")).as_py():
            return None
        table = table.drop_columns([names[-1]])
    n = table.num_rows
    # Where each record starts: line 2, plus one per earlier record, plus embedded line breaks.
    breaks = np.zeros(n, np.int64)
    for name in table.column_names:
        breaks += np.asarray(
            pc.count_substring(table.column(name), "\n").to_numpy(zero_copy_only=False)
        )
    start = (
        2 + np.arange(n) + np.concatenate([[0], np.cumsum(breaks)[:-1]])
        if n
        else np.zeros(0, np.int64)
    )
    table = table.rename_columns([str(i) for i in range(width)])
    return (
        table.append_column("_source_row", pc.cast(pa.array(np.arange(1, n + 1)), pa.string()))
        .append_column("_source_line", pa.array(start, pa.int64()))
        .append_column("_problem", pa.nulls(n, pa.string()))
        .append_column("_flags", pa.nulls(n, pa.string()))
    )


def _read_slow(body: str, dataset: Dataset, width: int) -> tuple[pa.Table, list[Skipped]]:
    """Row by row, for files with blank lines or rows of the wrong width: keeps every row,
    marks the malformed ones, and records blank lines as skipped."""
    reader = csv.reader(
        io.StringIO(body, newline=""),
        delimiter=dataset.delimiter,
        quoting=csv.QUOTE_MINIMAL if dataset.delimiter == "," else csv.QUOTE_NONE,
    )
    cells: list[list[str | None]] = [[] for _ in range(width)]
    rows, lines, problems = [], [], []
    skipped: list[Skipped] = []
    record = 0
    line = 2
    for fields in reader:
        start = line
        line = reader.line_num + 2
        if not fields or all(f.strip() == "" for f in fields):
            skipped.append(Skipped(f"line {start}", "blank_row", ""))
            continue
        record += 1
        if dataset.trailing_delimiter and len(fields) == width + 1 and fields[-1] == "":
            fields = fields[:-1]
        problem = None
        if len(fields) != width:
            problem = f"expected {width} fields, found {len(fields)}"
        for i in range(width):
            cells[i].append(fields[i] if i < len(fields) and problem is None else None)
        rows.append(str(record))
        lines.append(start)
        problems.append(
            problem if problem is None else f"{problem}: {dataset.delimiter.join(fields)[:500]}"
        )
    columns = {str(i): pa.array(cells[i], pa.string()) for i in range(width)}
    columns["_source_row"] = pa.array(rows, pa.string())
    columns["_source_line"] = pa.array(lines, pa.int64())
    columns["_problem"] = pa.array(problems, pa.string())
    columns["_flags"] = pa.nulls(len(rows), pa.string())
    return pa.table(columns), skipped
