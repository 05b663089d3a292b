"""Vectorised text formatting: Thai digits, amounts, dates and delimited files.

Everything works on whole Arrow columns; a national delivery has millions of rows, so no
Python loop over rows here. Files are assembled from the data buffer of one Arrow string
array (a line per element), which is already the file's bytes in UTF-8.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
UTF8_BOM = b"\xef\xbb\xbf"


def strings(values: object) -> pa.Array:
    """An Arrow string array from a numpy array, list or Arrow array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == pa.string() else pc.cast(values, pa.string())
    return pa.array(values, type=pa.string())


def to_thai_digits(values: pa.Array) -> pa.Array:
    out = strings(values)
    for arabic, thai in zip("0123456789", THAI_DIGITS, strict=True):
        out = pc.replace_substring(out, arabic, thai)
    return out


def where(mask: np.ndarray, if_true: pa.Array, if_false: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask, type=pa.bool_()), if_true, if_false)


def join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate columns and literals element-wise (nulls count as empty)."""
    return pc.binary_join_element_wise(*parts, "", null_handling="replace", null_replacement="")


def with_thousands(values: np.ndarray) -> pa.Array:
    """Non-negative integers as `1,500,000`."""
    digits = pc.utf8_reverse(pc.cast(pa.array(values, type=pa.int64()), pa.string()))
    grouped = pc.replace_substring_regex(digits, r"(\d\d\d)", r"\1,")
    return pc.utf8_reverse(pc.utf8_rtrim(grouped, characters=","))


class AmountStyle:
    COMMAS = 0  # 150,000
    DECIMALS = 1  # 150000.00
    PLAIN = 2  # 150000
    COMMAS_DECIMALS = 3  # 150,000.00
    COUNT = 4


def format_amounts(baht: np.ndarray, style: np.ndarray) -> pa.Array:
    """Whole-baht amounts as agencies type them; zero is written `-`."""
    plain = pc.cast(pa.array(baht, type=pa.int64()), pa.string())
    commas = with_thousands(baht)
    out = where(style == AmountStyle.COMMAS, commas, plain)
    out = where(style == AmountStyle.DECIMALS, join(plain, ".00"), out)
    out = where(style == AmountStyle.COMMAS_DECIMALS, join(commas, ".00"), out)
    return where(baht == 0, pa.array(np.full(len(baht), "-")), out)


def be_dates(
    day: np.ndarray, month: np.ndarray, year_be: np.ndarray, style: np.ndarray
) -> pa.Array:
    """Dates as `d/m/yyyy` (BE), `dd/mm/yyyy`, `7 มี.ค. 2568` or `7 มีนาคม 2568` by style 0..3."""
    from simulator.vocabulary import THAI_MONTHS_LONG, THAI_MONTHS_SHORT

    d = pc.cast(pa.array(day, type=pa.int32()), pa.string())
    m = pc.cast(pa.array(month, type=pa.int32()), pa.string())
    y = pc.cast(pa.array(year_be, type=pa.int32()), pa.string())
    slash = join(d, "/", m, "/", y)
    padded = join(pc.utf8_lpad(d, 2, "0"), "/", pc.utf8_lpad(m, 2, "0"), "/", y)
    short = join(d, " ", pa.array(THAI_MONTHS_SHORT).take(pa.array(month - 1)), " ", y)
    long = join(d, " ", pa.array(THAI_MONTHS_LONG).take(pa.array(month - 1)), " ", y)
    out = where(style == 1, padded, slash)
    out = where(style == 2, short, out)
    return where(style == 3, long, out)


def quoted(values: pa.Array) -> pa.Array:
    """CSV quoting: every non-null value in double quotes, inner quotes doubled."""
    return join('"', pc.replace_substring(strings(values), '"', '""'), '"')


def lines_bytes(lines: pa.Array, eol: str) -> bytes:
    """The bytes of all lines, each followed by `eol`, without a Python loop."""
    with_eol = pc.cast(join(strings(lines), eol), pa.large_string())
    offsets = np.frombuffer(with_eol.buffers()[1], dtype=np.int64)
    start, end = offsets[with_eol.offset], offsets[with_eol.offset + len(with_eol)]
    return with_eol.buffers()[2].to_pybytes()[start:end]


def encode(text_utf8: bytes, encoding: str) -> bytes:
    """Re-encode UTF-8 bytes: `utf-8-sig` adds a BOM, `cp874` transcodes (strictly)."""
    if encoding == "utf-8":
        return text_utf8
    if encoding == "utf-8-sig":
        return UTF8_BOM + text_utf8
    return text_utf8.decode("utf-8").encode(encoding)


def delimited_lines(
    columns: Sequence[pa.Array],
    delimiter: str,
    *,
    quote: bool,
    trailing_delimiter: bool = False,
) -> pa.Array:
    cells = [quoted(c) if quote else strings(c) for c in columns]
    line = pc.binary_join_element_wise(
        *cells, delimiter, null_handling="replace", null_replacement=""
    )
    return join(line, delimiter) if trailing_delimiter else line


def write_delimited(
    path: Path,
    header: Sequence[str],
    columns: Sequence[pa.Array],
    *,
    delimiter: str,
    quote: bool,
    encoding: str,
    trailing_delimiter: bool = False,
    eol: str = "\r\n",
) -> None:
    """A delimited text file the way the agencies' systems export them."""
    head = delimited_lines(
        [pa.array([h]) for h in header],
        delimiter,
        quote=quote,
        trailing_delimiter=trailing_delimiter,
    )
    body = delimited_lines(columns, delimiter, quote=quote, trailing_delimiter=trailing_delimiter)
    data = lines_bytes(pa.concat_arrays([head, body]), eol)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode(data, encoding))


def lookup(mapping: dict[object, str], keys: object) -> pa.Array:
    """Map every key through a small dictionary, vectorised (unknown keys become null)."""
    domain = pa.array(list(mapping))
    values = pa.array(list(mapping.values()), pa.string())
    keys_array = (
        keys if isinstance(keys, pa.Array | pa.ChunkedArray) else pa.array(np.asarray(keys))
    )
    if keys_array.type != domain.type:
        keys_array = pc.cast(keys_array, domain.type)
    if isinstance(keys_array, pa.ChunkedArray):
        keys_array = keys_array.combine_chunks()
    return values.take(pc.index_in(keys_array, value_set=domain))
