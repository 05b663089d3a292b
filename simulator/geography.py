"""Where the villages are: real areas from geothai, villages generated (or read from a gazetteer).

Also the registry's history between two snapshots: villages created, dissolved and renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import geothai
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from simulator.config import DEFAULT_PROVINCES, EXCLUDED_PROVINCES, Scale, SimulationConfig
from simulator.rng import stream
from simulator.textformat import join
from simulator.vocabulary import (
    PERSON_FIRST_FEMALE,
    PERSON_FIRST_MALE,
    PERSON_SURNAMES,
    RENAME_TAILS,
    VILLAGE_NAME_HEADS,
    VILLAGE_NAME_TAILS,
)


@dataclass(frozen=True)
class Areas:
    provinces: pa.Table  # province_code, name_th, name_en
    districts: pa.Table  # district_code, province_code, name_th, name_en
    subdistricts: pa.Table  # subdistrict_code, district_code, province_code, name_th, name_en


@cache
def all_areas() -> Areas:
    """Every current province, district and subdistrict of Thailand (geothai, DOPA codes)."""
    provinces = geothai.provinces()
    districts = [d for p in provinces for d in geothai.districts(p.code)]
    subdistricts = [s for d in districts for s in geothai.subdistricts(d.code)]
    return Areas(
        provinces=pa.table(
            {
                "province_code": [p.code for p in provinces],
                "name_th": [p.name_th for p in provinces],
                "name_en": [p.name_en for p in provinces],
            }
        ),
        districts=pa.table(
            {
                "district_code": [d.code for d in districts],
                "province_code": [d.province_code for d in districts],
                "name_th": [d.name_th for d in districts],
                "name_en": [d.name_en for d in districts],
            }
        ),
        subdistricts=pa.table(
            {
                "subdistrict_code": [s.code for s in subdistricts],
                "district_code": [s.district_code for s in subdistricts],
                "province_code": [s.province_code for s in subdistricts],
                "name_th": [s.name_th for s in subdistricts],
                "name_en": [s.name_en for s in subdistricts],
            }
        ),
    )


def scope(config: SimulationConfig) -> dict[str, list[str]]:
    """The districts to simulate, by province: small = two districts, province/national = all."""
    areas = all_areas()
    known = set(areas.provinces.column("province_code").to_pylist())
    if config.provinces:
        provinces = list(config.provinces)
    elif config.scale is Scale.NATIONAL:
        provinces = sorted(known - EXCLUDED_PROVINCES)
    else:
        provinces = list(DEFAULT_PROVINCES)
    unknown = [p for p in provinces if p not in known]
    if unknown:
        raise ValueError(f"unknown province code(s): {', '.join(unknown)}")
    districts = areas.districts.to_pydict()
    by_province: dict[str, list[str]] = {p: [] for p in provinces}
    for code, province in zip(districts["district_code"], districts["province_code"], strict=True):
        if province in by_province:
            by_province[province].append(code)
    if config.scale is Scale.SMALL:
        per_province = 2 if len(provinces) == 1 else 1
        return {p: sorted(d)[:per_province] for p, d in list(by_province.items())[:2]}
    return {p: sorted(d) for p, d in by_province.items()}


def subdistricts_of(district_codes: list[str]) -> pa.Table:
    table = all_areas().subdistricts
    mask = pc.is_in(table.column("district_code"), pa.array(district_codes))
    return table.filter(mask).sort_by("subdistrict_code")


def _names(rng: np.random.Generator, n: int) -> pa.Array:
    heads = pa.array(VILLAGE_NAME_HEADS).take(pa.array(rng.integers(0, len(VILLAGE_NAME_HEADS), n)))
    tails = pa.array(VILLAGE_NAME_TAILS).take(pa.array(rng.integers(0, len(VILLAGE_NAME_TAILS), n)))
    return join("บ้าน", heads, tails)


def _people(rng: np.random.Generator, n: int) -> tuple[pa.Array, pa.Array]:
    """Fake but realistic headman names and mobile numbers (personal data)."""
    male = rng.random(n) < 0.85
    first_m = pa.array(PERSON_FIRST_MALE).take(pa.array(rng.integers(0, len(PERSON_FIRST_MALE), n)))
    first_f = pa.array(PERSON_FIRST_FEMALE).take(
        pa.array(rng.integers(0, len(PERSON_FIRST_FEMALE), n))
    )
    surname = pa.array(PERSON_SURNAMES).take(pa.array(rng.integers(0, len(PERSON_SURNAMES), n)))
    title = pc.if_else(pa.array(male), "นาย", "นาง")
    first = pc.if_else(pa.array(male), first_m, first_f)
    names = join(title, first, " ", surname)
    number = rng.integers(0, 10**8, n)
    prefix = np.array(["08", "09", "06"])[rng.integers(0, 3, n)]
    digits = pc.utf8_lpad(pc.cast(pa.array(number), pa.string()), 8, "0")
    phones = join(
        pa.array(prefix),
        pc.utf8_slice_codeunits(digits, 0, 1),
        "-",
        pc.utf8_slice_codeunits(digits, 1, 4),
        "-",
        pc.utf8_slice_codeunits(digits, 4, 8),
    )
    return names, phones


def _gazetteer_villages(gazetteer: Path, subdistrict_codes: pa.Array) -> pa.Table:
    table = pacsv.read_csv(
        gazetteer / "villages.csv.gz",
        convert_options=pacsv.ConvertOptions(
            column_types={
                "village_code": pa.string(),
                "subdistrict_code": pa.string(),
                "moo": pa.int32(),
            },
            include_columns=["village_code", "subdistrict_code", "moo", "name_th"],
        ),
    )
    table = table.filter(pc.is_in(table.column("subdistrict_code"), subdistrict_codes))
    is_village = pc.and_(
        pc.less(table.column("moo"), 50), pc.invert(pc.starts_with(table.column("name_th"), "ชุมชน"))
    )
    return table.filter(is_village).sort_by(
        [("subdistrict_code", "ascending"), ("moo", "ascending")]
    )


def villages(
    province_code: str, district_codes: list[str], seed: int, gazetteer: Path | None = None
) -> pa.Table:
    """The villages of the given districts, with their registry history over two snapshots.

    Columns: village_code, moo, subdistrict_code, district_code, province_code, name_1 (first
    snapshot, null if created since), name_th (current name), change (`""`, `created`,
    `dissolved`, `renamed`), households, headman, phone, name_unique (in its subdistrict).
    """
    rng = stream(seed, "villages", province_code, *district_codes)
    sub = subdistricts_of(district_codes)
    codes = sub.column("subdistrict_code").to_numpy(zero_copy_only=False).astype(str)
    from_gazetteer = (
        _gazetteer_villages(gazetteer, sub.column("subdistrict_code")) if gazetteer else None
    )
    covered = (
        set(from_gazetteer.column("subdistrict_code").to_pylist())
        if from_gazetteer is not None
        else set()
    )
    generate = np.array([c not in covered for c in codes], dtype=bool)
    counts = np.where(generate, np.clip(np.rint(rng.normal(10.2, 3.5, len(codes))), 3, 25), 0)
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    moo = np.arange(total) - starts + 1
    sub_of = np.repeat(codes, counts)
    names = _names(rng, total)
    # Names repeat inside a subdistrict (several หมู่ share a name, as in real registries).
    repeat = (rng.random(total) < 0.08) & (moo > 1)
    source = starts + (rng.random(total) * (moo - 1)).astype(np.int64)
    names = pc.if_else(pa.array(repeat), names.take(pa.array(np.where(repeat, source, 0))), names)
    generated = pa.table(
        {
            "subdistrict_code": pa.array(sub_of, pa.string()),
            "moo": pa.array(moo, pa.int32()),
            "name_th": names,
        }
    )
    if from_gazetteer is not None and from_gazetteer.num_rows:
        generated = pa.concat_tables(
            [generated, from_gazetteer.select(["subdistrict_code", "moo", "name_th"])]
        ).sort_by([("subdistrict_code", "ascending"), ("moo", "ascending")])
    n = generated.num_rows
    sub_codes = generated.column("subdistrict_code")
    moo_text = pc.utf8_lpad(pc.cast(generated.column("moo"), pa.string()), 2, "0")
    change = np.full(n, "", dtype=object)
    draw = rng.random(n)
    change[draw < 0.004] = "dissolved"
    change[(draw >= 0.004) & (draw < 0.009)] = "renamed"
    # Every simulated area shows each kind of change at least once, however small it is.
    for kind in ("dissolved", "renamed"):
        if n >= 3 and not (change == kind).any():
            candidates = np.flatnonzero(change == "")
            change[candidates[int(rng.integers(0, len(candidates)))]] = kind
    current = generated.column("name_th")
    renamed = pa.array(change == "renamed")
    tails = pa.array(RENAME_TAILS).take(pa.array(rng.integers(0, len(RENAME_TAILS), n)))
    current = pc.if_else(renamed, join(current, tails), current)
    table = pa.table(
        {
            "village_code": join(sub_codes, moo_text),
            "moo": generated.column("moo"),
            "subdistrict_code": sub_codes,
            "district_code": pc.utf8_slice_codeunits(sub_codes, 0, 4),
            "province_code": pc.utf8_slice_codeunits(sub_codes, 0, 2),
            "name_1": generated.column("name_th"),
            "name_th": current,
            "change": pa.array(change.astype(str)),
        }
    )
    table = pa.concat_tables([table, _created(rng, table)]).sort_by(
        [("subdistrict_code", "ascending"), ("moo", "ascending")]
    )
    n = table.num_rows
    headman, phone = _people(rng, n)
    households = np.clip(rng.lognormal(5.0, 0.45, n), 25, 900).astype(np.int32)
    table = (
        table.append_column("households", pa.array(households))
        .append_column("headman", headman)
        .append_column("phone", phone)
    )
    return table.append_column("name_unique", _name_unique(table))


def _created(rng: np.random.Generator, table: pa.Table) -> pa.Table:
    """Villages established between the two snapshots: the next หมู่ of ~6 % of subdistricts."""
    last = (
        table.group_by("subdistrict_code").aggregate([("moo", "max")]).sort_by("subdistrict_code")
    )
    pick = rng.random(last.num_rows) < 0.06
    if last.num_rows and not pick.any():
        pick[int(rng.integers(0, last.num_rows))] = True
    chosen = last.filter(pa.array(pick))
    sub = chosen.column("subdistrict_code")
    moo = pc.add(chosen.column("moo_max"), 1)
    names = _names(rng, chosen.num_rows)
    return pa.table(
        {
            "village_code": join(sub, pc.utf8_lpad(pc.cast(moo, pa.string()), 2, "0")),
            "moo": pc.cast(moo, pa.int32()),
            "subdistrict_code": sub,
            "district_code": pc.utf8_slice_codeunits(sub, 0, 4),
            "province_code": pc.utf8_slice_codeunits(sub, 0, 2),
            "name_1": pa.nulls(chosen.num_rows, pa.string()),
            "name_th": names,
            "change": pa.array(["created"] * chosen.num_rows, pa.string()),
        }
    )


def _name_unique(table: pa.Table) -> pa.Array:
    current = table.filter(pc.not_equal(table.column("change"), "dissolved"))
    counts = current.group_by(["subdistrict_code", "name_th"]).aggregate([("moo", "count")])
    joined = (
        table.select(["subdistrict_code", "name_th"])
        .append_column("row", pa.array(np.arange(table.num_rows)))
        .join(counts, ["subdistrict_code", "name_th"], join_type="left outer")
        .sort_by("row")
    )
    return pc.equal(pc.fill_null(joined.column("moo_count"), 0), 1)
