"""CDD: the community-plan workbook (sheet แผนชุมชน) and plan certification (การรับรองมาตรฐาน)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.agencies.common import (
    Delivery,
    amounts,
    single_keys,
    stray_spaces,
    truth_table,
    zero_width,
)
from simulator.config import DefectProfile
from simulator.defects import LOOKALIKE_PROVINCES, Injector, garble, ocr_confuse, typo
from simulator.geography import all_areas
from simulator.projects import DIMENSIONS, IMPLEMENTATIONS, Plans
from simulator.rng import stream
from simulator.textformat import join, lookup, strings, to_thai_digits, where
from simulator.vocabulary import CDD_CATEGORY, CDD_REQUESTED_FROM, CERTIFICATION_SCHEMES
from simulator.xlsx import CellKind, Column, Sheet, write_workbook

PLAN_SHEET, CERT_SHEET = "แผนชุมชน", "การรับรองมาตรฐาน"
HEAD_TOP = [
    "ลำดับ",
    "ที่ตั้ง",
    None,
    None,
    None,
    "ชื่อโครงการ/กิจกรรม",
    "ประเภท",
    "หมวด",
    "งบประมาณ (บาท)",
    "ปีที่ดำเนินการ",
    "หน่วยงานที่ขอรับการสนับสนุน",
]
HEAD_SUB = [None, "อำเภอ", "ตำบล", "หมู่ที่", "ชื่อหมู่บ้าน/ชุมชน", None, None, None, None, None, None]
HEAD_MERGES = [
    "A1:K1",
    "A2:K2",
    "A3:A4",
    "B3:E3",
    "F3:F4",
    "G3:G4",
    "H3:H4",
    "I3:I4",
    "J3:J4",
    "K3:K4",
]
HEADER_VARIANTS = {"งบประมาณ (บาท)": "งบประมาณ(บาท)", "ชื่อโครงการ/กิจกรรม": "ชื่อโครงการ"}
CERT_HEADER = ["อำเภอ", "ตำบล", "หมู่ที่", "ชื่อหมู่บ้าน/ชุมชน", "คะแนน", "ผลการรับรอง", "วันที่รับรอง"]
IMPLEMENTATION_TH = {"self": "ทำเอง", "joint": "ทำร่วม", "support": "ขอรับการสนับสนุน"}
FIRST_BODY_ROW = 5
EXCEL_EPOCH = dt.date(1899, 12, 30)


def scheme(fiscal_year: int) -> tuple[tuple[str, int], ...]:
    """The certification levels in force in a fiscal year (cut-offs change between years)."""
    return CERTIFICATION_SCHEMES[max(y for y in CERTIFICATION_SCHEMES if y <= fiscal_year)]


def _text(values: pa.Array) -> Column:
    return Column.of_kind(strings(values), CellKind.TEXT)


def _place_columns(
    units: pa.Table, rows: np.ndarray, inj: Injector, rng: np.random.Generator
) -> list[pa.Array]:
    """District, subdistrict, village number and name as typed by hand."""
    areas = all_areas()
    dist = dict(
        zip(
            areas.districts.column("district_code").to_pylist(),
            areas.districts.column("name_th").to_pylist(),
            strict=True,
        )
    )
    sub = dict(
        zip(
            areas.subdistricts.column("subdistrict_code").to_pylist(),
            areas.subdistricts.column("name_th").to_pylist(),
            strict=True,
        )
    )
    n = len(rows)
    district = lookup(dist, units.column("district_code").take(pa.array(rows)))
    subdistrict = lookup(sub, units.column("subdistrict_code").take(pa.array(rows)))
    name = strings(units.column("name_th").take(pa.array(rows)))
    # Half the typists leave out บ้าน.
    name = where(rng.random(n) < 0.4, pc.replace_substring_regex(name, "^บ้าน", ""), name)
    prefixed = inj.rows("place_prefix")
    how = inj.rng("place_prefix").integers(0, 2, n)
    district = where(
        prefixed & (how == 0),
        join("อ.", district),
        where(prefixed, join("อำเภอ", district), district),
    )
    subdistrict = where(
        prefixed & (how == 0),
        join("ต.", subdistrict),
        where(prefixed, join("ตำบล ", subdistrict), subdistrict),
    )
    typo_rows = inj.rows("name_typo")
    target = inj.rng("name_typo").integers(0, 3, n)
    district = garble(inj, "name_typo", district, typo_rows & (target == 0), typo)
    subdistrict = garble(inj, "name_typo", subdistrict, typo_rows & (target == 1), typo)
    name = garble(inj, "name_typo", name, typo_rows & (target == 2), typo)
    # OCR and typists confuse look-alike letters in district names as much as in village names.
    ocr_rows = inj.rows("ocr_confusion")
    ocr_target = inj.rng("ocr_confusion").integers(0, 3, n)
    district = garble(inj, "ocr_confusion", district, ocr_rows & (ocr_target == 0), ocr_confuse)
    subdistrict = garble(
        inj, "ocr_confusion", subdistrict, ocr_rows & (ocr_target == 1), ocr_confuse
    )
    name = garble(inj, "ocr_confusion", name, ocr_rows & (ocr_target == 2), ocr_confuse)
    return [district, subdistrict, name]


def community_plans(
    plans: Plans,
    fiscal_year: int,
    province_code: str,
    province_name: str,
    seed: int,
    profile: DefectProfile,
    landing: Path,
) -> list[Delivery]:
    name = f"community_plans_{fiscal_year}_{province_code}.xlsx"
    units = plans.units
    records = plans.cdd
    unit_row = records.column("unit_row").to_numpy()
    district_of = np.asarray(
        units.column("district_code").take(pa.array(unit_row)).to_numpy(zero_copy_only=False)
    )
    sub_of = np.asarray(
        units.column("subdistrict_code").take(pa.array(unit_row)).to_numpy(zero_copy_only=False)
    )
    order = np.lexsort((np.arange(len(unit_row)), unit_row, sub_of, district_of))
    records = records.take(pa.array(order))
    unit_row, district_of = unit_row[order], district_of[order]
    n = records.num_rows
    rng = stream(seed, "cdd-plans", province_code)
    inj = Injector(profile, seed, "cdd/community_plans", province_code, n)
    district, subdistrict, village = _place_columns(units, unit_row, inj, rng)
    # Village numbers: a number cell, or text as typed (๓, ม.3), empty for communities.
    moo = units.column("moo").take(pa.array(unit_row))
    moo_np = np.asarray(pc.fill_null(moo, 0))
    is_village = moo_np > 0
    missing = inj.rows("missing_village_number", eligible=is_village)
    wrong = inj.rows("wrong_village_number", eligible=is_village & ~missing)
    unknown = inj.rows("unknown_village", eligible=is_village & ~missing & ~wrong)
    shown_moo = moo_np.copy()
    shown_moo[wrong] = np.where(moo_np[wrong] > 1, moo_np[wrong] - 1, moo_np[wrong] + 1)
    shown_moo[unknown] = rng.integers(60, 90, int(unknown.sum()))
    village = where(
        unknown, join("บ้าน", pa.array(rng.choice(["ไม่มีชื่อ", "ทดสอบ", "ใหม่พัฒนา"], n))), village
    )
    thai = inj.rows("thai_digits")
    moo_text = pc.cast(pa.array(shown_moo), pa.string())
    prefixed_moo = inj.hits["place_prefix"] & is_village
    moo_text = where(prefixed_moo, join("ม.", moo_text), moo_text)
    moo_text = where(thai & is_village, to_thai_digits(moo_text), moo_text)
    moo_kind = np.where(prefixed_moo | thai, CellKind.TEXT, CellKind.NUMBER)
    moo_kind = np.where(~is_village | missing, CellKind.EMPTY, moo_kind).astype(np.int8)
    title = strings(records.column("title"))
    title = stray_spaces(title, inj.rows("stray_space"), inj.rng("stray_space"))
    title = zero_width(title, inj.rows("zero_width_space"), inj.rng("zero_width_space"))
    title = where(thai, to_thai_digits(title), title)
    no_title = inj.rows("missing_title")
    implementation = np.array(IMPLEMENTATIONS)[records.column("implementation").to_numpy()]
    category = lookup(CDD_CATEGORY, np.array(DIMENSIONS)[records.column("dimension").to_numpy()])
    category = where(inj.rows("unknown_dimension"), pa.array(np.full(n, "อื่นๆ")), category)
    budget = records.column("budget").to_numpy()
    money, value, styled = amounts(inj, budget, rng)
    # Most typists enter a number; some type the amount as text.
    as_number = ~styled & (rng.random(n) < 0.8)
    money = where(as_number, pc.cast(pa.array(value), pa.string()), money)
    money_kind = np.where(as_number, CellKind.NUMBER, CellKind.TEXT)
    no_cache = inj.rows("formula_without_value", eligible=budget > 0)
    with_cache = (rng.random(n) < 0.02) & ~no_cache & (budget > 0)
    formula = join(
        pc.cast(pa.array(budget // 2), pa.string()),
        "+",
        pc.cast(pa.array(budget - budget // 2), pa.string()),
    )
    money_kind = np.where(no_cache | with_cache, CellKind.FORMULA, money_kind).astype(np.int8)
    money = where(no_cache | with_cache, formula, money)
    cached = where(with_cache, pc.cast(pa.array(budget), pa.string()), pa.nulls(n, pa.string()))
    year = np.full(n, fiscal_year)
    ce = inj.rows("ce_year")
    year[ce] -= 543
    year_text = pc.cast(pa.array(year), pa.string())
    year_text = where(thai, to_thai_digits(year_text), year_text)
    year_kind = np.where(thai, CellKind.TEXT, CellKind.NUMBER).astype(np.int8)
    requested = np.where(
        implementation == "self",
        None,
        np.array(CDD_REQUESTED_FROM)[rng.integers(0, len(CDD_REQUESTED_FROM), n)],
    )

    # Display order: duplicates after their originals, the odd blank row, a subtotal per district.
    duplicate = inj.rows("duplicate_row")
    blank_after = inj.rows("blank_row")
    subtotal = inj.file("subtotal_row")
    index = np.arange(n)
    last_of_district = np.r_[district_of[1:] != district_of[:-1], True]
    entries = [index, index[duplicate]]
    kinds = [np.zeros(n, np.int8), np.ones(int(duplicate.sum()), np.int8)]
    keys = [index * 4.0, index[duplicate] * 4.0 + 1]
    entries.append(index[blank_after])
    kinds.append(np.full(int(blank_after.sum()), 2, np.int8))
    keys.append(index[blank_after] * 4.0 + 2)
    if subtotal:
        entries.append(index[last_of_district])
        kinds.append(np.full(int(last_of_district.sum()), 3, np.int8))
        keys.append(index[last_of_district] * 4.0 + 3)
    order = np.argsort(np.concatenate(keys), kind="stable")
    src = np.concatenate(entries)[order]
    row_kind = np.concatenate(kinds)[order]  # 0 data, 1 duplicate, 2 blank, 3 subtotal
    sheet_row = FIRST_BODY_ROW + np.arange(len(src))
    data_like = row_kind <= 1

    def cells(
        values: pa.Array, kinds_: np.ndarray | int, cached_: pa.Array | None = None
    ) -> Column:
        kinds_arr = np.broadcast_to(np.asarray(kinds_, np.int8), (n,))
        taken = strings(values).take(pa.array(src))
        k = np.where(data_like, kinds_arr[src], CellKind.EMPTY).astype(np.int8)
        return Column(taken, k, cached_.take(pa.array(src)) if cached_ is not None else None)

    seq = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    body = [
        cells(seq, CellKind.NUMBER),
        cells(district, CellKind.TEXT),
        cells(subdistrict, CellKind.TEXT),
        cells(moo_text, moo_kind),
        cells(village, CellKind.TEXT),
        cells(title, np.where(no_title, CellKind.EMPTY, CellKind.TEXT)),
        cells(lookup(IMPLEMENTATION_TH, implementation), CellKind.TEXT),
        cells(category, CellKind.TEXT),
        cells(money, money_kind, cached),
        cells(year_text, year_kind),
        cells(
            pa.array(requested, pa.string()),
            np.where(implementation == "self", CellKind.EMPTY, CellKind.TEXT),
        ),
    ]
    if subtotal:
        # What Excel's SUM sees: number cells and cached formula values, not text.
        numeric = np.where(money_kind == CellKind.NUMBER, value, np.where(with_cache, budget, 0))
        body = _with_subtotals(body, row_kind, src, sheet_row, district_of, numeric, district)
    title_province = province_name
    if inj.file("lookalike_province") and province_code in LOOKALIKE_PROVINCES:
        title_province = LOOKALIKE_PROVINCES[province_code]
    top = list(HEAD_TOP)
    if inj.file("header_renamed"):
        original = list(HEADER_VARIANTS)[int(rng.integers(0, len(HEADER_VARIANTS)))]
        top = [HEADER_VARIANTS[h] if h == original else h for h in top]
    fy_thai = to_thai_digits(pa.array([str(fiscal_year)]))[0].as_py()
    head = [
        [f"แผนชุมชน ประจำปีงบประมาณ {fy_thai}"] + [None] * 10,
        [f"จังหวัด{title_province}"] + [None] * 10,
        top,
        HEAD_SUB,
    ]
    plan_sheet = Sheet(
        PLAN_SHEET, head, HEAD_MERGES, body, widths=[6, 14, 14, 7, 22, 48, 14, 18, 14, 10, 22]
    )
    cert_sheet, cert_truth = _certification(
        units, np.unique(unit_row), fiscal_year, province_code, seed, profile, name
    )
    path = landing / "cdd" / "community_plans" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(path, [plan_sheet, cert_sheet])

    kind_names = np.array(["data", "duplicate", "blank", "subtotal"])[row_kind]
    keys_ = units.column("unit_key").take(pa.array(unit_row))
    keys_ = where(unknown, pa.nulls(n, pa.string()), keys_)
    none_list = (
        pa.array([[]] * len(src), pa.list_(pa.string()))
        if len(src)
        else pa.array([], pa.list_(pa.string()))
    )
    village_keys = single_keys(keys_).take(pa.array(src))
    defects = inj.codes().take(pa.array(src))
    truth = truth_table(
        "cdd/community_plans",
        name,
        source_row=sheet_row,
        row_kind=pa.array(kind_names),
        village_keys=pc.if_else(pa.array(data_like), village_keys, none_list),
        project_id=where(
            data_like,
            records.column("project_id").take(pa.array(src)),
            pa.nulls(len(src), pa.string()),
        ),
        defects=pc.if_else(pa.array(data_like), defects, pa.nulls(len(src), defects.type)),
    )
    return [Delivery(f"cdd/community_plans/{name}", pa.concat_tables([truth, cert_truth]))]


def _with_subtotals(
    body: list[Column],
    row_kind: np.ndarray,
    src: np.ndarray,
    sheet_row: np.ndarray,
    district_of: np.ndarray,
    budget: np.ndarray,
    district: pa.Array,
) -> list[Column]:
    """Subtotal rows: `รวม อำเภอ…` and a SUM over the district's budget cells, with its value."""
    is_sub = row_kind == 3
    starts = np.r_[True, district_of[src][1:] != district_of[src][:-1]]
    first_row = np.maximum.accumulate(np.where(starts, sheet_row, 0))
    totals = np.zeros(len(src), np.int64)
    group = np.cumsum(starts) - 1
    sums = np.bincount(group, weights=np.where(row_kind <= 1, budget[src], 0)).astype(np.int64)
    totals[is_sub] = sums[group[is_sub]]
    label = join(
        "รวม อำเภอ",
        pc.replace_substring_regex(strings(district).take(pa.array(src)), "^(อ\\.|อำเภอ)", ""),
    )
    formula = join(
        "SUM(I",
        pc.cast(pa.array(first_row), pa.string()),
        ":I",
        pc.cast(pa.array(sheet_row - 1), pa.string()),
        ")",
    )
    mask = pa.array(is_sub)
    out = list(body)
    out[1] = Column(
        pc.if_else(mask, label, body[1].values),
        np.where(is_sub, CellKind.TEXT, body[1].kinds).astype(np.int8),
    )
    cached = body[8].cached if body[8].cached is not None else pa.nulls(len(src), pa.string())
    out[8] = Column(
        pc.if_else(mask, formula, body[8].values),
        np.where(is_sub, CellKind.FORMULA, body[8].kinds).astype(np.int8),
        pc.if_else(mask, pc.cast(pa.array(totals), pa.string()), cached),
    )
    return out


def _certification(
    units: pa.Table,
    unit_rows: np.ndarray,
    fiscal_year: int,
    province_code: str,
    seed: int,
    profile: DefectProfile,
    file_name: str,
) -> tuple[Sheet, pa.Table]:
    """One row per planning unit whose community plan was assessed this year."""
    rng = stream(seed, "cdd-certification", province_code)
    rows = unit_rows[rng.random(len(unit_rows)) < 0.9]
    n = len(rows)
    inj = Injector(profile, seed, "cdd/certification", province_code, n)
    district, subdistrict, village = _place_columns(units, rows, inj, rng)
    moo = np.asarray(pc.fill_null(units.column("moo").take(pa.array(rows)), 0))
    score = np.round(np.clip(rng.normal(78, 12, n), 0, 100), 1)
    levels = scheme(fiscal_year)
    level = np.full(n, levels[-1][0], dtype=object)
    for name, cutoff in reversed(levels):
        level[score >= cutoff] = name
    day = rng.integers(0, 120, n)
    date = np.array(
        [(dt.date(fiscal_year - 544, 6, 1) + dt.timedelta(days=int(d))) for d in range(120)]
    )[day]
    serial = np.array([(d - EXCEL_EPOCH).days for d in date])
    be_text = pa.array([f"{d.day}/{d.month}/{d.year + 543}" for d in date])
    as_text = rng.random(n) < 0.3
    thai = inj.rows("thai_digits")
    score_text = pc.cast(pa.array(score), pa.string())
    body = [
        _text(district),
        _text(subdistrict),
        Column(
            pc.cast(pa.array(moo), pa.string()),
            np.where(moo > 0, CellKind.NUMBER, CellKind.EMPTY).astype(np.int8),
        ),
        _text(stray_spaces(village, inj.rows("stray_space"), inj.rng("stray_space"))),
        Column(
            where(thai, to_thai_digits(score_text), score_text),
            np.where(thai, CellKind.TEXT, CellKind.NUMBER).astype(np.int8),
        ),
        _text(pa.array(level.astype(str))),
        Column(
            where(as_text, be_text, pc.cast(pa.array(serial), pa.string())),
            np.where(as_text, CellKind.TEXT, CellKind.DATE).astype(np.int8),
        ),
    ]
    sheet = Sheet(CERT_SHEET, [CERT_HEADER], [], body, widths=[14, 14, 7, 22, 8, 14, 12])
    truth = truth_table(
        "cdd/certification",
        file_name,
        source_row=np.arange(2, n + 2),
        row_kind=pa.array(np.full(n, "data")),
        village_keys=single_keys(units.column("unit_key").take(pa.array(rows))),
        project_id=pa.nulls(n, pa.string()),
        defects=inj.codes(),
    )
    return sheet, truth
