"""Pieces every agency's delivery builder shares."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.defects import Injector
from simulator.textformat import AmountStyle, format_amounts, join, strings, to_thai_digits, where

TRUTH_SCHEMA = pa.schema(
    [
        ("dataset", pa.string()),
        ("source_file", pa.string()),
        (
            "source_row",
            pa.int64(),
        ),  # 1-based data record in a text file; worksheet row in a workbook
        ("record_id", pa.string()),  # API record id (DLA: project_id:edition, CKAN: _id)
        ("row_kind", pa.string()),  # data | duplicate | superseded | blank | subtotal
        ("village_keys", pa.list_(pa.string())),  # true village codes (or community keys)
        ("project_id", pa.string()),  # true real-world project id
        ("defects", pa.list_(pa.string())),
    ]
)


@dataclass
class Delivery:
    """One delivered file (or API store part) and the truth of its rows."""

    path: str  # relative to the landing folder (or the API folder)
    truth: pa.Table


def truth_table(
    dataset: str,
    source_file: str,
    *,
    source_row: np.ndarray | None = None,
    record_id: pa.Array | None = None,
    row_kind: pa.Array,
    village_keys: pa.Array,
    project_id: pa.Array,
    defects: pa.Array,
) -> pa.Table:
    n = len(row_kind)
    return pa.table(
        {
            "dataset": pa.array(np.full(n, dataset), pa.string()),
            "source_file": pa.array(np.full(n, source_file), pa.string()),
            "source_row": pa.array(source_row, pa.int64())
            if source_row is not None
            else pa.nulls(n, pa.int64()),
            "record_id": record_id if record_id is not None else pa.nulls(n, pa.string()),
            "row_kind": row_kind,
            "village_keys": village_keys,
            "project_id": project_id,
            "defects": defects,
        },
        schema=TRUTH_SCHEMA,
    )


def single_keys(keys: pa.Array) -> pa.Array:
    """Each key as a one-element list (null key: empty list)."""
    keys = strings(keys)
    offsets = np.concatenate(
        [[0], np.cumsum(np.asarray(pc.is_valid(keys)).astype(np.int32))]
    ).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), keys.drop_null())


def amounts(
    injector: Injector,
    baht: np.ndarray,
    rng: np.random.Generator,
    *,
    absurd_limit: int = 500_000_000,
    dash: bool = True,
) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Amount text with the plan-amount defects (formatting, `-`, negative, absurd, Thai digits),
    the signed value it stands for, and which rows must stay text (their look is the defect)."""
    n = len(baht)
    baht = baht.copy()
    dash = injector.rows("dash_amount") if dash else np.zeros(n, bool)
    baht[dash] = 0
    absurd = injector.rows("absurd_budget", eligible=baht > 0)
    baht[absurd] = np.maximum(baht[absurd] * 1000, absurd_limit + 1000)
    styles = np.where(rng.random(n) < 0.7, AmountStyle.COMMAS, AmountStyle.PLAIN)
    fancy = injector.rows("amount_formatting", eligible=baht > 0)
    styles = np.where(
        fancy, rng.choice([AmountStyle.DECIMALS, AmountStyle.COMMAS_DECIMALS], n), styles
    )
    text = format_amounts(baht, styles)
    spaced = fancy & (rng.random(n) < 0.4)
    text = where(spaced, join(pc.replace_substring(text, ",", " "), " บาท"), text)
    negative = injector.rows("negative_budget", eligible=baht > 0)
    text = where(negative, join("-", text), text)
    thai = injector.rows("thai_digits")
    value = np.where(negative, -baht, baht)
    return where(thai, to_thai_digits(text), text), value, thai | fancy | dash


def stray_spaces(
    values: pa.Array, mask: np.ndarray, rng: np.random.Generator, *, nbsp: bool = True
) -> pa.Array:
    """Doubled inner spaces, a leading or trailing space, or a non-breaking space."""
    how = rng.integers(0, 4 if nbsp else 3, len(mask))
    values = strings(values)
    out = where(mask & (how == 0), pc.replace_substring(values, " ", "  "), values)
    out = where(mask & (how == 1), join(" ", out), out)
    out = where(mask & (how == 2), join(out, " "), out)
    if nbsp:
        out = where(
            mask & (how == 3), pc.replace_substring(out, " ", "\u00a0", max_replacements=1), out
        )
    return out


def zero_width(values: pa.Array, mask: np.ndarray, rng: np.random.Generator) -> pa.Array:
    """A zero-width space after the third character."""
    values = strings(values)
    head = pc.utf8_slice_codeunits(values, 0, 3)
    tail = pc.utf8_slice_codeunits(values, 3)
    return where(mask, join(head, "\u200b", tail), values)
