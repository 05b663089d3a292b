"""The ground truth agrees with the deliveries, row by row, and the same seed gives the same bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math

import duckdb
import openpyxl
import pytest

from simulator.config import DefectProfile, Scale, SimulationConfig
from simulator.defects import CATALOGUE
from simulator.run import simulate
from tests.simulator.test_formats import decode


def truth(sim, dataset: str) -> list[dict]:
    folder = sim.truth / "deliveries" / dataset.replace("/", "__")
    columns = [
        "dataset",
        "source_file",
        "source_row",
        "record_id",
        "row_kind",
        "village_keys",
        "project_id",
        "defects",
    ]
    rows = duckdb.sql(
        f"select {', '.join(columns)} from read_parquet('{folder}/*.parquet') "
        "order by source_file, source_row, record_id"
    ).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def test_every_village_plan_row_has_its_truth(small) -> None:
    _, text = decode(small.landing / "dopa/village_plans/village_plans_2569_54.csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    facts = truth(small, "dopa/village_plans")
    assert [f["source_row"] for f in facts] == list(range(1, len(rows) + 1))
    for row, fact in zip(rows, facts, strict=True):
        defects = set(fact["defects"] or [])
        if fact["row_kind"] == "duplicate":
            assert row == rows[fact["source_row"] - 2]
        if not defects & {"unknown_village", "code_as_float", "thai_digits"}:
            assert [row[0]] == fact["village_keys"]
        if "unknown_village" in defects:
            assert fact["village_keys"] == [] and row[0][6:8] >= "90"
        if "code_as_float" in defects:
            assert row[0].endswith(".0")
        if "missing_title" in defects:
            assert row[3] == ""
        if "negative_budget" in defects:
            assert row[5].startswith("-") and row[5] != "-"
        assert fact["project_id"].startswith("P54-")


def test_community_plan_truth_points_at_worksheet_rows(small) -> None:
    path = small.landing / "cdd/community_plans/community_plans_2569_54.xlsx"
    sheet = openpyxl.load_workbook(path, read_only=True)["แผนชุมชน"]
    rows = {i: r for i, r in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)}
    facts = [f for f in truth(small, "cdd/community_plans")]
    kinds = {f["row_kind"] for f in facts}
    assert {"data", "subtotal"} <= kinds
    world = duckdb.sql(
        f"select unit_key, name_th from read_parquet('{small.truth}/world/*.parquet', union_by_name=true) "
        "where unit_key is not null"
    ).fetchall()
    for fact in facts:
        row = rows[fact["source_row"]]
        if fact["row_kind"] == "subtotal":
            assert row[1].startswith("รวม")
        elif fact["row_kind"] == "blank":
            assert all(v is None for v in row)
        else:
            assert row[0] is not None
            if "missing_village_number" in (fact["defects"] or []):
                assert row[3] is None
    assert world  # projects carry their planning unit


def test_api_truth_matches_the_store(small) -> None:
    lines = (small.api / "dla/plan_projects/54.jsonl").read_text(encoding="utf-8").splitlines()
    ids = {f"{r['project_id']}:{r['edition']}" for r in map(json.loads, lines)}
    facts = truth(small, "dla/plan_projects")
    assert {f["record_id"] for f in facts} == ids and len(facts) == len(lines)
    superseded = [f for f in facts if f["row_kind"] == "superseded"]
    latest = {f["record_id"].split(":")[0] for f in facts if f["row_kind"] == "data"}
    assert superseded and all(f["record_id"].split(":")[0] in latest for f in superseded)
    assert any(len(f["village_keys"]) > 1 for f in facts)  # projects targeting several villages
    needs = truth(small, "opsmoi/household_needs")
    assert sorted(int(f["record_id"]) for f in needs) == list(range(1, len(needs) + 1))


def test_some_projects_are_planned_by_two_or_three_agencies(small) -> None:
    counts = duckdb.sql(
        f"""
        select n_agencies, count(*) from (
            select project_id, count(distinct dataset) as n_agencies
            from read_parquet('{small.truth}/deliveries/*/*.parquet')
            where project_id is not null and row_kind = 'data'
            group by project_id
        ) group by n_agencies
        """
    ).fetchall()
    by_agencies = dict(counts)
    assert by_agencies.get(1, 0) > 0 and by_agencies.get(2, 0) > 0 and by_agencies.get(3, 0) > 0


def _digests(folder) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_files(small, tmp_path) -> None:
    again = SimulationConfig(
        out=tmp_path / "landing", truth=tmp_path / "truth", api_out=tmp_path / "api", workers=1
    )
    simulate(again)
    assert _digests(small.landing) == _digests(again.out)
    assert _digests(small.api) == _digests(again.api_dir)
    other = SimulationConfig(out=tmp_path / "other", api_out=tmp_path / "other_api", seed=1)
    simulate(other)
    assert _digests(small.landing) != _digests(other.out)


def test_no_defects_profile_injects_nothing(clean) -> None:
    injected = duckdb.sql(
        f"select count(*) from read_parquet('{clean.truth}/deliveries/*/*.parquet') where len(defects) > 0"
    ).fetchall()[0][0]
    assert injected == 0
    assert clean.summary.provinces == 2


ROW_DEFECTS = {"thai_digits", "stray_space", "duplicate_row", "missing_title", "negative_budget"}


@pytest.mark.parametrize("code", sorted(ROW_DEFECTS))
def test_defect_rates_within_tolerance(harsh_province, code) -> None:
    """Unrestricted row defects land at their catalogued rate (within 4.5 standard errors)."""
    rate = next(d for d in CATALOGUE if d.code == code).rate(DefectProfile.HARSH)
    hits, rows = duckdb.sql(
        f"""
        select count(*) filter (where list_contains(defects, '{code}')), count(*)
        from read_parquet('{harsh_province.truth}/deliveries/dopa__village_plans/*.parquet')
        where row_kind = 'data'
        """
    ).fetchall()[0]
    error = math.sqrt(rate * (1 - rate) / rows)
    assert abs(hits / rows - rate) <= 4.5 * error + 1e-9, (hits, rows, rate)


def test_catalogue_is_complete_and_consistent() -> None:
    codes = [d.code for d in CATALOGUE]
    assert len(codes) == len(set(codes))
    for d in CATALOGUE:
        assert d.outcome in {"repaired", "flagged", "quarantined", "skipped", "decoded"}
        assert (d.reason is not None) == (
            d.outcome in {"quarantined", "skipped", "flagged"}
        ) or d.code == "missing_village_number"
        assert 0 <= d.default <= d.harsh <= 1


def test_scale_selects_districts() -> None:
    from simulator.geography import scope

    assert scope(SimulationConfig(out=None)) == {"54": ["5401", "5402"]}  # type: ignore[arg-type]
    two = scope(SimulationConfig(out=None, provinces=("54", "76")))  # type: ignore[arg-type]
    assert {p: len(d) for p, d in two.items()} == {"54": 1, "76": 1}
    national = scope(SimulationConfig(out=None, scale=Scale.NATIONAL))  # type: ignore[arg-type]
    assert len(national) == 76 and "10" not in national
