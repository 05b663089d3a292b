"""The reconciled warehouse built by the nightly job (ingest + dbt) on a whole simulated province
with the harsh defect profile, checked against the simulator's ground truth."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from muban.nightly import run_nightly
from muban.score import score_warehouse
from simulator.server import ApiServer
from tests.conftest import leaks_in_database, personal_pattern

# The defects whose outcome is a quarantine, and the reason each must get.
QUARANTINED = {
    "duplicate_row": "duplicate_row",
    "negative_budget": "negative_budget",
    "absurd_budget": "absurd_budget",
    "bad_fiscal_year": "bad_fiscal_year",
    "missing_title": "missing_title",
    "unknown_dimension": "unknown_dimension",
    "unknown_village": "village_unresolved",
    "wrong_village_number": "village_inconsistent",
    "need_exceeds_surveyed": "need_exceeds_surveyed",
}
PLAN_DATASETS = ("dopa__village_plans", "cdd__community_plans", "dla__plan_projects")


@pytest.fixture(scope="module")
def built(harsh_province, tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("warehouse")
    with ApiServer(harsh_province.api) as api:
        outcome = run_nightly(
            warehouse=warehouse,
            landing=harsh_province.landing,
            dla_base_url=api.base_url,
            ckan_base_url=api.base_url,
        )
    assert outcome.success, outcome.summary
    return warehouse


@pytest.fixture
def con(built):
    with duckdb.connect(str(built / "work" / "work.duckdb"), read_only=True) as connection:
        yield connection


def test_every_delivered_row_is_published_quarantined_or_superseded(con) -> None:
    rows = con.execute(
        """
        select dataset, rows_read, rows_published, rows_quarantined, rows_superseded, is_conserved
        from marts.rpt_delivery_quality where status = 'ingested'
        """
    ).fetchall()
    assert {r[0] for r in rows} >= {
        "dopa/villages",
        "dopa/village_plans",
        "cdd/community_plans",
        "cdd/certification",
        "dla/laos",
        "dla/plan_projects",
        "opsmoi/household_needs",
    }
    for dataset, read, published, quarantined, superseded, conserved in rows:
        assert read == published + quarantined + superseded, dataset
        assert conserved
        assert published > 0, dataset


def test_quarantined_defects_get_their_reason(con, harsh_province) -> None:
    truth = harsh_province.truth / "deliveries"
    con.execute(
        f"""
        create temp table truth_rows as
        select dataset, source_file, coalesce(cast(source_row as varchar), record_id) as source_row,
            unnest(defects) as defect, row_kind
        from read_parquet('{truth}/*/*.parquet', union_by_name = true)
        where row_kind in ('data', 'duplicate')
        """
    )
    for defect, reason in QUARANTINED.items():
        expected, found = con.execute(
            """
            select count(*), count(*) filter (where list_contains(q.reason_codes, $reason))
            from truth_rows as t
            left join marts.quarantine as q
                on q.dataset = t.dataset and q.source_file = t.source_file and q.source_row = t.source_row
            -- the first copy of a duplicated row is published; the copy is the one rejected
            where t.defect = $defect and (t.row_kind = 'duplicate') = ($defect = 'duplicate_row')
            """,
            {"defect": defect, "reason": reason},
        ).fetchall()[0]
        assert expected > 0, defect
        # a few injected defects leave no visible trace (a wrong number that names a village
        # with the same name, a duplicate of a row already quarantined): allow a sliver
        assert found >= 0.95 * expected, (defect, found, expected)


def test_quarantine_explains_in_thai_and_english_and_names_candidates(con) -> None:
    rows = con.execute(
        """
        select reasons_th, reasons_en, match_candidates
        from marts.quarantine where list_contains(reason_codes, 'village_inconsistent')
        """
    ).fetchall()
    assert rows
    for thai, english, candidates in rows:
        assert "หมู่ที่" in thai and "village" in english
        assert candidates and "หมู่ที่" in candidates


def test_village_matching_and_duplicates_meet_the_targets_on_harsh_data(
    built, harsh_province
) -> None:
    score = score_warehouse(built, harsh_province.truth)
    village, pairs = score.overall_village(), score.overall_pairs()
    assert village.precision >= 0.995 and village.recall >= 0.97
    assert pairs.precision >= 0.93 and pairs.recall >= 0.85


def test_integrated_projects_never_span_villages_or_years(con) -> None:
    assert (
        con.execute(
            """
        select count(*) from (
            select integrated_project_id
            from marts.fct_plan_item
            group by integrated_project_id
            having count(distinct fiscal_year) > 1
                or count(distinct coalesce(village_code, '')) > 1
                or count(*) > count(distinct source)
        )
        """
        ).fetchall()[0][0]
        == 0
    )
    reported, best = con.execute(
        "select sum(budget_reported_thb), sum(budget_thb) from marts.fct_integrated_project"
    ).fetchall()[0]
    assert reported > best > 0  # the double count the circular complains about


def test_every_published_item_has_a_village_and_a_dimension_or_a_flag(con) -> None:
    assert (
        con.execute(
            """
        select count(*) from marts.fct_plan_item as items
        anti join marts.bridge_plan_item_village as bridge using (plan_item_id)
        """
        ).fetchall()[0][0]
        == 0
    )
    assert (
        con.execute(
            """
        select count(*) from marts.fct_plan_item
        where dimension_code is null and dimension_method != 'unclassified'
        """
        ).fetchall()[0][0]
        == 0
    )


def test_superseded_editions_are_not_published(con) -> None:
    superseded, published = con.execute(
        """
        select count(*), count(items.plan_item_id)
        from staging.stg_dla__plan_projects as projects
        left join marts.fct_plan_item as items
            on items.delivery_id = projects.delivery_id and items.source_row = projects.source_row
        where not projects.is_latest_edition
        """
    ).fetchall()[0]
    assert superseded > 0 and published == 0


def test_no_headman_name_or_phone_reaches_a_mart(con) -> None:
    personal = {
        value
        for (name, phone) in con.execute(
            "select headman_name, headman_phone from raw.dopa__villages"
        ).fetchall()
        for value in (name, phone)
        if value
    }
    assert len(personal) > 100
    # the scan of tests/test_personal_data.py (its positive control proves it finds them)
    assert leaks_in_database(con, personal_pattern(personal), schemas={"marts"}) == []
