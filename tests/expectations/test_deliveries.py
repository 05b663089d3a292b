"""Delivery suites: a normal delivery passes (the simulator's default defects stay inside the
thresholds, the forms the pipeline repairs are not counted), a broken one fails and names the
expectation, the column and the offending values."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from expectations.suite import Column, delivered
from expectations.validate import (
    DELIVERY_SUITES,
    SuiteOutcome,
    delivery_suite,
    validate_deliveries,
    validate_frame,
)
from ingest.datasets import DATASETS


def _first_delivery(con: duckdb.DuckDBPyConnection, dataset: str) -> str:
    return con.execute(
        "select min(delivery_id) from raw.deliveries where dataset = ? and status = 'ingested'",
        [dataset],
    ).fetchall()[0][0]


def _frame(con: duckdb.DuckDBPyConnection, dataset: str, personal: bool = False) -> pd.DataFrame:
    """A delivery's rows as a reader hands them over: the agreed columns, every value text."""
    columns = [
        c.name
        for c in DATASETS[dataset].columns
        if personal or c.name not in ("headman_name", "headman_phone")
    ]
    select = ", ".join(f'"{c}"' for c in columns)
    return con.execute(
        f"select {select} from raw.{dataset.replace('/', '__')} where _delivery_id = ? "
        "order by try_cast(_source_row as bigint), _source_row",
        [_first_delivery(con, dataset)],
    ).df()


def _finding(outcome: SuiteOutcome, expectation: str, column: str | None):
    matches = [f for f in outcome.findings if f.expectation == expectation and f.column == column]
    assert len(matches) == 1, [(f.expectation, f.column) for f in outcome.findings]
    return matches[0]


def _every(frame: pd.DataFrame, step: int = 10) -> pd.Index:
    return frame.index[::step]


def test_every_delivery_of_the_small_set_passes(work) -> None:
    for dataset in DELIVERY_SUITES:
        outcomes = validate_deliveries(work, dataset)
        assert outcomes, dataset
        for outcome in outcomes:
            assert outcome.suite == dataset
            assert outcome.success, outcome.summary()
            rows = work.execute(
                f"select count(*) from raw.{dataset.replace('/', '__')} where _delivery_id = ?",
                [outcome.target],
            ).fetchall()[0][0]
            count = _finding(outcome, "expect_table_row_count_to_be_between", None)
            assert count.element_count == rows > 0


def test_default_defects_are_counted_not_failed(work) -> None:
    """The small set carries the default defect rates: a few unexpected rows, under the threshold."""
    (outcome,) = validate_deliveries(
        work, "dopa/village_plans", [_first_delivery(work, "dopa/village_plans")]
    )
    budget = _finding(outcome, "expect_column_values_to_be_between", "budget_thb")
    key = _finding(outcome, "expect_compound_columns_to_be_unique", "village_code,fiscal_year,seq")
    assert budget.success and key.success
    assert 0 < budget.unexpected_count < budget.element_count / 100
    assert any(float(e) < 0 or float(e) > 500_000_000 for e in budget.examples)
    assert key.unexpected_count > 0 and key.unexpected_percent < 5
    assert "งบประมาณ" in budget.description_th and "budget" in budget.description_en


def test_only_the_named_deliveries(work) -> None:
    first = _first_delivery(work, "cdd/community_plans")
    outcomes = validate_deliveries(work, "cdd/community_plans", [first, "cdd/community_plans@nope"])
    assert [o.target for o in outcomes] == [first]
    assert validate_deliveries(work, "cdd/community_plans", []) == []


@pytest.mark.parametrize("dataset", DELIVERY_SUITES)
def test_a_frame_gets_the_same_findings_as_its_delivery(work, dataset: str) -> None:
    (from_table,) = validate_deliveries(work, dataset, [_first_delivery(work, dataset)])
    from_frame = validate_frame(dataset, _frame(work, dataset), target="file.csv")
    assert from_frame.success, from_frame.summary()
    assert from_frame.target == "file.csv"
    # the raw table's own note on unsplittable rows is the only check a reader's frame lacks
    table = {(f.expectation, f.column): f for f in from_table.findings if f.column != "_problem"}
    frame = {(f.expectation, f.column): f for f in from_frame.findings}
    assert table.keys() == frame.keys()
    for key, finding in frame.items():
        assert (finding.unexpected_count, finding.element_count) == (
            table[key].unexpected_count,
            table[key].element_count,
        ), key


def test_repaired_forms_are_not_unexpected(work) -> None:
    """Thai digits, a spreadsheet's .0, a CE year, separators, บาท and - are what staging repairs."""
    frame = _frame(work, "dopa/village_plans").head(40).copy()
    frame["village_code"] = frame["village_code"].str.translate(
        str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
    )
    frame.loc[frame.index[::2], "village_code"] = frame["village_code"] + ".0"
    frame["fiscal_year"] = ["2026", "๒๕๖๙", " 2569 ", "2569.0"] * 10
    frame["budget"] = ["1,500,000.00 บาท", "-", "๑๕๐,๐๐๐", "150 000", "", "12000.-", "0", "99"] * 5
    frame["seq"] = [str(i) for i in range(1, 41)]
    frame["implementation"] = ["ขอรับการสนับสนุน", " ทำเอง", "ทำ ร่วม", "ขอสนับสนุน"] * 10
    outcome = validate_frame("dopa/village_plans", frame)
    unexpected = {
        (f.expectation, f.column): f.examples for f in outcome.findings if f.unexpected_count
    }
    assert outcome.success and not unexpected, unexpected


BREAKAGES = [
    (
        "dopa/village_plans",
        lambda f: f.assign(village_code=f["village_code"].mask(f.index % 10 == 0, "5401O1O3")),
        "expect_column_values_to_be_null",
        "village_code_malformed",
        "5401O1O3",
    ),
    (
        "dopa/village_plans",
        lambda f: f.assign(budget=f["budget"].mask(f.index % 10 == 0, "-25,000")),
        "expect_column_values_to_be_between",
        "budget_thb",
        "-25000.0",
    ),
    (
        "dopa/village_plans",
        lambda f: pd.concat([f, f], ignore_index=True),
        "expect_compound_columns_to_be_unique",
        "village_code,fiscal_year,seq",
        None,
    ),
    (
        "cdd/community_plans",
        lambda f: f.assign(implementation=f["implementation"].mask(f.index % 10 == 0, "ทำให้")),
        "expect_column_values_to_be_in_set",
        "implementation",
        "ทำให้",
    ),
    (
        "cdd/community_plans",
        lambda f: f.assign(year=f["year"].mask(f.index % 10 == 0, "2596")),
        "expect_column_values_to_be_between",
        "year_be",
        "2596.0",
    ),
    (
        "cdd/community_plans",
        lambda f: f.assign(project_name=f["project_name"].mask(f.index % 10 == 0, " - ")),
        "expect_column_values_to_not_be_null",
        "project_name",
        None,
    ),
    (
        "cdd/certification",
        lambda f: f.assign(score=f["score"].mask(f.index % 10 == 0, "185")),
        "expect_column_values_to_be_between",
        "score_number",
        "185.0",
    ),
    (
        "dla/laos",
        lambda f: f.assign(lao_type=f["lao_type"].mask(f.index % 10 == 0, "สภาตำบล")),
        "expect_column_values_to_be_in_set",
        "lao_type",
        "สภาตำบล",
    ),
    (
        "dla/plan_projects",
        lambda f: f.assign(budget=f["budget"].mask(f.index % 10 == 0, "2569: 50,000")),
        "expect_column_values_to_be_null",
        "budget_malformed",
        "2569: 50,000",
    ),
    (
        "opsmoi/household_needs",
        lambda f: f.assign(
            households_in_need=f["households_in_need"].mask(f.index % 10 == 0, "99999")
        ),
        "expect_column_pair_values_a_to_be_greater_than_b",
        "households_surveyed_n,households_in_need_n",
        None,
    ),
    (
        "dopa/villages",
        lambda f: f.assign(status=f["status"].mask(f.index % 10 == 0, "ย้าย")),
        "expect_column_values_to_be_in_set",
        "status",
        "ย้าย",
    ),
]


@pytest.mark.parametrize(("dataset", "breaks", "expectation", "column", "example"), BREAKAGES)
def test_a_broken_frame_fails_and_says_where(
    work, dataset: str, breaks, expectation: str, column: str, example: str | None
) -> None:
    outcome = validate_frame(dataset, breaks(_frame(work, dataset)))
    assert not outcome.success
    finding = _finding(outcome, expectation, column)
    assert not finding.success
    assert finding.unexpected_percent > 5
    assert 0 < finding.unexpected_count <= finding.element_count
    assert finding.examples
    if example is not None:
        assert example in finding.examples
    assert finding in outcome.failed()
    assert expectation in outcome.summary() and column in outcome.summary()


def test_a_missing_column_is_named_and_its_checks_left_out(work) -> None:
    outcome = validate_frame(
        "dopa/village_plans", _frame(work, "dopa/village_plans").drop(columns=["budget"])
    )
    present = _finding(outcome, "expect_table_columns_to_match_set", None)
    assert not present.success and present.examples == ("missing: budget",)
    assert present.unexpected_count == 1
    assert not [f for f in outcome.findings if f.column and f.column.startswith("budget")]


def test_an_empty_delivery_fails() -> None:
    columns = [c.name for c in DATASETS["dla/laos"].columns]
    outcome = validate_frame(
        "dla/laos", pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    )
    count = _finding(outcome, "expect_table_row_count_to_be_between", None)
    assert not outcome.success and not count.success and count.examples == ("0 rows",)


def test_delivered_thai_headers_are_read(work) -> None:
    frame = _frame(work, "dla/laos")
    headers = {c.name: c.header for c in DATASETS["dla/laos"].columns}
    outcome = validate_frame("dla/laos", frame.rename(columns=headers))
    assert outcome.success, outcome.summary()
    assert _finding(outcome, "expect_table_columns_to_match_set", None).examples == ()


def test_personal_data_never_reaches_a_finding(work) -> None:
    frame = _frame(work, "dopa/villages", personal=True)
    assert {"headman_name", "headman_phone"} <= set(frame.columns)
    broken = frame.index % 3 == 0
    frame = frame.assign(
        headman_name=frame["headman_name"].mask(broken, "นายลับ เฉพาะ"),
        headman_phone=frame["headman_phone"].mask(broken, "081-000-0000"),
        village_code=frame["village_code"].mask(broken, "x"),
        status=frame["status"].mask(broken, "?"),
    )
    outcome = validate_frame("dopa/villages", frame)
    assert len(outcome.failed()) >= 2
    examples = " ".join(e for f in outcome.findings for e in f.examples)
    assert "นายลับ" not in examples and "081-000" not in examples
    assert all(
        not {"headman_name", "headman_phone"} & {*c.uses, c.name}
        for dataset in DELIVERY_SUITES
        for c in delivery_suite(dataset).fetched
    )
    with pytest.raises(ValueError, match="personal"):
        delivered("headman_phone")
    with pytest.raises(ValueError, match="personal"):
        Column("phone", '"headman_phone"', ("headman_phone",))
