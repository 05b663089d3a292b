"""DuckDB expressions that read a delivered text the way dbt staging does, and the shared value
sets, so that a suite never flags what the pipeline legitimately repairs.

Each reader mirrors a macro in dbt_project/macros (named beside it): change them together.
"""

from __future__ import annotations

import csv
import datetime
from functools import cache
from pathlib import Path

from ingest.datasets import DATASETS as DELIVERED

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds"

# Digits as delivered: Arabic or Thai.
DIGIT = "[0-9๐-๙]"
# Blank around a value (RE2): spaces, non-breaking spaces (a stray space is repaired, not wrong).
BLANK = r"[\s\x{00a0}]*"


def arabic_digits(column: str) -> str:
    """macro arabic_digits (translate only where there is a Thai digit: it is the slow part)."""
    return (
        f"(case when regexp_matches({column}, '[๐-๙]') "
        f"then translate({column}, '๐๑๒๓๔๕๖๗๘๙', '0123456789') else {column} end)"
    )


def baht(column: str) -> str:
    """macro baht: an amount as delivered (150,000 / 150000.00 / ๑๕๐,๐๐๐ / 150 000 บาท / - for
    zero) to a number; null when empty or unreadable. The plain forms (most amounts) are read by
    a cast alone; the regex repairs run on the rest."""
    return f"""(case
        when trim(coalesce({column}, '')) = '' then null
        when trim({column}) = '-' then 0
        else coalesce(try_cast(replace({column}, ',', '') as double), try_cast(regexp_replace(
            regexp_replace({arabic_digits(column)}, '(บาท|\\.-)\\s*$', ''),
            '[,\\s\\x{{00a0}}]', '', 'g'
        ) as double))
    end)"""


def be_year(column: str) -> str:
    """macro be_year: a year as delivered (BE, CE, Thai digits, 2569.0) to a BE number."""
    year = f"try_cast(trim({arabic_digits(column)}) as decimal(10, 1))"
    return f"(case when {year} between 1900 and 2200 then {year} + 543 else {year} end)::double"


def whole_number(column: str) -> str:
    """macro household_count: a count (120, 120.0, 1,200, Thai digits) to a number."""
    text = f"regexp_replace(trim({arabic_digits(column)}), '[,\\s]', '', 'g')"
    return f"try_cast(regexp_extract({text}, '^([0-9]+)(?:\\.0+)?$', 1) as double)"


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
