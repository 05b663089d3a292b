"""Run the Great Expectations suites: on every ingested delivery (raw tables of the work database),
on rows already read from a file (`muban validate`), and on the tables of a candidate publication.

GE's SQL datasource does not work on DuckDB, so each suite's columns are selected in DuckDB
(only those the suite reads, derived values computed there), handed over as Arrow, and validated
as a pandas DataFrame in one ephemeral GE context per process. Great Expectations is imported
only when something is validated: importing this module stays cheap.

Delivery suites measure an agency's data quality (thresholds, counts per expectation for its
report); published suites block a publication (every expectation must hold).
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from expectations.suite import PERSONAL_COLUMNS, Check, Column, Suite
from ingest.datasets import DATASETS as DELIVERED

if TYPE_CHECKING:
    import pandas

# A table may lose at most this fraction of its rows from one publication to the next.
MAX_ROW_DROP = 0.5
EXAMPLES = 5  # unexpected values kept per expectation
SPLIT_ROWS = 200_000  # larger frames are validated a few columns at a time (see _validate)
# BASIC with a few examples: COMPLETE lists every unexpected row and is slow on millions of rows.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": EXAMPLES}

DELIVERY_SUITES: tuple[str, ...] = tuple(DELIVERED)  # one per dataset of ingest/datasets.py
PUBLISHED_SUITES: tuple[str, ...] = (
    "dim_province",
    "dim_district",
    "dim_subdistrict",
    "dim_village",
    "dim_lao",
    "bridge_lao_village",
    "dim_dimension",
    "fct_plan_item",
    "bridge_plan_item_village",
    "fct_integrated_project",
    "mart_village_plan_coverage",
    "mart_subdistrict_plan",
    "mart_lao_plan_support",
    "mart_plan_certification",
    "rpt_delivery_quality",
    "quarantine",
)


@dataclass(frozen=True)
class Finding:
    """One expectation's outcome."""

    expectation: str  # GE expectation type, e.g. "expect_column_values_to_match_regex"
    column: str | None  # the frame column (a compound key's columns joined by commas)
    success: bool
    element_count: int
    unexpected_count: int
    unexpected_percent: float  # 0–100, of the non-missing values
    examples: tuple[str, ...]  # a few unexpected values (never from personal columns)
    description_th: str  # what the expectation means, in Thai, for an agency officer
    description_en: str


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str  # "dopa/village_plans", "warehouse/fct_plan_item"
    target: str  # the delivery id, or the published table's name
    success: bool
    findings: tuple[Finding, ...]
    seconds: float

    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.success]

    def summary(self) -> str:
        """One line naming the failed expectations, their columns and counts."""
        failed = self.failed()
        head = f"{self.suite} {self.target}:"
        if not failed:
            return f"{head} passed {len(self.findings)} expectations ({self.seconds:.2f} s)"
        parts = []
        for f in failed:
            name = f"{f.expectation}({f.column})" if f.column else f.expectation
            if f.unexpected_count:
                parts.append(
                    f"{name} {f.unexpected_count:,} of {f.element_count:,} unexpected "
                    f"({f.unexpected_percent:.2f}%)"
                )
            else:
                parts.append(f"{name} {', '.join(f.examples)}".rstrip())
        return (
            f"{head} {len(failed)} of {len(self.findings)} expectations failed: "
            f"{'; '.join(parts)} ({self.seconds:.2f} s)"
        )


FINDINGS_SCHEMA = pa.schema(
    [
        ("suite", pa.string()),
        ("target", pa.string()),
        ("expectation", pa.string()),
        ("column", pa.string()),
        ("success", pa.bool_()),
        ("element_count", pa.int64()),
        ("unexpected_count", pa.int64()),
        ("unexpected_percent", pa.float64()),
        ("examples", pa.list_(pa.string())),
        ("description_th", pa.string()),
        ("description_en", pa.string()),
    ]
)


def findings_table(outcomes: Iterable[SuiteOutcome]) -> pa.Table:
    """One row per (target, expectation, column)."""
    rows = [
        {"suite": o.suite, "target": o.target, **f.__dict__, "examples": list(f.examples)}
        for o in outcomes
        for f in o.findings
    ]
    return pa.Table.from_pylist(rows, schema=FINDINGS_SCHEMA)


# --- the suites --------------------------------------------------------------------------------


@cache
def delivery_suite(dataset: str) -> Suite:
    if dataset not in DELIVERY_SUITES:
        raise ValueError(f"no delivery suite for {dataset!r} (one of {', '.join(DELIVERY_SUITES)})")
    return importlib.import_module(f"expectations.{dataset.replace('/', '.')}").SUITE


@cache
def published_suite(table: str) -> Suite:
    if table not in PUBLISHED_SUITES:
        raise ValueError(f"no published suite for {table!r} (one of {', '.join(PUBLISHED_SUITES)})")
    return importlib.import_module(f"expectations.warehouse.{table}").SUITE


# --- validating --------------------------------------------------------------------------------


def validate_deliveries(
    con: duckdb.DuckDBPyConnection, dataset: str, delivery_ids: Sequence[str] | None = None
) -> list[SuiteOutcome]:
    """The dataset's suite on each of its ingested deliveries (raw.deliveries status 'ingested'),
    optionally only those named; one outcome per delivery, oldest first."""
    suite = delivery_suite(dataset)
    raw_table = f"raw.{dataset.replace('/', '__')}"
    with con.cursor() as cur:
        cur.execute("set enable_progress_bar = false")
        ingested = [
            delivery_id
            for (delivery_id,) in cur.execute(
                "select delivery_id from raw.deliveries where dataset = ? and status = 'ingested' "
                "order by received_at, delivery_id",
                [dataset],
            ).fetchall()
        ]
        if delivery_ids is not None:
            wanted = set(delivery_ids)
            ingested = [d for d in ingested if d in wanted]
        if not ingested:
            return []
        columns = suite.frame_columns(_columns_of(cur, "raw", dataset.replace("/", "__")))
        # One scan for every delivery, then sliced by delivery (rows come in insertion order,
        # grouped by delivery; sorting them would cost more than the whole validation).
        rows = cur.sql(
            f"select _delivery_id, {_select(columns)} from {raw_table} "
            "where _delivery_id in (select unnest($ids))",
            params={"ids": ingested},
        ).to_arrow_table()
    rows = _without_helpers(rows, columns)
    slices = _slices(rows)
    empty = rows.slice(0, 0)
    checks = suite.checks_for(c.name for c in columns)
    expectations = _expectation_suite(suite.name, checks)
    outcomes = []
    for delivery_id in ingested:
        start = time.perf_counter()
        part = slices.get(delivery_id, empty).drop_columns(["_delivery_id"])
        outcomes.append(
            _validate(suite.name, delivery_id, checks, expectations, _pandas(part, checks), start)
        )
    return outcomes


def validate_frame(dataset: str, frame: pandas.DataFrame, target: str = "file") -> SuiteOutcome:
    """The dataset's suite on rows already read (what `muban validate FILE` checks): columns named
    as the raw table names them, or as delivered (the agreed Thai headers and their variants),
    every value as text."""
    start = time.perf_counter()
    suite = delivery_suite(dataset)
    frame = _raw_names(dataset, frame)
    names = [str(c) for c in frame.columns if str(c) not in PERSONAL_COLUMNS]
    delivered = frame.loc[:, [c for c in frame.columns if str(c) not in PERSONAL_COLUMNS]]
    delivered.columns = names
    columns = suite.frame_columns(names)
    with duckdb.connect() as mem:
        mem.register("delivered_frame", delivered)
        as_text = ", ".join(f'cast("{n}" as varchar) as "{n}"' for n in names) or "1 as _none"
        rows = mem.sql(
            f"select {_select(columns) or '1 as _none'} from (select {as_text} from delivered_frame)"
        ).to_arrow_table()
    rows = rows.drop_columns(["_none"]) if not columns else _without_helpers(rows, columns)
    checks = suite.checks_for(c.name for c in columns)
    return _validate(
        suite.name,
        target,
        checks,
        _expectation_suite(suite.name, checks),
        _pandas(rows, checks),
        start,
    )


def validate_published(
    con: duckdb.DuckDBPyConnection,
    table: str,
    previous_rows: int | None = None,
    schema: str = "main",
    max_row_drop: float = MAX_ROW_DROP,
) -> SuiteOutcome:
    """The table's suite on a candidate publication (`con` opens it). With `previous_rows` (the
    table's rows in the previous publication) it may not shrink by more than `max_row_drop`."""
    start = time.perf_counter()
    suite = published_suite(table)
    with con.cursor() as cur:
        cur.execute("set enable_progress_bar = false")
        available = _columns_of(cur, schema, table)
        if not available:
            finding = Finding(
                "expect_table_columns_to_match_set",
                None,
                False,
                0,
                0,
                0.0,
                (f"table {schema}.{table} is missing",),
                f"ไม่มีตาราง {table} ในไฟล์ที่จะเผยแพร่",
                f"The publication has no table {table}",
            )
            return SuiteOutcome(suite.name, table, False, (finding,), time.perf_counter() - start)
        columns = suite.frame_columns(available)
        quoted = f'"{schema}"'
        rows = cur.sql(
            f"select {_select(columns).replace('{schema}', quoted)} "
            f'from {quoted}."{table}" as published'
        ).to_arrow_table()
    rows = _without_helpers(rows, columns)
    checks = suite.checks_for(c.name for c in columns)
    guard = _row_guard(suite, previous_rows, max_row_drop)
    if guard is not None:
        checks = (*checks, guard)
    return _validate(
        suite.name,
        table,
        checks,
        _expectation_suite(suite.name, checks),
        _pandas(rows, checks),
        start,
    )


def _row_guard(suite: Suite, previous_rows: int | None, max_row_drop: float) -> Check | None:
    """Never empty, and no sudden loss of rows since the previous publication."""
    if suite.may_be_empty:
        return None
    if not previous_rows and suite.empty_until_delivered:
        return None
    if previous_rows is None:
        return Check(
            "expect_table_row_count_to_be_between",
            {"min_value": 1},
            "ตารางมีข้อมูลอย่างน้อยหนึ่งแถว",
            "The table holds at least one row",
        )
    low = max(1, math.ceil(previous_rows * (1 - max_row_drop)))
    return Check(
        "expect_table_row_count_to_be_between",
        {"min_value": low},
        f"ตารางไม่ว่าง และไม่หดลงเกินร้อยละ {max_row_drop * 100:g} จากการเผยแพร่ครั้งก่อน "
        f"({previous_rows:,} แถว): อย่างน้อย {low:,} แถว",
        f"The table is not empty and lost at most {max_row_drop:.0%} of the previous "
        f"publication's {previous_rows:,} rows: at least {low:,} rows",
    )


# --- DuckDB to pandas ------------------------------------------------------------------------------


def _columns_of(cur: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [
        name
        for (name,) in cur.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = ? and table_name = ? and database_name = current_database() "
            "order by column_index",
            [schema, table],
        ).fetchall()
    ]


def _select(columns: Iterable[Column]) -> str:
    return ", ".join(f'{c.sql} as "{c.name}"' for c in columns)


def _without_helpers(rows: pa.Table, columns: Iterable[Column]) -> pa.Table:
    return rows.drop_columns([c.name for c in columns if c.helper])


def _slices(rows: pa.Table) -> dict[str, pa.Table]:
    """The rows of each delivery, in their order (a delivery's rows are usually one run)."""
    if rows.num_rows == 0:
        return {}
    runs = pc.run_end_encode(rows.column("_delivery_id").combine_chunks())
    parts: dict[str, list[pa.Table]] = {}
    start = 0
    for delivery_id, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist(), strict=True):
        parts.setdefault(delivery_id, []).append(rows.slice(start, end - start))
        start = end
    return {d: p[0] if len(p) == 1 else pa.concat_tables(p) for d, p in parts.items()}


def _pandas(rows: pa.Table, checks: Sequence[Check]) -> pandas.DataFrame:
    """Arrow-backed strings (GE's value sets and uniqueness run in Arrow), except the columns a
    regex reads: GE casts those to Python str first, which is faster from plain objects. Numbers
    stay NumPy float64, the only numeric type GE compares vectorised."""
    import pandas as pd

    def arrow_text(arrow_type: pa.DataType) -> pd.ArrowDtype | None:
        if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
            return pd.ArrowDtype(arrow_type)
        if pa.types.is_boolean(arrow_type):
            return pd.ArrowDtype(arrow_type)
        return None

    frame = rows.to_pandas(types_mapper=arrow_text)
    for check in checks:
        if check.expectation == "expect_column_values_to_match_regex":
            frame[check.columns[0]] = rows.column(check.columns[0]).to_pandas()
    return frame


def _raw_names(dataset: str, frame: pandas.DataFrame) -> pandas.DataFrame:
    """Columns named by their delivered headers renamed to the raw table's names."""
    from ingest.datasets import DATASETS, match_header

    spec = DATASETS[dataset]
    if set(spec.column_names) & {str(c) for c in frame.columns}:
        return frame
    match = match_header(spec, list(frame.columns))
    renames = {frame.columns[at]: name for name, at in match.positions.items()}
    return frame.rename(columns=renames)


# --- Great Expectations ----------------------------------------------------------------------------


def prepare() -> None:
    """Import Great Expectations and make its context now (else the first validation does)."""
    _batch_definition()


@cache
def _batch_definition() -> Any:
    """One ephemeral GE context per process, with a pandas datasource whose batches are whole
    DataFrames."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GE fingerprints every pandas batch by hashing all of its cells (about a second per million
    # rows and column), only to label the batch: the fingerprint is not needed here.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("muban").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole")


def _expectation_suite(name: str, checks: Sequence[Check]) -> Any:
    import great_expectations as gx
    from great_expectations.expectations.registry import get_expectation_impl

    _batch_definition()
    return gx.ExpectationSuite(
        name=name,
        expectations=[
            get_expectation_impl(check.expectation)(**check.kwargs, meta={"check": index})
            for index, check in enumerate(checks)
        ],
    )


def _validate(
    suite: str,
    target: str,
    checks: Sequence[Check],
    expectations: Any,
    frame: pandas.DataFrame,
    start: float,
) -> SuiteOutcome:
    results: dict[int, Any] = {}
    if len(frame) <= SPLIT_ROWS:
        results.update(_run(expectations, frame))
    else:
        # GE drops a column's missing values by filtering the whole frame: on millions of rows,
        # give each group of checks a frame of only the columns it reads.
        groups: dict[tuple[str, ...], list[int]] = {}
        for index, check in enumerate(checks):
            groups.setdefault(check.columns, []).append(index)
        for columns, indices in groups.items():
            part = frame.loc[:, list(columns)] if columns else frame
            results.update(_run(expectations, part, indices))
    findings = tuple(_finding(check, results[i]) for i, check in enumerate(checks))
    return SuiteOutcome(
        suite,
        target,
        all(f.success for f in findings),
        findings,
        round(time.perf_counter() - start, 3),
    )


def _run(
    expectations: Any, frame: pandas.DataFrame, indices: Sequence[int] | None = None
) -> dict[int, Any]:
    """GE's results by check index, for all of the suite's expectations or the given ones."""
    if indices is not None:
        import great_expectations as gx

        chosen = set(indices)
        expectations = gx.ExpectationSuite(
            name=expectations.name,
            expectations=[e for e in expectations.expectations if e.meta["check"] in chosen],
        )
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(expectations, result_format=RESULT_FORMAT)
    return {r.expectation_config.meta["check"]: r for r in result.results}


def _finding(check: Check, outcome: Any) -> Finding:
    result: Mapping[str, Any] = outcome.result or {}
    error = _error(outcome.exception_info)
    element_count = int(result.get("element_count") or 0)
    unexpected_count = int(result.get("unexpected_count") or 0)
    percent = float(result.get("unexpected_percent") or 0.0)
    examples = [_example(v) for v in result.get("partial_unexpected_list") or ()]
    if check.expectation == "expect_table_columns_to_match_set":
        missing = sorted((result.get("details") or {}).get("mismatched", {}).get("missing") or ())
        expected = check.kwargs["column_set"]
        element_count, unexpected_count = len(expected), len(missing)  # type: ignore[arg-type]
        percent = 100.0 * len(missing) / max(1, len(expected))  # type: ignore[arg-type]
        examples = [f"missing: {m}" for m in missing]
    elif check.expectation.startswith("expect_table_row_count"):
        element_count = int(result.get("observed_value") or 0)
        if not outcome.success:
            examples = [f"{element_count:,} rows"]
    if error:
        examples = [f"error: {error}"]
    return Finding(
        expectation=check.expectation,
        column=check.column,
        success=bool(outcome.success),
        element_count=element_count,
        unexpected_count=unexpected_count,
        unexpected_percent=round(percent, 4),
        examples=tuple(dict.fromkeys(examples))[:EXAMPLES],
        description_th=check.description_th,
        description_en=check.description_en,
    )


def _example(value: object) -> str:
    if isinstance(value, Mapping):
        value = "|".join(str(v) for v in value.values())
    elif isinstance(value, list | tuple):
        value = "|".join(str(v) for v in value)
    return str(value)[:120]


def _error(info: object) -> str | None:
    """The message of an expectation that raised instead of deciding (GE keeps it per metric)."""
    if not isinstance(info, Mapping):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "unknown error")[:200]
    for nested in info.values():
        message = _error(nested)
        if message:
            return message
    return None
