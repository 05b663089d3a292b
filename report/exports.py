"""The long lists behind a report, as temporary tables (after `data.prepare`), stored in their
order (so that a province's rows are read without scanning the others'), that
`spreadsheet.copy_csv` writes whole or per province: every rejected row, every plan item another
agency also plans, every village-year with a dimension the agency's plans leave uncovered,
every LAO-year without a planning-process budget. Headers: Thai / English."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from report.data import PERSONAL_KEYS
from report.spreadsheet import copy_csv


@dataclass(frozen=True)
class Export:
    table: str  # a temporary table, its rows numbered by `_order`
    columns: list[tuple[str, str]]  # (column, header)

    def write(
        self, con: duckdb.DuckDBPyConnection, path: Path, province: str | None = None
    ) -> None:
        if province is not None and not (province.isascii() and province.isdigit()):
            raise ValueError(f"not a province code: {province!r}")
        where = "true" if province is None else f"province_code = '{province}'"
        copy_csv(con, self.table, self.columns, path, where=where)

    def rows(self, con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
        names = ", ".join(f'"{name}"' for name, _ in self.columns)
        return con.execute(f"select {names} from {self.table} order by _order").fetchall()


def rejected_rows(con: duckdb.DuckDBPyConnection, agency: str) -> Export:
    """Every rejected row of the agency, by province, file and row; the delivered values one
    column each (the union of the agency's datasets' columns, personal data never)."""
    keys: list[str] = []
    for (listed,) in con.execute(
        "select distinct json_keys(delivered_values) from r_rejected "
        "where agency = $agency and delivered_values is not null",
        {"agency": agency},
    ).fetchall():
        keys.extend(key for key in listed if key not in keys and not PERSONAL_KEYS.search(key))
    delivered = "".join(
        f", rejected.delivered_values->>'{key.replace(chr(39), chr(39) * 2)}' as delivered_{index}"
        for index, key in enumerate(keys)
    )
    con.execute(
        f"""
        create or replace temp table r_export_rejected as
        select
            rejected.province_code,
            provinces.name_th as province_name,
            rejected.dataset,
            rejected.source_file,
            rejected.source_row,
            rejected.where_th,
            rejected.where_en,
            array_to_string(rejected.reason_codes, ', ') as reason_codes,
            rejected.reasons_th,
            rejected.reasons_en,
            rejected.match_candidates{delivered},
            row_number() over (
                order by rejected.province_code nulls last, rejected.dataset,
                    rejected.source_file, rejected.row_number nulls last, rejected.source_row
            ) as _order
        from r_rejected as rejected
        left join dim_province as provinces using (province_code)
        where rejected.agency = $agency
        order by _order
        """,
        {"agency": agency},
    )
    return Export(
        "r_export_rejected",
        [
            ("province_code", "รหัสจังหวัด / province_code"),
            ("province_name", "จังหวัด / province"),
            ("dataset", "ชุดข้อมูล / dataset"),
            ("source_file", "ไฟล์ / source_file"),
            ("source_row", "แถว / source_row"),
            ("where_th", "ตำแหน่งในไฟล์ / where (th)"),
            ("where_en", "where (en)"),
            ("reason_codes", "รหัสเหตุผล / reason_codes"),
            ("reasons_th", "เหตุผล / reasons (th)"),
            ("reasons_en", "reasons (en)"),
            ("match_candidates", "หมู่บ้านที่ใกล้เคียง / closest villages"),
            *(
                (f"delivered_{index}", f"ค่าที่ส่งมา / delivered: {key}")
                for index, key in enumerate(keys)
            ),
        ],
    )


def duplicated_items(con: duckdb.DuckDBPyConnection, agency: str) -> Export:
    """Every plan item of the agency that another agency also plans."""
    con.execute(
        """
        create or replace temp table r_export_duplicated as
        select
            duplicated.province_code,
            duplicated.fiscal_year,
            duplicated.village_code,
            names.village_name,
            duplicated.source_file,
            duplicated.source_row,
            duplicated.title_delivered,
            duplicated.dimension_code,
            duplicated.budget_thb,
            array_to_string(duplicated.other_sources, ', ') as other_sources,
            duplicated.integrated_project_id,
            row_number() over (
                order by duplicated.province_code, duplicated.fiscal_year,
                    duplicated.village_code, duplicated.source_file, duplicated.row_number,
                    duplicated.source_row
            ) as _order
        from r_duplicated as duplicated
        left join r_village_names as names using (village_code)
        where duplicated.agency = $agency
        order by _order
        """,
        {"agency": agency},
    )
    return Export(
        "r_export_duplicated",
        [
            ("province_code", "รหัสจังหวัด / province_code"),
            ("fiscal_year", "ปีงบประมาณ / fiscal_year"),
            ("village_code", "รหัสหมู่บ้าน / village_code"),
            ("village_name", "หมู่บ้าน / village"),
            ("source_file", "ไฟล์ / source_file"),
            ("source_row", "แถว / source_row"),
            ("title_delivered", "ชื่อโครงการที่ส่งมา / title as delivered"),
            ("dimension_code", "ด้าน / dimension"),
            ("budget_thb", "งบประมาณ (บาท) / budget_thb"),
            ("other_sources", "หน่วยงานอื่นที่วางแผนไว้ / also planned by"),
            ("integrated_project_id", "รหัสโครงการรวม / integrated_project_id"),
        ],
    )


def uncovered_dimensions(con: duckdb.DuckDBPyConnection, agency: str) -> Export:
    """Every village-year (in the provinces the agency plans in) whose dimensions its plans
    leave uncovered; dimensions by code (the report's coverage table names them)."""
    con.execute(
        """
        create or replace temp table r_export_uncovered as
        with dimensions as (
            select list(dimension_code order by dimension_code) as codes from dim_dimension
        ),
        missing as (
            select
                scope.*,
                list_filter(dimensions.codes, lambda d: not list_contains(scope.agency_dimensions, d))
                    as agency_missing
            from r_scope as scope, dimensions
            where scope.agency = $agency
        )
        select
            missing.province_code,
            missing.subdistrict_code,
            missing.village_code,
            names.village_name,
            missing.fiscal_year,
            array_to_string(missing.agency_missing, ' ') as agency_missing,
            array_to_string(list_sort(missing.dimensions_missing), ' ') as missing_everywhere,
            row_number() over (
                order by missing.province_code, missing.subdistrict_code, missing.village_code,
                    missing.fiscal_year
            ) as _order
        from missing
        left join r_village_names as names using (village_code)
        where len(missing.agency_missing) > 0
        order by _order
        """,
        {"agency": agency},
    )
    return Export(
        "r_export_uncovered",
        [
            ("province_code", "รหัสจังหวัด / province_code"),
            ("subdistrict_code", "รหัสตำบล / subdistrict_code"),
            ("village_code", "รหัสหมู่บ้าน / village_code"),
            ("village_name", "หมู่บ้าน / village"),
            ("fiscal_year", "ปีงบประมาณ / fiscal_year"),
            ("agency_missing", "ด้านที่แผนของหน่วยงานไม่ครอบคลุม / dimensions your plans miss"),
            ("missing_everywhere", "ด้านที่ไม่มีหน่วยงานใดวางแผน / dimensions no agency plans"),
        ],
    )


def laos_without_planning_budget(con: duckdb.DuckDBPyConnection) -> Export:
    """DLA: every LAO-year asked to budget the community-plan process that does not."""
    con.execute(
        """
        create or replace temp table r_export_laos as
        select
            support.province_code,
            support.lao_code,
            laos.name_th,
            support.lao_type,
            support.fiscal_year,
            support.n_villages_served,
            support.n_projects,
            support.budget_thb,
            row_number() over (
                order by support.province_code, support.lao_code, support.fiscal_year
            ) as _order
        from mart_lao_plan_support as support
        left join dim_lao as laos using (lao_code)
        where support.is_expected and not coalesce(support.budgets_planning_process, false)
        order by _order
        """
    )
    return Export(
        "r_export_laos",
        [
            ("province_code", "รหัสจังหวัด / province_code"),
            ("lao_code", "รหัส อปท. / lao_code"),
            ("name_th", "ชื่อ อปท. / LAO"),
            ("lao_type", "ประเภท / lao_type"),
            ("fiscal_year", "ปีงบประมาณ / fiscal_year"),
            ("n_villages_served", "หมู่บ้านที่ดูแล / villages served"),
            ("n_projects", "โครงการทั้งหมด / projects"),
            ("budget_thb", "งบประมาณทั้งหมด (บาท) / budget_thb"),
        ],
    )
