"""What a reader hands over: one dataset's rows as text, with lineage and what it skipped."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

# Lineage columns every raw table carries besides the delivered ones.
LINEAGE = pa.schema(
    [
        ("_source_row", pa.string()),  # 1-based data record; worksheet row; API record id
        ("_source_line", pa.int64()),  # physical line where a text record starts (null otherwise)
        ("_problem", pa.string()),  # why the row could not be split into the agreed columns
        ("_flags", pa.string()),  # cell-level notes, e.g. formula_without_value:budget
    ]
)


@dataclass
class Skipped:
    source_row: str
    reason: str  # blank_row | subtotal_row | title_row | header_row
    values: str  # what the row held, for the agency's report


@dataclass
class Parsed:
    dataset: str
    table: pa.Table  # raw columns (all string) + LINEAGE
    header: list[str]  # the delivered header cells
    renamed: dict[str, str] = field(default_factory=dict)  # delivered -> agreed header
    extra: list[str] = field(default_factory=list)  # delivered columns not in the agreement
    encoding: str | None = None
    evidence: dict[str, object] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)  # e.g. workbook title rows

    @property
    def rows(self) -> int:
        return self.table.num_rows
