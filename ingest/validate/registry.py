"""The village registry for a validation, taken from the published warehouse.

An agency running `muban validate` has no DOPA registry delivery, at most the published
warehouse. Its `dim_village` (one row per village version) is turned back into what the
staging models read, raw DOPA registry snapshots (`raw.dopa__villages`, every value text), so
the real dbt models (int_villages__versioned, the CDD matching, int_plan_records) decide village
identity exactly as the nightly run does. Municipal communities are not registry rows: the
warehouse finds them in the CDD workbook itself, and so does a validation.

Snapshot k holds version min(k, n) of every village (n: its number of versions), so each
version begins in some snapshot with its own `valid_from` as the effective date; one more
snapshot after them leaves out villages the warehouse no longer lists as current (and not
dissolved), so what is current stays current and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from publish.publication import PUBLISHED_FILE

SOURCE_FILE = f"{PUBLISHED_FILE}#dim_village"
REGISTRY_REASONS = ("village_unresolved", "village_inconsistent")


@dataclass(frozen=True)
class Registry:
    """What a validation knows about villages: `source` is None when it has no registry."""

    source: Path | None
    villages: int = 0
    publication_id: str | None = None
    problem: str | None = None  # why a published warehouse could not be used


def load_registry(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Registry:
    """Write the published registry into `con` as raw DOPA registry snapshots."""
    published = warehouse / PUBLISHED_FILE
    if not published.is_file():
        return Registry(None)
    con.execute("attach ? as published (read_only)", [str(published)])
    try:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from duckdb_tables() where database_name = 'published'"
            ).fetchall()
        }
        if "dim_village" not in tables:
            return Registry(None, problem=f"{published} has no dim_village table")
        con.execute(_SNAPSHOTS_SQL.format(names=_names_sql(tables)))
        con.execute(_DELIVERIES_SQL, [SOURCE_FILE])
        con.execute(_ROWS_SQL, [SOURCE_FILE])
        villages = con.execute(
            "select count(distinct village_code) from published.dim_village where kind = 'village'"
        ).fetchone()[0]
        publication = None
        if "meta_publication" in tables:
            publication = con.execute(
                "select max(publication_id) from published.meta_publication"
            ).fetchone()[0]
        return Registry(published, villages, publication)
    finally:
        con.execute("drop table if exists registry_versions")
        con.execute("detach published")


def already_published(warehouse: Path, sha256: str) -> str | None:
    """The publication that already holds these exact bytes, if any (the nightly run would
    record the file as a duplicate and not read it again)."""
    published = warehouse / PUBLISHED_FILE
    if not published.is_file():
        return None
    with duckdb.connect(str(published), read_only=True) as con:
        has_meta = con.execute(
            "select count(*) from duckdb_tables() where table_name = 'meta_publication'"
        ).fetchone()[0]
        if not has_meta:
            return None
        return con.execute(
            "select max(publication_id) from meta_publication, unnest(deliveries) as d(delivery) "
            "where delivery.sha256 = ?",
            [sha256],
        ).fetchone()[0]


def _names_sql(tables: set[str]) -> str:
    """Subdistrict, district and province names from the published dimensions, when present."""
    joins = []
    if "dim_subdistrict" in tables:
        joins.append(
            "left join published.dim_subdistrict as s on s.subdistrict_code = v.subdistrict_code"
        )
    if "dim_district" in tables:
        joins.append("left join published.dim_district as d on d.district_code = v.district_code")
    if "dim_province" in tables:
        joins.append("left join published.dim_province as p on p.province_code = v.province_code")
    names = [
        "s.name_th" if "dim_subdistrict" in tables else "null",
        "d.name_th" if "dim_district" in tables else "null",
        "p.name_th" if "dim_province" in tables else "null",
    ]
    return (
        f"{names[0]} as subdistrict_name, {names[1]} as district_name, "
        f"{names[2]} as province_name from published.dim_village as v " + " ".join(joins)
    )


# One row per village version and synthetic snapshot it appears in.
_SNAPSHOTS_SQL = """
create temp table registry_versions as
with versions as (
    select
        v.village_code, v.moo, v.name_th, v.subdistrict_code, v.status, v.valid_from,
        v.is_current,
        row_number() over (
            partition by v.village_code order by v.valid_from, v.valid_to nulls last
        ) as version,
        count(*) over (partition by v.village_code) as n_versions,
        {names}
    where v.kind = 'village' and v.village_code is not null
),
bounds as (
    select max(n_versions) as k_max, coalesce(max(valid_from), current_date) as last_valid_from
    from versions
),
snapshots as (
    select k, (bounds.last_valid_from + cast(k as integer))::date as snapshot_on, bounds.k_max
    from bounds, range(1, bounds.k_max + 2) as r(k)
)
select versions.*, snapshots.k, snapshots.snapshot_on
from versions
inner join snapshots
    on versions.version = least(snapshots.k, versions.n_versions)
where
    snapshots.k <= snapshots.k_max
    -- the last snapshot lists what the warehouse holds as current, and the dissolved
    or versions.version = versions.n_versions
    and (versions.is_current or versions.status = 'dissolved')
"""

_BE_DATE = "cast(year({d}) + 543 as varchar) || strftime({d}, '%m%d')"

_DELIVERIES_SQL = f"""
insert into raw.deliveries (
    delivery_id, agency, dataset, origin, original_name, sha256, received_at,
    snapshot_date, status, rows_read, rows_skipped
)
select
    'dopa/villages@published-' || k, 'dopa', 'dopa/villages', 'published', ?,
    'published-' || k, timestamptz '2000-01-01 00:00:00+00',
    {_BE_DATE.format(d="snapshot_on")}, 'ingested', count(*), 0
from registry_versions
group by k, snapshot_on
"""

_ROWS_SQL = """
insert into raw.dopa__villages (
    village_code, moo, village_name, subdistrict_code, subdistrict_name, district_name,
    province_name, status, effective_date, headman_name, headman_phone,
    _delivery_id, _source_file, _source_row, _source_line, _problem, _flags
)
select
    village_code,
    cast(moo as varchar),
    name_th,
    subdistrict_code,
    subdistrict_name,
    district_name,
    province_name,
    -- dim_village.status back to the registry's Thai สถานะ
    case status when 'active' then 'ปกติ' when 'new' then 'ตั้งใหม่' when 'dissolved' then 'ยกเลิก' end,
    -- d/m/yyyy BE, as the registry writes it
    strftime(valid_from, '%-d/%-m/') || cast(year(valid_from) + 543 as varchar),
    null,
    null,
    'dopa/villages@published-' || k,
    ?,
    cast(row_number() over (partition by k order by village_code) as varchar),
    null,
    null,
    null
from registry_versions
"""
