"""What a suite is: the frame Great Expectations validates and the expectations it runs on it.

Plain data, no Great Expectations import (importing a suite module must stay cheap; the runner,
`expectations.validate`, turns checks into GE expectations only when it validates).

A suite's frame is a list of columns, each a DuckDB expression over the delivered (or published)
table. Most are the delivered text as is; a few are derived in DuckDB where a check needs a
number (an amount as the pipeline reads it, a BE year) or a lookup (a code missing from its
dimension), so that GE compares numbers and short columns instead of parsing text row by row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# never selected into a frame: an unexpected value shown as an example would leak them
from ingest.datasets import PERSONAL_COLUMNS


@dataclass(frozen=True)
class Column:
    name: str  # the column of the validated frame
    sql: str  # DuckDB expression over the source; `{schema}` names the published tables' schema
    uses: tuple[str, ...]  # source columns it reads (a column whose source is missing is left out)
    # An intermediate value later columns of the same select reuse by name (DuckDB resolves
    # earlier aliases); not handed to GE.
    helper: bool = False

    def __post_init__(self) -> None:
        if PERSONAL_COLUMNS & {self.name, *self.uses}:
            raise ValueError(
                f"{self.name}: personal data is never validated (examples would leak it)"
            )


def delivered(name: str) -> Column:
    """A delivered column as it is."""
    return Column(name, f'"{name}"', (name,))


def derived(name: str, sql: str, *uses: str) -> Column:
    return Column(name, sql, uses)


def helper(name: str, sql: str, *uses: str) -> Column:
    return Column(name, sql, uses, helper=True)


@dataclass(frozen=True)
class Check:
    """One Great Expectations expectation with its meaning for the people who read the outcome."""

    expectation: str  # GE expectation type, e.g. expect_column_values_to_match_regex
    kwargs: Mapping[str, object]
    th: str
    en: str

    @property
    def columns(self) -> tuple[str, ...]:
        """The frame columns it reads."""
        kwargs = self.kwargs
        if "column" in kwargs:
            return (str(kwargs["column"]),)
        if "column_list" in kwargs:
            return tuple(kwargs["column_list"])  # type: ignore[arg-type]
        if "column_A" in kwargs:
            return (str(kwargs["column_A"]), str(kwargs["column_B"]))
        return ()

    @property
    def column(self) -> str | None:
        """How findings name the column(s): compound keys joined with commas."""
        return ",".join(self.columns) or None

    @property
    def mostly(self) -> float:
        return float(self.kwargs.get("mostly", 1.0))  # type: ignore[arg-type]

    @property
    def description_th(self) -> str:
        if self.mostly < 1:
            return f"{self.th} (อย่างน้อยร้อยละ {self.mostly * 100:g} ของแถว)"
        return self.th

    @property
    def description_en(self) -> str:
        if self.mostly < 1:
            return f"{self.en} (in at least {self.mostly * 100:g}% of the rows)"
        return self.en


@dataclass(frozen=True)
class Suite:
    name: str  # "dopa/village_plans", "warehouse/fct_plan_item"
    required: tuple[str, ...]  # source columns that must be there
    columns: tuple[Column, ...]
    checks: tuple[Check, ...]
    # Published tables only: a table that may be empty, and whose shrinking is no alarm.
    may_be_empty: bool = False
    # Fed by one optional source (DLA's plan API, CDD's certification sheet): empty until that
    # source first delivers, then held to the same row guard as the rest.
    empty_until_delivered: bool = False
    fetched: tuple[Column, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = {c.name for c in self.columns}
        # Every required column is in the frame, so the column check sees whether it is there;
        # one no check reads is not fetched (all null), it only stands for the source's column.
        extra = tuple(
            Column(name, "cast(null as varchar)", (name,))
            for name in self.required
            if name not in names
        )
        object.__setattr__(self, "fetched", (*self.columns, *extra))
        known = {c.name for c in self.fetched}
        for check in self.checks:
            missing = set(check.columns) - known
            if missing:
                raise ValueError(f"{self.name}: {check.expectation} reads unknown {missing}")
        keys = [(c.expectation, c.column) for c in self.checks]
        if len(keys) != len(set(keys)):
            raise ValueError(f"{self.name}: two checks share an expectation and a column")

    def frame_columns(self, available: Iterable[str]) -> tuple[Column, ...]:
        """The frame's columns whose source columns are all available."""
        present = set(available)
        return tuple(c for c in self.fetched if set(c.uses) <= present)

    def checks_for(self, frame_columns: Iterable[str]) -> tuple[Check, ...]:
        """The checks that can run on a frame with these columns (the column check reports the rest)."""
        present = set(frame_columns)
        return tuple(c for c in self.checks if set(c.columns) <= present)


Part = Column | Check | Iterable["Part"]


def build(name: str, required: Iterable[str], *parts: Part, may_be_empty: bool = False) -> Suite:
    """A suite from its parts in reading order: columns, checks, and tuples of both (a check with
    the derived column it reads); the same column given twice is taken once."""
    columns: dict[str, Column] = {}
    checks: list[Check] = []

    def take(part: Part) -> None:
        if isinstance(part, Column):
            if columns.setdefault(part.name, part) != part:
                raise ValueError(f"{name}: two different columns named {part.name}")
        elif isinstance(part, Check):
            checks.append(part)
        else:
            for item in part:
                take(item)

    take(parts)
    return Suite(name, tuple(required), tuple(columns.values()), tuple(checks), may_be_empty)


def _mostly(mostly: float) -> dict[str, float]:
    return {"mostly": mostly} if mostly < 1 else {}


def columns_present(columns: Iterable[str], th: str, en: str) -> Check:
    return Check(
        "expect_table_columns_to_match_set",
        {"column_set": list(columns), "exact_match": False},
        th,
        en,
    )


def not_empty(th: str = "มีข้อมูลอย่างน้อยหนึ่งแถว", en: str = "It holds at least one row") -> Check:
    return Check("expect_table_row_count_to_be_between", {"min_value": 1}, th, en)


def matches(column: str, regex: str, th: str, en: str, mostly: float = 1.0) -> Check:
    return Check(
        "expect_column_values_to_match_regex",
        {"column": column, "regex": regex, **_mostly(mostly)},
        th,
        en,
    )


def in_set(column: str, values: Iterable[object], th: str, en: str, mostly: float = 1.0) -> Check:
    return Check(
        "expect_column_values_to_be_in_set",
        {"column": column, "value_set": sorted(values, key=str), **_mostly(mostly)},  # type: ignore[arg-type]
        th,
        en,
    )


def between(
    column: str,
    low: float | None,
    high: float | None,
    th: str,
    en: str,
    mostly: float = 1.0,
) -> Check:
    return Check(
        "expect_column_values_to_be_between",
        {"column": column, "min_value": low, "max_value": high, **_mostly(mostly)},
        th,
        en,
    )


def not_null(column: str, th: str, en: str, mostly: float = 1.0) -> Check:
    return Check(
        "expect_column_values_to_not_be_null", {"column": column, **_mostly(mostly)}, th, en
    )


def null(column: str, th: str, en: str, mostly: float = 1.0) -> Check:
    return Check("expect_column_values_to_be_null", {"column": column, **_mostly(mostly)}, th, en)


def unique(column: str, th: str, en: str, mostly: float = 1.0) -> Check:
    return Check("expect_column_values_to_be_unique", {"column": column, **_mostly(mostly)}, th, en)


def unique_together(columns: Iterable[str], th: str, en: str, mostly: float = 1.0) -> Check:
    return Check(
        "expect_compound_columns_to_be_unique",
        {"column_list": list(columns), **_mostly(mostly)},
        th,
        en,
    )


def at_least(column_a: str, column_b: str, th: str, en: str, mostly: float = 1.0) -> Check:
    """column_a >= column_b wherever both are known."""
    return Check(
        "expect_column_pair_values_a_to_be_greater_than_b",
        {
            "column_A": column_a,
            "column_B": column_b,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
            **_mostly(mostly),
        },
        th,
        en,
    )


def equal(column_a: str, column_b: str, th: str, en: str, mostly: float = 1.0) -> Check:
    """column_a == column_b wherever both are known."""
    return Check(
        "expect_column_pair_values_to_be_equal",
        {
            "column_A": column_a,
            "column_B": column_b,
            "ignore_row_if": "either_value_is_missing",
            **_mostly(mostly),
        },
        th,
        en,
    )
