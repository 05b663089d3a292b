"""DuckDB expressions that read a delivered text the way dbt staging does, and the shared value
sets, so that a suite never flags what the pipeline legitimately repairs.

The readers are the dbt project's macros themselves (dbt_project/macros), rendered here.
"""

from __future__ import annotations

import csv
import datetime
from functools import cache
from pathlib import Path
from typing import Any

from ingest.datasets import DATASETS as DELIVERED

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"
MACROS = SEEDS.parent / "macros"
MACRO_FILES = ("thai_text.sql", "amounts.sql", "staging_opsmoi.sql")

# Digits as delivered: Arabic or Thai.
DIGIT = "[0-9๐-๙]"
# Blank around a value (RE2): spaces, non-breaking spaces (a stray space is repaired, not wrong).
BLANK = r"[\s\x{00a0}]*"


@cache
def _staging_macros() -> Any:
    """The dbt project's own readers (macros), rendered with Jinja: a suite reads a delivered
    text exactly as staging does, from the one definition."""
    import jinja2

    text = "\n".join((MACROS / name).read_text(encoding="utf-8") for name in MACRO_FILES)
    return jinja2.Environment(autoescape=False).from_string(text).module


def arabic_digits(column: str) -> str:
    """macro arabic_digits."""
    return f"({_staging_macros().arabic_digits(column)})"


def baht(column: str) -> str:
    """macro baht, as a double; the plain forms (most amounts) are read by a cast alone before
    the macro's regex repairs run."""
    plain = f"try_cast(replace({column}, ',', '') as decimal(18, 2))"
    return f"cast(coalesce({plain}, {_staging_macros().baht(column)}) as double)"


def readable_amount(column: str) -> str:
    """macro is_readable_amount: blank, a lone - (zero) or what macro baht reads."""
    return f"({_staging_macros().is_readable_amount(column)})"


def be_year(column: str) -> str:
    """macro be_year, as a double."""
    return f"cast({_staging_macros().be_year(column)} as double)"


def whole_number(column: str) -> str:
    """macro household_count, as a double."""
    return f"cast({_staging_macros().household_count(column)} as double)"


def compact(column: str) -> str:
    """A category as compared: without spaces and zero-width characters (both are repaired)."""
    return f"nullif(regexp_replace({column}, '[\\s\\x{{00a0}}\\x{{200b}}-\\x{{200d}}\\x{{feff}}]+', '', 'g'), '')"


def compacted(values: set[str]) -> set[str]:
    """The value set in the form `compact` gives."""
    return {"".join(v.split()) for v in values}


def current_fiscal_year(today: datetime.date | None = None) -> int:
    """The Thai fiscal year (BE) running today: 1 Oct – 30 Sep, named by the year it ends in."""
    today = today or datetime.date.today()
    return today.year + 543 + (1 if today.month >= 10 else 0)


def year_window() -> tuple[int, int]:
    """Plausible plan and survey years: back to the five-year plan before the current one, up
    to the end of the next one."""
    now = current_fiscal_year()
    return now - 10, now + 10


def in_window_th(low: int, high: int) -> str:
    return f"ระหว่าง พ.ศ. {low} ถึง {high}"


@cache
def _seed(name: str) -> tuple[dict[str, str], ...]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as f:
        return tuple(csv.DictReader(f))


def source_categories(source: str) -> frozenset[str]:
    """The categories an agency uses that the dimension map knows (dbt seed dimension_map)."""
    return frozenset(
        row["source_value"] for row in _seed("dimension_map") if row["source"] == source
    )


def certification_levels() -> frozenset[str]:
    """Every level of every certification scheme (dbt seed certification_schemes)."""
    return frozenset(row["level"] for row in _seed("certification_schemes"))


DIMENSION_CODES = frozenset({"ECO", "INF", "HLT", "EDU", "SOC", "ENV", "GOV"})
LAO_TYPES = frozenset({"อบจ.", "เทศบาลนคร", "เทศบาลเมือง", "เทศบาลตำบล", "อบต."})
AGENCIES = frozenset({"dopa", "cdd", "dla", "opsmoi"})
DATASETS = frozenset(DELIVERED)  # every dataset an agency delivers (ingest/datasets.py)
# Staging reads ขอสนับสนุน and ขอรับการสนับสนุน alike, from either agency (macro plan_implementation).
IMPLEMENTATIONS_TH = frozenset({"ทำเอง", "ทำร่วม", "ขอสนับสนุน", "ขอรับการสนับสนุน"})
# A plan item's source agency and what it published as implementation.
PLAN_SOURCES = frozenset({"dopa", "cdd", "dla"})
IMPLEMENTATIONS = frozenset({"self", "joint", "support"})
VILLAGE_KINDS = frozenset({"village", "community"})
# Largest plausible amount for one village item: above it a row is quarantined (absurd_budget).
MAX_BUDGET_THB = 500_000_000


def code_regex(digits: int) -> str:
    """A DOPA or DLA code of `digits` digits as delivered (RE2): Thai digits, spaces around and a
    spreadsheet's `.0` are repaired."""
    return rf"^{BLANK}{DIGIT}{{{digits}}}(\.0+)?{BLANK}$"


def orphan(column: str, table: str, key: str | None = None) -> str:
    """A published code that its dimension does not hold (null when it is held, or null). The
    validated table is aliased `published` (an unqualified name would bind to the dimension)."""
    key = key or column
    value = f"published.{column}"
    return (
        f"case when {value} is not null and not exists (select 1 from {{schema}}.{table} "
        f"as parent where parent.{key} = {value}) then {value} end"
    )
