"""What each agency's report says, queried from the published warehouse with DuckDB.

`prepare` builds a few temporary tables once per report run (the quarantined rows with their
province and where they sit in the agency's file, the plan items another agency also plans,
dimension coverage per agency and province); `collect` then reads one agency's report, or one
province of it, from them: counts and the first rows of each list, never every row (the
spreadsheets carry every rejected row).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb

from report.labels import (
    AGENCIES,
    DATASET_NAMES,
    STATUS_NAMES,
    WHERE_EN_SQL,
    WHERE_TH_SQL,
    agency_en,
    agency_th,
    thai_datetime,
)

PLAN_AGENCIES = ("dopa", "cdd", "dla")
VILLAGE_REASONS = ("village_unresolved", "village_inconsistent")
LAO_ROWS = 100  # a province has about a hundred LAOs: list them all in its page
# OPS MOI's five need dimensions, as the coverage mart names its columns
NEED_DIMENSIONS = ("HLT", "SOC", "EDU", "ECO", "GOV")
# never shown, even if a delivered-values column of that name ever appeared
PERSONAL_KEYS = re.compile(r"headman|phone|tel|ผู้ใหญ่บ้าน|โทร", re.IGNORECASE)
# the delivered cells that say which village or place a row is about
PLACE_KEYS = (
    "village_code",
    "moo",
    "village_name",
    "subdistrict_name",
    "district_name",
    "lao_code",
    "target",
)

Record = dict[str, Any]


@dataclass(frozen=True)
class Publication:
    publication_id: str
    published_at: Any


@dataclass
class ReportData:
    """Everything one report shows; lists hold at most `sample_rows` rows, counts are whole."""

    agency: str
    publication: Publication
    province: Record | None  # the province of a per-province report
    totals: Record
    deliveries: list[Record]
    provinces: list[Record]
    reasons: list[Record]
    reason_samples: dict[str, list[Record]]
    villages: Record
    duplicates: Record
    coverage: list[Record]
    coverage_scope: Record
    needs: list[Record]
    laos: Record | None
    expectations: list[Record] | None
    sample_rows: int
    files: list[Record] = field(default_factory=list)

    @property
    def agency_th(self) -> str:
        return agency_th(self.agency)

    @property
    def agency_en(self) -> str:
        return agency_en(self.agency)

    @property
    def published_at_th(self) -> str:
        return thai_datetime(self.publication.published_at)


def latest_publication(con: duckdb.DuckDBPyConnection) -> Publication:
    row = con.execute(
        "select publication_id, published_at from meta_publication "
        "order by published_at desc, publication_id desc limit 1"
    ).fetchone()
    if row is None:
        raise ValueError("meta_publication is empty: nothing has been published")
    return Publication(row[0], row[1])


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """The temporary tables every report reads (in memory: the published file stays read-only)."""
    agencies = ", ".join(f"'{agency}'" for agency in AGENCIES)
    con.execute(
        f"""
        create or replace temp table r_deliveries as
        select * from rpt_delivery_quality where agency in ({agencies})
        """
    )
    # code -> Thai and English text: the quarantine joins them with '; ' in the codes' order
    con.execute(
        """
        create or replace temp table r_reason_names as
        select reason_code, any_value(reason_th) as reason_th, any_value(reason_en) as reason_en
        from (
            select
                unnest(reason_codes) as reason_code,
                unnest(string_split(reasons_th, '; ')) as reason_th,
                unnest(string_split(reasons_en, '; ')) as reason_en
            from quarantine
        )
        where reason_code is not null
        group by reason_code
        """
    )
    # the province of a rejected row: the delivery's (files), else its LAO's, else its village's
    con.execute(
        f"""
        create or replace temp table r_rejected as
        with located as (
            select
                quarantine.*,
                coalesce(
                    deliveries.province_code,
                    laos.province_code,
                    lao_provinces.province_code,
                    village_provinces.province_code
                ) as province_code,
                try_cast(quarantine.source_row as bigint) as row_number
            from quarantine
            left join rpt_delivery_quality as deliveries
                on quarantine.delivery_id = deliveries.delivery_id
            left join dim_lao as laos on laos.lao_code = quarantine.delivered_values->>'lao_code'
            left join dim_province as lao_provinces
                on lao_provinces.province_code = substr(quarantine.delivered_values->>'lao_code', 2, 2)
            left join dim_province as village_provinces
                on village_provinces.province_code
                = substr(quarantine.delivered_values->>'village_code', 1, 2)
        )
        select
            located.*,
            {WHERE_TH_SQL} as where_th,
            {WHERE_EN_SQL} as where_en
        from located
        order by agency, province_code
        """
    )
    con.execute(
        """
        create or replace temp table r_village_names as
        select village_code, arg_max(name_th, valid_from) as village_name
        from dim_village
        group by village_code
        """
    )
    # plan items that another agency also plans (same integrated project); every temporary
    # table is sorted by agency and province so that a province's report skips the rest
    con.execute(
        """
        create or replace temp table r_duplicated as
        with projects as (
            select integrated_project_id, title, sources
            from fct_integrated_project
            where is_duplicated
        )
        select
            items.source as agency,
            items.province_code,
            items.fiscal_year,
            items.village_code,
            items.subdistrict_code,
            items.lao_code,
            items.title_delivered,
            items.dimension_code,
            items.budget_thb,
            items.dataset,
            items.source_file,
            items.source_row,
            try_cast(items.source_row as bigint) as row_number,
            projects.integrated_project_id,
            list_sort(list_filter(projects.sources, lambda s: s != items.source)) as other_sources
        from fct_plan_item as items
        inner join projects on items.integrated_project_id = projects.integrated_project_id
        order by agency, province_code
        """
    )
    con.execute("delete from r_duplicated where len(other_sources) = 0")
    con.execute(
        """
        create or replace temp table r_item_counts as
        select source as agency, province_code, count(*) as n_items
        from fct_plan_item
        group by all
        """
    )
    # rows accepted per province (what rpt_delivery_quality cannot split: API pulls); a DLA
    # record gives one plan item per budgeted year, hence the distinct delivered rows
    con.execute(
        """
        create or replace temp table r_accepted as
        select agency, province_code, sum(n_rows) as n_rows
        from (
            select source as agency, province_code, count(*) as n_rows
            from (select distinct source, province_code, delivery_id, source_row from fct_plan_item)
            group by all
            union all
            select 'cdd', province_code, count(*)
            from mart_plan_certification
            where source_row is not null
            group by all
            union all
            select 'opsmoi', province_code, count(*)
            from (
                select distinct village_code, province_code, need_survey_year, dimension
                from mart_village_plan_coverage
                unpivot (households for dimension in (
                    households_in_need_hlt, households_in_need_soc, households_in_need_edu,
                    households_in_need_eco, households_in_need_gov
                ))
            )
            group by all
        )
        group by all
        """
    )
    _prepare_coverage(con)


def _prepare_coverage(con: duckdb.DuckDBPyConnection) -> None:
    """Per agency, province and dimension: of the village-years where the agency plans in the
    province, how many its own plans cover, how many any agency's plans cover, and how many no
    plan covers (`dimensions_missing`)."""
    con.execute(
        """
        create or replace temp table r_agency_dimensions as
        select distinct items.source as agency, villages.village_code, items.fiscal_year,
            items.dimension_code
        from fct_plan_item as items
        inner join bridge_plan_item_village as villages on items.plan_item_id = villages.plan_item_id
        where items.dimension_code is not null
        """
    )
    agencies = ", ".join(f"('{agency}')" for agency in PLAN_AGENCIES)
    con.execute(
        f"""
        create or replace temp table r_scope as
        select
            agencies.agency,
            coverage.village_code,
            coverage.fiscal_year,
            coverage.province_code,
            coverage.subdistrict_code,
            coverage.dimensions_planned,
            coverage.dimensions_missing,
            coalesce(own.dimensions, []) as agency_dimensions
        from mart_village_plan_coverage as coverage
        cross join (values {agencies}) as agencies (agency)
        left join (
            select agency, village_code, fiscal_year, list(dimension_code) as dimensions
            from r_agency_dimensions
            group by all
        ) as own
            on own.agency = agencies.agency
            and own.village_code = coverage.village_code
            and own.fiscal_year = coverage.fiscal_year
        where list_contains(coverage.plan_sources_in_province, agencies.agency)
        order by agencies.agency, coverage.province_code
        """
    )
    con.execute(
        """
        create or replace temp table r_coverage as
        select
            scope.agency,
            scope.province_code,
            dimensions.dimension_code,
            count(*) as n_village_years,
            count(*) filter (where list_contains(scope.agency_dimensions, dimensions.dimension_code))
                as n_agency,
            count(*) filter (where list_contains(scope.dimensions_planned, dimensions.dimension_code))
                as n_any,
            count(*) filter (where list_contains(scope.dimensions_missing, dimensions.dimension_code))
                as n_missing
        from r_scope as scope
        cross join dim_dimension as dimensions
        group by all
        """
    )


def collect(
    con: duckdb.DuckDBPyConnection,
    agency: str,
    publication: Publication,
    *,
    province: str | None = None,
    sample_rows: int = 20,
    provinces: list[Record] | None = None,
) -> ReportData:
    """One agency's report (or one province of it); `provinces` as `province_rows` gives them,
    when the caller has them already."""
    params: dict[str, Any] = {"agency": agency}
    where = "agency = $agency"
    if province is not None:
        params["province"] = province
        where += " and province_code = $province"
    reasons = _records(
        con,
        f"""
        select reason_code, reason_th, reason_en, count(*) as n_rows,
            list(distinct dataset order by dataset) as datasets
        from (select unnest(reason_codes) as reason_code, dataset from r_rejected where {where})
        left join r_reason_names using (reason_code)
        group by all
        order by n_rows desc, reason_code
        """,
        params,
    )
    provinces = provinces if provinces is not None else province_rows(con, agency)
    return ReportData(
        agency=agency,
        publication=publication,
        province=_province(con, province),
        totals=_totals(con, where, params, provinces),
        deliveries=_deliveries(con, where, params),
        provinces=provinces if province is None else [],
        reasons=reasons,
        reason_samples=_reason_samples(con, where, params, sample_rows),
        villages=_villages(con, where, params, sample_rows),
        duplicates=_duplicates(con, where, params, sample_rows),
        coverage=_coverage(con, where, params),
        coverage_scope=_coverage_scope(con, where, params),
        needs=_needs(con, params) if agency == "opsmoi" else [],
        laos=_laos(con, params, max(sample_rows, LAO_ROWS)) if agency == "dla" else None,
        expectations=_expectations(con, where, params),
        sample_rows=sample_rows,
    )


def _records(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[Record]:
    cursor = con.execute(sql, params or {})
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _province(con: duckdb.DuckDBPyConnection, province: str | None) -> Record | None:
    if province is None:
        return None
    found = _records(
        con,
        "select province_code, name_th, name_en from dim_province where province_code = $p",
        {"p": province},
    )
    return found[0] if found else {"province_code": province, "name_th": province, "name_en": ""}


def _totals(
    con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any], provinces: list[Record]
) -> Record:
    """Counts over the agency's deliveries; for one province, the rows of that province."""
    if params.get("province") is None:
        totals = _records(
            con,
            """
            select
                count(*) as deliveries,
                count(*) filter (where status = 'rejected') as deliveries_rejected,
                count(*) filter (where status = 'duplicate') as deliveries_duplicate,
                coalesce(sum(rows_read), 0) as rows_read,
                coalesce(sum(rows_published), 0) as rows_published,
                coalesce(sum(rows_quarantined), 0) as rows_quarantined,
                coalesce(sum(rows_superseded), 0) as rows_superseded,
                coalesce(sum(rows_skipped), 0) as rows_skipped,
                coalesce(sum(rows_duplicated_elsewhere), 0) as rows_duplicated_elsewhere
            from r_deliveries where agency = $agency
            """,
            {"agency": params["agency"]},
        )[0]
    else:
        row = next((p for p in provinces if p["province_code"] == params.get("province")), None)
        deliveries = _records(
            con,
            f"""
            select count(*) as deliveries,
                count(*) filter (where status = 'rejected') as deliveries_rejected,
                count(*) filter (where status = 'duplicate') as deliveries_duplicate
            from r_deliveries where {where}
            """,
            params,
        )[0]
        totals = {
            **deliveries,
            "rows_read": row["rows_received"] if row else 0,
            "rows_published": row["rows_accepted"] if row else 0,
            "rows_quarantined": row["rows_rejected"] if row else 0,
            "rows_superseded": row["rows_superseded"] if row else 0,
            "rows_skipped": None,
            "rows_duplicated_elsewhere": None,
        }
    totals["village_match_rate"] = _match_rate(con, where, params)
    return totals


def _match_rate(con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]) -> float | None:
    """The share of rows needing a village that found one, weighted over the deliveries."""
    if params.get("province") is not None:
        return None
    row = con.execute(
        """
        select sum(village_match_rate * (rows_published + rows_quarantined))
            / nullif(sum(rows_published + rows_quarantined), 0)
        from r_deliveries where agency = $agency and village_match_rate is not null
        """,
        {"agency": params["agency"]},
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def _deliveries(con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]) -> list[Record]:
    rows = _records(
        con,
        f"""
        select deliveries.*, provinces.name_th as province_name_th
        from r_deliveries as deliveries
        left join dim_province as provinces using (province_code)
        where {where}
        order by deliveries.status = 'ingested', deliveries.dataset, deliveries.province_code,
            deliveries.fiscal_year, deliveries.received_at, deliveries.source_file
        """,
        params,
    )
    for row in rows:
        row["dataset_th"], row["dataset_en"] = DATASET_NAMES.get(
            row["dataset"], (row["dataset"], row["dataset"])
        )
        row["status_th"], row["status_en"] = STATUS_NAMES.get(
            row["status"], (row["status"], row["status"])
        )
        row["received_at_th"] = thai_datetime(row["received_at"])
    return rows


def province_rows(con: duckdb.DuckDBPyConnection, agency: str) -> list[Record]:
    """Rows received, accepted, rejected and superseded per province. What no province can be
    given (registries, superseded API editions) is one last row without a province code, so the
    rows add up to the agency's totals."""
    rows = _records(
        con,
        """
        with accepted as (
            select province_code, n_rows from r_accepted where agency = $agency
        ),
        rejected as (
            select province_code, count(*) as n_rows,
                count(*) filter (where list_has_any(reason_codes, $village_reasons)) as n_villages
            from r_rejected where agency = $agency group by all
        ),
        superseded as (
            select province_code, sum(rows_superseded) as n_rows
            from r_deliveries
            where agency = $agency and province_code is not null
            group by all
        ),
        duplicated as (
            select province_code, count(*) as n_rows from r_duplicated where agency = $agency
            group by all
        ),
        items as (select province_code, n_items from r_item_counts where agency = $agency),
        codes as (
            select province_code from accepted union select province_code from rejected
            union select province_code from superseded
        )
        select
            codes.province_code,
            provinces.name_th,
            provinces.name_en,
            coalesce(accepted.n_rows, 0) as rows_accepted,
            coalesce(rejected.n_rows, 0) as rows_rejected,
            coalesce(superseded.n_rows, 0) as rows_superseded,
            coalesce(rejected.n_villages, 0) as rows_village_unidentified,
            coalesce(items.n_items, 0) as n_items,
            coalesce(duplicated.n_rows, 0) as n_items_duplicated
        from codes
        left join dim_province as provinces using (province_code)
        left join accepted using (province_code)
        left join rejected using (province_code)
        left join superseded using (province_code)
        left join items using (province_code)
        left join duplicated using (province_code)
        where codes.province_code is not null
        order by codes.province_code
        """,
        {"agency": agency, "village_reasons": list(VILLAGE_REASONS)},
    )
    for row in rows:
        row["rows_received"] = row["rows_accepted"] + row["rows_rejected"] + row["rows_superseded"]
    totals = con.execute(
        """
        select coalesce(sum(rows_published), 0), coalesce(sum(rows_quarantined), 0),
            coalesce(sum(rows_superseded), 0)
        from r_deliveries where agency = $agency
        """,
        {"agency": agency},
    ).fetchone()
    rest = {
        "rows_accepted": totals[0] - sum(r["rows_accepted"] for r in rows),
        "rows_rejected": totals[1] - sum(r["rows_rejected"] for r in rows),
        "rows_superseded": totals[2] - sum(r["rows_superseded"] for r in rows),
    }
    if any(rest.values()):
        rejected_unknown = con.execute(
            "select count(*) filter (where list_has_any(reason_codes, $v)) from r_rejected "
            "where agency = $agency and province_code is null",
            {"agency": agency, "v": list(VILLAGE_REASONS)},
        ).fetchone()
        rows.append(
            {
                "province_code": None,
                "name_th": "ไม่แยกจังหวัด (ทะเบียน ฉบับที่ถูกแทนที่ หรือไม่ทราบจังหวัด)",
                "name_en": "not by province (registries, replaced editions, unknown province)",
                **rest,
                "rows_received": sum(rest.values()),
                "rows_village_unidentified": rejected_unknown[0] if rejected_unknown else 0,
                "n_items": 0,
                "n_items_duplicated": 0,
            }
        )
    return rows


def _reason_samples(
    con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any], sample_rows: int
) -> dict[str, list[Record]]:
    rows = _records(
        con,
        f"""
        select reason_code, province_code, dataset, source_file, source_row, where_th, where_en,
            reasons_th, reasons_en, match_candidates, delivered_values::varchar as delivered
        from (select *, unnest(reason_codes) as reason_code from r_rejected where {where})
        qualify row_number() over (
            partition by reason_code
            order by province_code, dataset, source_file, row_number, source_row
        ) <= $n
        order by reason_code, province_code, dataset, source_file, row_number, source_row
        """,
        {**params, "n": sample_rows},
    )
    samples: dict[str, list[Record]] = {}
    for row in rows:
        row["delivered"] = delivered_pairs(row["delivered"])
        samples.setdefault(row["reason_code"], []).append(row)
    return samples


def delivered_pairs(delivered: str | None, keys: Sequence[str] | None = None) -> list[tuple]:
    """(column, value) of what the agency delivered, without empty cells or personal data."""
    if not delivered:
        return []
    values = json.loads(delivered)
    if not isinstance(values, dict):
        return [("value", str(values))]
    return [
        (key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
        for key, value in values.items()
        if value not in (None, "")
        and not PERSONAL_KEYS.search(key)
        and (keys is None or key in keys)
    ]


def _villages(
    con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any], sample_rows: int
) -> Record:
    """Rows whose village could not be identified, with the closest villages of the registry."""
    filter_ = f"{where} and list_has_any(reason_codes, $village_reasons)"
    params = {**params, "village_reasons": list(VILLAGE_REASONS)}
    count = con.execute(f"select count(*) from r_rejected where {filter_}", params).fetchone()
    rows = _records(
        con,
        f"""
        select province_code, dataset, source_file, source_row, where_th, where_en, reason_codes,
            reasons_th, reasons_en, match_candidates, delivered_values::varchar as delivered
        from r_rejected
        where {filter_}
        order by province_code, dataset, source_file, row_number, source_row
        limit $n
        """,
        {**params, "n": sample_rows},
    )
    for row in rows:
        row["place"] = delivered_pairs(row.pop("delivered"), PLACE_KEYS)
        row["candidates"] = [
            part.strip() for part in (row["match_candidates"] or "").split(";") if part.strip()
        ]
    return {"n_rows": count[0] if count else 0, "rows": rows}


def _duplicates(
    con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any], sample_rows: int
) -> Record:
    by_other = _records(
        con,
        f"""
        select other_sources, count(*) as n_items, sum(budget_thb) as budget_thb
        from r_duplicated where {where}
        group by all order by n_items desc
        """,
        params,
    )
    for row in by_other:
        row["others_th"] = ", ".join(agency_th(a) for a in row["other_sources"])
    items = con.execute(
        f"select coalesce(sum(n_items), 0) from r_item_counts where {where}", params
    ).fetchone()
    rows = _records(
        con,
        f"""
        select duplicated.*, names.village_name
        from r_duplicated as duplicated
        left join r_village_names as names using (village_code)
        where {where}
        order by province_code, fiscal_year, village_code, dataset, source_file, row_number, source_row
        limit $n
        """,
        {**params, "n": sample_rows},
    )
    n_duplicated = sum(row["n_items"] for row in by_other)
    return {
        "n_items": items[0] if items else 0,
        "n_duplicated": n_duplicated,
        "by_other": by_other,
        "rows": rows,
    }


def _coverage(con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]) -> list[Record]:
    rows = _records(
        con,
        f"""
        select dimensions.dimension_code, dimensions.name_th, dimensions.name_en,
            coalesce(sum(n_village_years), 0) as n_village_years,
            coalesce(sum(n_agency), 0) as n_agency,
            coalesce(sum(n_any), 0) as n_any,
            coalesce(sum(n_missing), 0) as n_missing
        from dim_dimension as dimensions
        left join (select * from r_coverage where {where}) as coverage using (dimension_code)
        group by all
        order by dimensions.dimension_code
        """,
        params,
    )
    for row in rows:
        scope = row["n_village_years"] or 0
        row["pct_agency"] = 100.0 * row["n_agency"] / scope if scope else 0.0
        row["pct_any"] = 100.0 * row["n_any"] / scope if scope else 0.0
    return rows if any(row["n_village_years"] for row in rows) else []


def _coverage_scope(con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]) -> Record:
    row = _records(
        con,
        f"""
        select count(*) as n_village_years,
            count(*) filter (where len(agency_dimensions) = 0) as n_without_agency_plan,
            count(*) filter (where len(agency_dimensions) < 7) as n_agency_incomplete,
            count(*) filter (where len(dimensions_missing) > 0) as n_missing_any,
            list(distinct fiscal_year order by fiscal_year) as fiscal_years
        from r_scope where {where}
        """,
        params,
    )
    return row[0]


def _needs(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> list[Record]:
    """OPS MOI: village-years with households in need, and those no plan answers."""
    unions = " union all ".join(
        f"""
        select '{code}' as dimension_code,
            count(*) filter (where households_in_need_{code.lower()} > 0) as n_in_need,
            count(*) filter (where unmet_need_{code.lower()}) as n_unmet,
            coalesce(sum(households_in_need_{code.lower()}), 0) as households_in_need
        from mart_village_plan_coverage
        where $province::varchar is null or province_code = $province
        """
        for code in NEED_DIMENSIONS
    )
    rows = _records(
        con,
        f"""
        select needs.*, dimensions.name_th, dimensions.name_en
        from ({unions}) as needs left join dim_dimension as dimensions using (dimension_code)
        order by needs.dimension_code
        """,
        {"province": params.get("province")},
    )
    for row in rows:
        row["pct_unmet"] = 100.0 * row["n_unmet"] / row["n_in_need"] if row["n_in_need"] else 0.0
    return rows


def _laos(con: duckdb.DuckDBPyConnection, params: dict[str, Any], sample_rows: int) -> Record:
    """DLA: the LAOs asked to budget the community-plan process that do not, by year."""
    filter_ = (
        "support.is_expected and ($province::varchar is null or support.province_code = $province)"
    )
    counts = _records(
        con,
        f"""
        select count(distinct lao_code) as n_expected,
            count(distinct lao_code) filter (where not coalesce(budgets_planning_process, false))
                as n_without,
            count(*) as n_lao_years,
            count(*) filter (where not coalesce(budgets_planning_process, false)) as n_lao_years_without
        from mart_lao_plan_support as support where {filter_}
        """,
        {"province": params.get("province")},
    )[0]
    rows = _records(
        con,
        f"""
        select support.lao_code, laos.name_th, support.lao_type, support.province_code,
            provinces.name_th as province_name_th,
            list(support.fiscal_year order by support.fiscal_year) as fiscal_years,
            max(support.n_villages_served) as n_villages_served
        from mart_lao_plan_support as support
        left join dim_lao as laos using (lao_code)
        left join dim_province as provinces on provinces.province_code = support.province_code
        where {filter_} and not coalesce(support.budgets_planning_process, false)
        group by all
        order by support.province_code, support.lao_code
        limit $n
        """,
        {"province": params.get("province"), "n": sample_rows},
    )
    return {**counts, "rows": rows}


EXPECTATION_COLUMNS = (
    "suite",
    "expectation",
    "column",
    "success",
    "element_count",
    "unexpected_count",
    "unexpected_percent",
    "examples",
    "description_th",
    "description_en",
)


def _expectations(
    con: duckdb.DuckDBPyConnection, where: str, params: dict[str, Any]
) -> list[Record] | None:
    """The checks run on each delivery (`rpt_delivery_expectations`), when the publication has
    them; None when it does not."""
    present = {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where table_name = 'rpt_delivery_expectations'"
            " and schema_name = 'main' and database_name = current_database()"
        ).fetchall()
    }
    if "target" not in present:
        return None
    columns = ", ".join(
        f'expectations."{name}"' if name in present else f'null as "{name}"'
        for name in EXPECTATION_COLUMNS
    )
    rows = _records(
        con,
        f"""
        select deliveries.dataset, deliveries.source_file, deliveries.province_code, {columns}
        from rpt_delivery_expectations as expectations
        inner join (select * from r_deliveries where {where}) as deliveries
            on expectations.target = deliveries.delivery_id
        order by coalesce(expectations.success, false), deliveries.dataset,
            deliveries.source_file, 5, 6
        """,
        params,
    )
    for row in rows:
        examples = row["examples"]
        if isinstance(examples, list | tuple):
            row["examples"] = ", ".join(str(example) for example in examples[:5])
        elif examples is not None:
            row["examples"] = str(examples)[:300]
    return rows
