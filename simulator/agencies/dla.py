"""DLA: the LAO registry (CSV) and the five-year local development plans (the API's records)."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.agencies.common import amounts, stray_spaces, truth_table, zero_width
from simulator.config import DefectProfile
from simulator.defects import Injector
from simulator.laos import compress_moo
from simulator.projects import DIMENSIONS, Plans
from simulator.rng import stream
from simulator.textformat import delimited_lines, join, lookup, strings, to_thai_digits, where
from simulator.vocabulary import (
    DLA_EDITIONS,
    DLA_KPIS,
    DLA_OBJECTIVES,
    DLA_PROGRAMS,
    DLA_STRATEGIES,
    DLA_UNITS,
)

LAOS_HEADER = ("รหัส อปท.", "ชื่อ อปท.", "ประเภท อปท.", "รหัสตำบล", "หมู่ที่รับผิดชอบ")
ENDPOINT = "/api/v1/plan-projects"


def laos_lines(
    lao_area: pa.Table, seed: int, profile: DefectProfile, place: str
) -> tuple[pa.Array, pa.Table]:
    """The LAO registry's data lines for one province, and their truth."""
    n = lao_area.num_rows
    inj = Injector(profile, seed, "dla/laos", place, n)
    served = lao_area.column("moo_served").to_pylist()
    text = pa.array(["ทั้งตำบล" if m is None else compress_moo(m) for m in served])
    thai = inj.rows("thai_digits")
    text = where(thai, to_thai_digits(text), text)
    sub = strings(lao_area.column("subdistrict_code"))
    sub = where(inj.rows("code_as_float"), join(sub, ".0"), sub)
    lines = delimited_lines(
        [
            lao_area.column("lao_code"),
            lao_area.column("lao_name"),
            lao_area.column("lao_type"),
            sub,
            text,
        ],
        ",",
        quote=False,
    )
    truth = truth_table(
        "dla/laos",
        "",
        row_kind=pa.array(np.full(n, "data")),
        village_keys=pa.array([[]] * n, pa.list_(pa.string())),
        project_id=pa.nulls(n, pa.string()),
        defects=inj.codes(),
    )
    return lines, truth


def _edition_times(period_start: int, lao_codes: np.ndarray, seed: int) -> np.ndarray:
    """When each edition was published, per LAO (ISO 8601, +07:00)."""
    first_ce = period_start - 543 - 1  # the plan is approved the year before it starts
    base = [
        dt.datetime(first_ce, 6, 15, 9, 0),
        dt.datetime(first_ce + 1, 3, 1, 10, 0),
        dt.datetime(first_ce + 1, 9, 1, 10, 0),
        dt.datetime(first_ce + 2, 5, 1, 14, 0),
        dt.datetime(first_ce + 3, 2, 1, 11, 0),
    ]
    rng = stream(seed, "dla-editions", period_start, len(lao_codes))
    jitter = rng.integers(0, 40 * 24 * 60, (len(lao_codes), len(base)))
    return np.array(
        [
            [b + dt.timedelta(minutes=int(j)) for b, j in zip(base, row, strict=True)]
            for row in jitter
        ]
    )


def plan_project_lines(
    plans: Plans, period: tuple[int, int], province_code: str, seed: int, profile: DefectProfile
) -> tuple[pa.Array, pa.Table]:
    """The API's records for the province's LAOs (one per project and edition), and their truth."""
    items = plans.dla
    units = plans.units
    unit_row = items.column("unit_row").to_numpy(zero_copy_only=False)
    has_unit = ~np.isnan(unit_row.astype(float))
    unit_idx = np.where(has_unit, np.nan_to_num(unit_row.astype(float)), 0).astype(np.int64)
    lao = where(
        has_unit, units.column("lao_code").take(pa.array(unit_idx)), items.column("lao_code")
    )
    keep = np.asarray(pc.is_valid(lao))
    items, lao, unit_idx, has_unit = (
        items.filter(pa.array(keep)),
        lao.filter(pa.array(keep)),
        unit_idx[keep],
        has_unit[keep],
    )
    order = np.lexsort((np.arange(items.num_rows), np.asarray(lao.to_numpy(zero_copy_only=False))))
    items, lao, unit_idx, has_unit = (
        items.take(pa.array(order)),
        lao.take(pa.array(order)),
        unit_idx[order],
        has_unit[order],
    )
    n = items.num_rows
    rng = stream(seed, "dla-plans", province_code)
    lao_np = np.asarray(lao.to_numpy(zero_copy_only=False)).astype(str)
    starts = (
        np.r_[0, np.flatnonzero(lao_np[1:] != lao_np[:-1]) + 1] if n else np.array([], np.int64)
    )
    seq = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n])) + 1
    dla_id = join(lao, f"-{period[0]}-", pc.utf8_lpad(pc.cast(pa.array(seq), pa.string()), 5, "0"))
    # Editions: most projects enter with the first plan, some with a later addition; some are
    # changed or corrected later, and the later record replaces the earlier one.
    entered = rng.choice([0, 1, 3], n, p=[0.8, 0.12, 0.08])
    changed = (rng.random(n) < 0.10) & (entered < 2)
    corrected = (rng.random(n) < 0.03) & ~changed
    versions = np.r_[np.arange(n), np.flatnonzero(changed), np.flatnonzero(corrected)]
    edition = np.r_[entered, np.full(changed.sum(), 2), np.full(corrected.sum(), 4)]
    latest = np.r_[~(changed | corrected), np.ones(changed.sum() + corrected.sum(), bool)]
    version_order = np.lexsort((edition, versions))
    versions, edition, latest = (
        versions[version_order],
        edition[version_order],
        latest[version_order],
    )
    m = len(versions)
    inj = Injector(profile, seed, "dla/plan_projects", province_code, m)
    dimension = items.column("dimension").to_numpy()[versions]
    strategy_variant = np.where(rng.random(m) < 0.75, 0, rng.integers(1, 3, m))
    wordings = pa.array([s for d in DIMENSIONS for s in DLA_STRATEGIES[d]])
    strategy = wordings.take(pa.array(dimension * 3 + strategy_variant))
    title = strings(items.column("title")).take(pa.array(versions))
    title = where(~latest & np.isin(versions, np.flatnonzero(corrected)), join(title, "ฯ"), title)
    title = stray_spaces(title, inj.rows("stray_space"), inj.rng("stray_space"))
    title = zero_width(title, inj.rows("zero_width_space"), inj.rng("zero_width_space"))
    title = where(inj.rows("thai_digits"), to_thai_digits(title), title)
    title = where(inj.rows("missing_title"), pa.array(np.full(m, "")), title)
    budget = items.column("budget").to_numpy()[versions]
    superseded_budget = ~latest & np.isin(versions, np.flatnonzero(changed))
    budget = np.where(
        superseded_budget,
        (np.round(budget * rng.uniform(0.7, 1.3, m) / 1000) * 1000).astype(np.int64),
        budget,
    )
    amount, _, _ = amounts(inj, budget, rng, dash=False)
    first_year = items.column("first_year").to_numpy()[versions]
    n_years = items.column("n_years").to_numpy()[versions]
    years = np.arange(period[0], period[1] + 1)
    dash = pa.array(np.full(m, "-"))
    budget_json = []
    for year in years:
        funded = (year >= first_year) & (year < first_year + n_years)
        budget_json.append(where(funded, amount, dash))
    target = _targets(items, units, unit_idx, has_unit, versions, inj, rng)
    times = _edition_times(period[0], np.unique(lao_np), seed)
    lao_pos = np.searchsorted(np.unique(lao_np), lao_np[versions])
    stamps = pa.array([t.strftime("%Y-%m-%dT%H:%M:%S+07:00") for t in times.ravel()])
    updated = stamps.take(pa.array(lao_pos * times.shape[1] + edition))
    dims = np.array(DIMENSIONS)[dimension]
    records = pa.table(
        {
            "lao_code": lao.take(pa.array(versions)),
            "period": pa.array(np.full(m, f"{period[0]}-{period[1]}")),
            "edition": pa.array(np.array(DLA_EDITIONS)[edition]),
            "project_id": dla_id.take(pa.array(versions)),
            "strategy": strategy,
            "program": lookup(DLA_PROGRAMS, dims),
            "project_name": title,
            "objective": lookup(DLA_OBJECTIVES, dims),
            "target": target,
            **{f"b{year}": col for year, col in zip(years, budget_json, strict=True)},
            "kpi": lookup(DLA_KPIS, dims),
            "expected_result": pa.array(np.full(m, "ประชาชนได้รับประโยชน์และมีคุณภาพชีวิตที่ดีขึ้น")),
            "responsible_unit": pa.array(
                np.array(DLA_UNITS)[np.where(dims == "INF", 0, rng.integers(1, len(DLA_UNITS), m))]
            ),
            "updated_at": updated,
        }
    )
    budget_struct = ", ".join(f"'{y}': b{y}" for y in years)
    fields = ", ".join(
        f"'{c}': {c}"
        for c in (
            "lao_code",
            "period",
            "edition",
            "project_id",
            "strategy",
            "program",
            "project_name",
            "objective",
            "target",
        )
    )
    tail = ", ".join(
        f"'{c}': {c}" for c in ("kpi", "expected_result", "responsible_unit", "updated_at")
    )
    con = duckdb.connect()
    con.register("records", records)
    lines = (
        con.sql(
            f"select to_json({{{fields}, 'budget': {{{budget_struct}}}, {tail}}})::varchar as line from records"
        )
        .to_arrow_table()
        .column("line")
        .combine_chunks()
    )
    con.close()
    targets = items.column("targets").take(pa.array(versions))
    truth = truth_table(
        "dla/plan_projects",
        ENDPOINT,
        record_id=join(records.column("project_id"), ":", records.column("edition")),
        row_kind=pa.array(np.where(latest, "data", "superseded")),
        village_keys=pc.split_pattern(targets, ";"),
        project_id=items.column("project_id").take(pa.array(versions)),
        defects=inj.codes(),
    )
    return strings(lines), truth


def _targets(
    items: pa.Table,
    units: pa.Table,
    unit_idx: np.ndarray,
    has_unit: np.ndarray,
    versions: np.ndarray,
    inj: Injector,
    rng: np.random.Generator,
) -> pa.Array:
    """เป้าหมาย as LAO staff write it: หมู่ที่ 1,3,5 / ม.๒-๔ / ทุกหมู่บ้าน / a road and its village."""
    m = len(versions)
    moo = pc.cast(units.column("moo").take(pa.array(unit_idx[versions])), pa.string())
    name = strings(units.column("name_th").take(pa.array(unit_idx[versions])))
    style = rng.integers(0, 4, m)
    single = where(style == 0, join("หมู่ที่ ", moo), join("ม.", moo))
    single = where(style == 2, join(name, " หมู่ที่ ", moo), single)
    road = pc.extract_regex(
        strings(items.column("title")).take(pa.array(versions)), r"(?P<road>สาย\S+)"
    )
    has_road = np.asarray(pc.fill_null(pc.is_valid(road), False)) & (style == 3)
    road_text = pc.struct_field(road, "road") if len(road) else pa.array([], pa.string())
    single = where(has_road, join("ถนน", pc.fill_null(road_text, ""), " หมู่ที่ ", moo), single)
    # Communities have no หมู่: they are named.
    single = where(np.asarray(pc.is_null(moo)), name, single)
    kind = np.asarray(items.column("target_kind").to_numpy(zero_copy_only=False))[versions]
    everyone = where(
        rng.random(m) < 0.7,
        pa.array(np.full(m, "ทุกหมู่บ้าน")),
        pa.array(np.full(m, "ทุกหมู่บ้านในเขตพื้นที่")),
    )
    lists = _moo_lists(items.column("targets").take(pa.array(versions)), units, rng)
    out = where(kind == "all", everyone, where(kind == "list", lists, single))
    thai = inj.rows("thai_digits")
    return where(thai, to_thai_digits(out), out)


def _moo_lists(targets: pa.Array, units: pa.Table, rng: np.random.Generator) -> pa.Array:
    """`หมู่ที่ 1-4,7` for projects that list villages (few rows: a comprehension is fine)."""
    moo_of = dict(
        zip(units.column("unit_key").to_pylist(), units.column("moo").to_pylist(), strict=True)
    )
    out = []
    for text in targets.to_pylist():
        moos = [moo_of.get(k) for k in (text or "").split(";")]
        moos = [m for m in moos if m]
        prefix = "หมู่ที่ " if rng.random() < 0.7 else "ม."
        out.append(prefix + compress_moo(moos) if moos else "")
    return pa.array(out, pa.string())
