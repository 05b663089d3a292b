"""Pieces the published-table suites share. These suites protect analysts and block publication:
every check is all-or-nothing (no `mostly`), so a healthy publication passes them all.

Foreign-key-like checks against large dimensions are looked up in DuckDB (the code its dimension
lacks, else null) and GE expects that column to be null: a value set of 90,000 village codes
passed to GE would cost more than the whole suite.
"""

from __future__ import annotations

from expectations import sql
from expectations.suite import (
    Check,
    Column,
    between,
    columns_present,
    delivered,
    derived,
    in_set,
    matches,
    not_null,
    null,
    unique,
    unique_together,
)

VILLAGE_KEY_REGEX = r"^(?:\d{8}|C\d{6,7}-[0-9a-f]{6})$"


def agreed_columns(columns: tuple[str, ...]) -> Check:
    return columns_present(
        columns,
        "มีคอลัมน์ครบตามที่ประกาศไว้ใน warehouse.md",
        "Every column warehouse.md promises is there",
    )


def key(column: str, what: str) -> tuple[Check, Check]:
    return (
        not_null(column, f"มี{what}ทุกแถว", f"Every row has its {column}"),
        unique(column, f"{what}ไม่ซ้ำกัน", f"No {column} appears twice"),
    )


def grain(columns: tuple[str, ...]) -> Check:
    names = ", ".join(columns)
    return unique_together(columns, f"หนึ่งแถวต่อ ({names})", f"One row per ({names})")


def required(column: str) -> Check:
    return not_null(column, f"มีค่า {column} ทุกแถว", f"Every row has a {column}")


def fiscal_year(column: str = "fiscal_year") -> tuple[Check, Check]:
    low, high = sql.year_window()
    return required(column), between(
        column,
        low,
        high,
        f"ปีงบประมาณอยู่{sql.in_window_th(low, high)}",
        f"The {column} lies between {low} and {high} BE",
    )


def amount(column: str) -> Check:
    return between(
        column,
        0,
        None,
        f"จำนวนเงิน {column} ไม่ติดลบ",
        f"The {column} is not negative",
    )


def share(column: str) -> Check:
    return between(column, 0, 1, f"{column} อยู่ระหว่าง 0 ถึง 1", f"The {column} lies between 0 and 1")


def digits(column: str, n: int) -> Check:
    return matches(
        column, rf"^\d{{{n}}}$", f"{column} เป็นรหัส {n} หลัก", f"The {column} is a {n}-digit code"
    )


def village_key(column: str = "village_code") -> Check:
    return matches(
        column,
        VILLAGE_KEY_REGEX,
        f"{column} เป็นรหัสหมู่บ้าน 8 หลัก หรือรหัสชุมชน (C + รหัส อปท. หรือรหัสตำบล + รหัสชื่อ)",
        f"The {column} is an 8-digit village code or a community key (C + LAO or subdistrict code + name hash)",
    )


def known(column: str, table: str, key_column: str | None = None) -> tuple[Column, Check]:
    """Every non-null code is in its dimension."""
    name = f"{column}_not_in_{table}"
    return derived(name, sql.orphan(column, table, key_column), column), null(
        name,
        f"{column} ทุกค่ามีอยู่ใน {table}",
        f"Every {column} is in {table}",
    )


def one_of(column: str, values: frozenset[object] | set[object]) -> Check:
    shown = ", ".join(sorted(map(str, values)))
    return in_set(column, values, f"{column} เป็นค่าหนึ่งใน {shown}", f"The {column} is one of {shown}")


def number(column: str) -> Column:
    """A published number as GE compares it fastest (DECIMAL and INTEGER as DOUBLE)."""
    return derived(column, f"cast({column} as double)", column)


def as_is(*columns: str) -> tuple[Column, ...]:
    return tuple(delivered(c) for c in columns)
