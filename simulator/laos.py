"""Local administrative organisations (LAOs), the villages they serve, and municipal communities.

One TAO or municipality per subdistrict or part of one; a municipality at each district seat
(a เทศบาลเมือง in the province's capital district), some TAOs upgraded to เทศบาลตำบล keeping
their old code, and one PAO per province. Municipalities hold communities (ชุมชน) that have no
DOPA village code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from simulator.geography import all_areas, subdistricts_of
from simulator.rng import stream
from simulator.vocabulary import COMMUNITY_NAMES

PAO, CITY, TOWN, SUBDISTRICT_MUNICIPALITY, TAO = (
    "อบจ.",
    "เทศบาลนคร",
    "เทศบาลเมือง",
    "เทศบาลตำบล",
    "อบต.",
)
TYPE_DIGIT = {PAO: "1", CITY: "2", TOWN: "3", SUBDISTRICT_MUNICIPALITY: "4", TAO: "5"}
FULL_NAME = {
    PAO: "องค์การบริหารส่วนจังหวัด",
    CITY: "เทศบาลนคร",
    TOWN: "เทศบาลเมือง",
    SUBDISTRICT_MUNICIPALITY: "เทศบาลตำบล",
    TAO: "องค์การบริหารส่วนตำบล",
}
# Provinces whose capital is a city municipality (เทศบาลนคร).
CITY_PROVINCES = frozenset({"20", "34", "40", "41", "50", "57", "65", "80", "83", "84", "90"})
MUNICIPALITIES = (CITY, TOWN, SUBDISTRICT_MUNICIPALITY)


def compress_moo(moos: list[int]) -> str:
    """`[1, 2, 3, 5, 7, 8]` → `1-3,5,7-8` (how DLA writes the villages an LAO serves)."""
    parts: list[str] = []
    run_start = prev = None
    for moo in sorted(moos):
        if prev is not None and moo == prev + 1:
            prev = moo
            continue
        if run_start is not None:
            parts.append(str(run_start) if run_start == prev else f"{run_start}-{prev}")
        run_start = prev = moo
    if run_start is not None:
        parts.append(str(run_start) if run_start == prev else f"{run_start}-{prev}")
    return ",".join(parts)


def laos(
    province_code: str,
    district_codes: list[str],
    villages: pa.Table,
    seed: int,
    gazetteer: Path | None = None,
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(lao_area, village_lao, communities).

    lao_area: lao_code, lao_name, lao_type, subdistrict_code, moo_served (list<int32>, null =
    the whole subdistrict). village_lao: village_code → lao_code of the local LAO serving it.
    communities: community_key, lao_code, subdistrict_code, district_code, province_code, name_th.
    """
    rng = stream(seed, "laos", province_code, *district_codes)
    areas = all_areas()
    province_name = (
        areas.provinces.filter(pc.equal(areas.provinces.column("province_code"), province_code))
        .column("name_th")[0]
        .as_py()
    )
    district_names = dict(
        zip(
            areas.districts.column("district_code").to_pylist(),
            areas.districts.column("name_th").to_pylist(),
            strict=True,
        )
    )
    sub = subdistricts_of(district_codes).to_pydict()
    moos_by_sub: dict[str, list[int]] = {}
    for code, moo in zip(
        villages.column("subdistrict_code").to_pylist(),
        villages.column("moo").to_pylist(),
        strict=True,
    ):
        moos_by_sub.setdefault(code, []).append(moo)
    gazetteer_communities = (
        _gazetteer_communities(gazetteer, sub["subdistrict_code"]) if gazetteer else {}
    )

    rows: dict[str, list] = {
        k: [] for k in ("lao_code", "lao_name", "lao_type", "subdistrict_code", "moo_served")
    }

    def serve(code: str, name: str, kind: str, subdistrict: str, moos: list[int] | None) -> None:
        rows["lao_code"].append(code)
        rows["lao_name"].append(name)
        rows["lao_type"].append(kind)
        rows["subdistrict_code"].append(subdistrict)
        rows["moo_served"].append(moos)

    pao_code = f"1{province_code}0000"
    for subdistrict in sub["subdistrict_code"]:
        serve(pao_code, FULL_NAME[PAO] + province_name, PAO, subdistrict, None)

    seq_by_district: dict[str, int] = {}

    def next_code(kind: str, district: str) -> str:
        seq_by_district[district] = seq_by_district.get(district, 0) + 1
        return f"{TYPE_DIGIT[kind]}{district}{seq_by_district[district]:02d}"

    municipalities: list[tuple[str, str]] = []  # (lao_code, seat subdistrict)
    by_district: dict[str, list[tuple[str, str]]] = {}
    for code, name, district in zip(
        sub["subdistrict_code"], sub["name_th"], sub["district_code"], strict=True
    ):
        by_district.setdefault(district, []).append((code, name))
    for district in sorted(by_district):
        subdistricts = by_district[district]
        capital = district.endswith("01")
        seat_code, _ = subdistricts[0]
        moos = moos_by_sub.get(seat_code, [])
        if capital:
            kind = CITY if province_code in CITY_PROVINCES else TOWN
            name = FULL_NAME[kind] + province_name
        else:
            kind, name = (
                SUBDISTRICT_MUNICIPALITY,
                FULL_NAME[SUBDISTRICT_MUNICIPALITY] + district_names[district],
            )
        municipality = next_code(kind, district)
        municipalities.append((municipality, seat_code))
        # A municipality often serves only the built-up part of its seat subdistrict.
        partial = (not capital) and len(moos) >= 4 and rng.random() < 0.5
        served = sorted(moos)[: len(moos) // 2] if partial else None
        serve(municipality, name, kind, seat_code, served)
        remainder = sorted(set(moos) - set(served)) if partial else []
        if capital and len(subdistricts) > 1:
            # The capital's municipality spills into part of the next subdistrict.
            second, _ = subdistricts[1]
            second_moos = sorted(moos_by_sub.get(second, []))
            if len(second_moos) >= 4:
                spill = second_moos[:3]
                serve(municipality, name, kind, second, spill)
                spill_rest = {second: second_moos[3:]}
            else:
                spill_rest = {}
        else:
            spill_rest = {}
        for position, (code, sub_name) in enumerate(subdistricts):
            if position == 0 and not remainder:
                continue
            if code in spill_rest and not spill_rest[code]:
                continue
            upgraded = position > 0 and (rng.random() < 0.22 or code in gazetteer_communities)
            # An upgraded TAO keeps its old code: never infer the type from the first digit.
            lao_code = next_code(TAO, district)
            kind = SUBDISTRICT_MUNICIPALITY if upgraded else TAO
            moos_served = remainder if position == 0 else spill_rest.get(code)
            serve(lao_code, FULL_NAME[kind] + sub_name, kind, code, moos_served)
            if upgraded:
                municipalities.append((lao_code, code))

    lao_area = pa.table(
        {
            "lao_code": pa.array(rows["lao_code"], pa.string()),
            "lao_name": pa.array(rows["lao_name"], pa.string()),
            "lao_type": pa.array(rows["lao_type"], pa.string()),
            "subdistrict_code": pa.array(rows["subdistrict_code"], pa.string()),
            "moo_served": pa.array(rows["moo_served"], pa.list_(pa.int32())),
        }
    )
    return (
        lao_area,
        _village_lao(lao_area, villages),
        _communities(rng, municipalities, gazetteer_communities),
    )


def _village_lao(lao_area: pa.Table, villages: pa.Table) -> pa.Table:
    """The local LAO (municipality or TAO, not the PAO) that serves each village."""
    local = lao_area.filter(pc.not_equal(lao_area.column("lao_type"), PAO)).to_pydict()
    whole: dict[str, str] = {}
    part: dict[tuple[str, int], str] = {}
    for code, subdistrict, moos in zip(
        local["lao_code"], local["subdistrict_code"], local["moo_served"], strict=True
    ):
        if moos is None:
            whole[subdistrict] = code
        else:
            for moo in moos:
                part[(subdistrict, moo)] = code
    subs = villages.column("subdistrict_code").to_pylist()
    moos = villages.column("moo").to_pylist()
    served = [part.get((s, m)) or whole.get(s) for s, m in zip(subs, moos, strict=True)]
    return pa.table(
        {"village_code": villages.column("village_code"), "lao_code": pa.array(served, pa.string())}
    )


def _gazetteer_communities(gazetteer: Path, subdistrict_codes: list[str]) -> dict[str, list[str]]:
    table = pacsv.read_csv(
        gazetteer / "villages.csv.gz",
        convert_options=pacsv.ConvertOptions(
            column_types={"subdistrict_code": pa.string(), "moo": pa.int32()},
            include_columns=["subdistrict_code", "moo", "name_th"],
        ),
    )
    table = table.filter(pc.is_in(table.column("subdistrict_code"), pa.array(subdistrict_codes)))
    table = table.filter(
        pc.or_(
            pc.greater_equal(table.column("moo"), 50),
            pc.starts_with(table.column("name_th"), "ชุมชน"),
        )
    )
    found: dict[str, list[str]] = {}
    for code, name in zip(
        table.column("subdistrict_code").to_pylist(),
        table.column("name_th").to_pylist(),
        strict=True,
    ):
        found.setdefault(code, []).append(name if name.startswith("ชุมชน") else "ชุมชน" + name)
    return found


def _communities(
    rng: np.random.Generator,
    municipalities: list[tuple[str, str]],
    gazetteer_communities: dict[str, list[str]],
) -> pa.Table:
    """Municipal communities: no DOPA code; keyed by their municipality and a sequence."""
    keys, lao_codes, subs, names = [], [], [], []
    for lao_code, subdistrict in municipalities:
        found = gazetteer_communities.get(subdistrict)
        if found:
            chosen = found
        else:
            count = int(rng.integers(3, 13))
            picks = rng.choice(
                len(COMMUNITY_NAMES), size=min(count, len(COMMUNITY_NAMES)), replace=False
            )
            chosen = ["ชุมชน" + COMMUNITY_NAMES[i] for i in sorted(picks)]
        for seq, name in enumerate(chosen, start=1):
            keys.append(f"C{lao_code}{seq:02d}")
            lao_codes.append(lao_code)
            subs.append(subdistrict)
            names.append(name)
    sub = pa.array(subs, pa.string())
    return pa.table(
        {
            "community_key": pa.array(keys, pa.string()),
            "lao_code": pa.array(lao_codes, pa.string()),
            "subdistrict_code": sub,
            "district_code": pc.utf8_slice_codeunits(sub, 0, 4),
            "province_code": pc.utf8_slice_codeunits(sub, 0, 2),
            "name_th": pa.array(names, pa.string()),
        }
    )
