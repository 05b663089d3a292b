"""Published suites block a publication: a healthy build passes every one, and real breakage
(a duplicated key, a negative budget, an unknown code, a lost delivery, a shrunk table) fails the
table's suite and names the expectation."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from expectations.validate import (
    FINDINGS_SCHEMA,
    MAX_ROW_DROP,
    PUBLISHED_SUITES,
    SuiteOutcome,
    findings_table,
    validate_deliveries,
    validate_published,
)


@pytest.fixture
def candidate(small_build: Path, tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A candidate publication: every published table copied into the default schema of a file."""
    con = duckdb.connect(str(tmp_path / "candidate.duckdb"))
    con.execute(f"attach '{small_build}' as work (read_only)")
    for table in PUBLISHED_SUITES:
        con.execute(f"create table main.{table} as select * from work.marts.{table}")
    con.execute("detach work")
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return con.execute(f"select count(*) from {table}").fetchall()[0][0]


def _failed(outcome: SuiteOutcome) -> set[tuple[str, str | None]]:
    return {(f.expectation, f.column) for f in outcome.failed()}


def test_a_healthy_build_passes_every_published_suite(work) -> None:
    for table in PUBLISHED_SUITES:
        outcome = validate_published(work, table, schema="marts")
        assert outcome.success, outcome.summary()
        assert outcome.suite == f"warehouse/{table}" and outcome.target == table


def test_the_candidate_file_passes_and_may_keep_its_size(candidate) -> None:
    for table in PUBLISHED_SUITES:
        outcome = validate_published(candidate, table, previous_rows=_rows(candidate, table))
        assert outcome.success, outcome.summary()


def test_a_duplicated_key_fails(candidate) -> None:
    candidate.execute("insert into fct_plan_item select * from fct_plan_item limit 3")
    outcome = validate_published(candidate, "fct_plan_item")
    assert _failed(outcome) == {("expect_column_values_to_be_unique", "plan_item_id")}
    (finding,) = outcome.failed()
    assert finding.unexpected_count == 6 and len(finding.examples) == 3


def test_a_negative_budget_and_a_bad_confidence_fail(candidate) -> None:
    candidate.execute(
        "update fct_plan_item set budget_thb = -1 where plan_item_id in "
        "(select plan_item_id from fct_plan_item order by plan_item_id limit 2)"
    )
    candidate.execute(
        "update fct_plan_item set match_confidence = 1.5 where plan_item_id = "
        "(select max(plan_item_id) from fct_plan_item)"
    )
    outcome = validate_published(candidate, "fct_plan_item")
    assert _failed(outcome) == {
        ("expect_column_values_to_be_between", "budget_thb"),
        ("expect_column_values_to_be_between", "match_confidence"),
    }
    budget = next(f for f in outcome.failed() if f.column == "budget_thb")
    assert budget.unexpected_count == 2 and budget.examples == ("-1.0",)


def test_codes_outside_their_dimensions_and_value_sets_fail(candidate) -> None:
    candidate.execute(
        "update fct_plan_item set village_code = '99999999', source = 'opsmoi', "
        "dimension_code = 'XYZ', implementation = 'ทำเอง' "
        "where plan_item_id = (select min(plan_item_id) from fct_plan_item)"
    )
    outcome = validate_published(candidate, "fct_plan_item")
    assert _failed(outcome) == {
        ("expect_column_values_to_be_null", "village_code_not_in_dim_village"),
        ("expect_column_values_to_be_in_set", "source"),
        ("expect_column_values_to_be_in_set", "dimension_code"),
        ("expect_column_values_to_be_in_set", "implementation"),
    }
    orphan = next(f for f in outcome.failed() if f.column == "village_code_not_in_dim_village")
    assert orphan.examples == ("99999999",)


def test_a_bad_code_format_and_a_fiscal_year_out_of_window_fail(candidate) -> None:
    candidate.execute(
        "update dim_lao set lao_code = left(lao_code, 5) where lao_code = (select min(lao_code) from dim_lao)"
    )
    candidate.execute(
        "update fct_integrated_project set fiscal_year = 2596 "
        "where integrated_project_id = (select min(integrated_project_id) from fct_integrated_project)"
    )
    assert ("expect_column_values_to_match_regex", "lao_code") in _failed(
        validate_published(candidate, "dim_lao")
    )
    assert _failed(validate_published(candidate, "fct_integrated_project")) == {
        ("expect_column_values_to_be_between", "fiscal_year")
    }


def test_a_lost_delivery_and_a_reasonless_quarantine_fail(candidate) -> None:
    candidate.execute(
        "update rpt_delivery_quality set is_conserved = false "
        "where delivery_id = (select min(delivery_id) from rpt_delivery_quality)"
    )
    assert _failed(validate_published(candidate, "rpt_delivery_quality")) == {
        ("expect_column_values_to_be_in_set", "is_conserved")
    }
    candidate.execute(
        "update quarantine set reason_codes = [], "
        """delivered_values = '{"village_code": "54010101", "headman_phone": "081"}' """
        "where source_row = (select min(source_row) from quarantine)"
    )
    assert _failed(validate_published(candidate, "quarantine")) == {
        ("expect_column_values_to_be_between", "n_reasons"),
        ("expect_column_values_to_be_null", "personal_values"),
    }


def test_a_shrunk_or_empty_table_fails_the_row_guard(candidate) -> None:
    rows = _rows(candidate, "fct_plan_item")
    candidate.execute("delete from fct_plan_item where hash(plan_item_id) % 4 != 0")
    left = _rows(candidate, "fct_plan_item")
    assert left < rows * (1 - MAX_ROW_DROP)
    shrunk = validate_published(candidate, "fct_plan_item", previous_rows=rows)
    assert _failed(shrunk) == {("expect_table_row_count_to_be_between", None)}
    assert shrunk.failed()[0].examples == (f"{left:,} rows",)
    assert f"{rows:,}" in shrunk.failed()[0].description_en
    # a smaller drop is allowed, and the allowance can be widened
    assert validate_published(candidate, "fct_plan_item", previous_rows=left + 1).success
    assert validate_published(
        candidate, "fct_plan_item", previous_rows=rows, max_row_drop=0.9
    ).success

    candidate.execute("delete from dim_dimension")
    empty = validate_published(candidate, "dim_dimension")
    assert ("expect_table_row_count_to_be_between", None) in _failed(empty)
    # a quarantine may empty out: fewer rejected rows is good news
    candidate.execute("delete from quarantine")
    assert validate_published(candidate, "quarantine", previous_rows=100).success


def test_a_missing_table_or_column_fails(candidate) -> None:
    candidate.execute("drop table mart_plan_certification")
    missing = validate_published(candidate, "mart_plan_certification")
    assert not missing.success and "missing" in missing.summary()
    candidate.execute("alter table dim_lao drop column lao_type")
    outcome = validate_published(candidate, "dim_lao")
    present = next(
        f for f in outcome.findings if f.expectation == "expect_table_columns_to_match_set"
    )
    assert not present.success and present.examples == ("missing: lao_type",)


def test_findings_table(work) -> None:
    outcomes = [
        *validate_deliveries(work, "dla/laos"),
        validate_published(work, "dim_dimension", schema="marts"),
    ]
    table = findings_table(outcomes)
    assert table.schema.equals(FINDINGS_SCHEMA)
    assert table.schema.field("examples").type == pa.list_(pa.string())
    assert table.num_rows == sum(len(o.findings) for o in outcomes)
    rows = table.to_pylist()
    assert {r["suite"] for r in rows} == {"dla/laos", "warehouse/dim_dimension"}
    keys = [(r["target"], r["expectation"], r["column"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["description_th"] and r["description_en"] for r in rows)
    assert findings_table([]).num_rows == 0


def test_importing_the_runner_does_not_import_great_expectations() -> None:
    code = (
        "import sys, expectations.validate as v\n"
        "[v.delivery_suite(d) for d in v.DELIVERY_SUITES]\n"
        "[v.published_suite(t) for t in v.PUBLISHED_SUITES]\n"
        "print(any(m.split('.')[0] == 'great_expectations' for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
