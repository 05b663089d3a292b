"""DOPA: the village registry (pipe-delimited snapshots) and the village plans (CSV)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.agencies.common import Delivery, amounts, single_keys, stray_spaces, truth_table
from simulator.config import DefectProfile
from simulator.defects import Injector
from simulator.geography import all_areas
from simulator.projects import DIMENSIONS, IMPLEMENTATIONS, Plans
from simulator.rng import stream
from simulator.textformat import (
    be_dates,
    delimited_lines,
    join,
    lines_bytes,
    lookup,
    strings,
    to_thai_digits,
    where,
)
from simulator.vocabulary import (
    DOPA_DIMENSION_GROUP,
    DOPA_FUNDING_SOURCES,
    DOPA_OTHER_GROUP,
    DOPA_RESPONSIBLE,
)

REGISTRY_HEADER = (
    "รหัสหมู่บ้าน",
    "หมู่ที่",
    "ชื่อหมู่บ้าน",
    "รหัสตำบล",
    "ชื่อตำบล",
    "ชื่ออำเภอ",
    "ชื่อจังหวัด",
    "สถานะ",
    "วันที่มีผล",
    "ชื่อผู้ใหญ่บ้าน",
    "โทรศัพท์",
)
PLANS_HEADER = (
    "รหัสหมู่บ้าน",
    "ปีงบประมาณ",
    "ลำดับ",
    "ชื่อโครงการ",
    "ด้าน",
    "งบประมาณ(บาท)",
    "แหล่งงบประมาณ",
    "วิธีดำเนินการ",
    "ผู้รับผิดชอบ",
    "วันที่ประชาคม",
)
# Known header variants agencies' exports carry (the reader maps them back).
PLANS_HEADER_VARIANTS = {"งบประมาณ(บาท)": "งบประมาณ (บาท)", "ชื่อโครงการ": "ชื่อโครงการ/กิจกรรม"}
IMPLEMENTATION_TH = {"self": "ทำเอง", "joint": "ทำร่วม", "support": "ขอสนับสนุน"}
ACTIVE, NEW, DISSOLVED = "ปกติ", "ตั้งใหม่", "ยกเลิก"


def _names_by_code(table: pa.Table, code: str) -> dict[str, str]:
    return dict(
        zip(table.column(code).to_pylist(), table.column("name_th").to_pylist(), strict=True)
    )


def registry_lines(
    villages: pa.Table,
    snapshot: int,
    snapshot_year_be: int,
    seed: int,
    profile: DefectProfile,
    place: str,
) -> tuple[pa.Array, pa.Table]:
    """One snapshot's data lines (pipe-delimited, trailing `|`) and their truth.

    Snapshot 1 is the year before; snapshot 2 shows villages created, dissolved and renamed since.
    """
    rng = stream(seed, "registry", snapshot, place)
    change = np.asarray(villages.column("change").to_numpy(zero_copy_only=False))
    keep = change != "created" if snapshot == 1 else np.ones(len(change), bool)
    table = villages.filter(pa.array(keep))
    change = change[keep]
    n = table.num_rows
    areas = all_areas()
    sub_names = _names_by_code(areas.subdistricts, "subdistrict_code")
    dist_names = _names_by_code(areas.districts, "district_code")
    prov_names = _names_by_code(areas.provinces, "province_code")
    name = table.column("name_1" if snapshot == 1 else "name_th")
    status = np.full(n, ACTIVE, dtype=object)
    year = rng.integers(2500, 2560, n)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    if snapshot == 2:
        status[change == "created"] = NEW
        status[change == "dissolved"] = DISSOLVED
        recent = np.isin(change, ["created", "dissolved", "renamed"])
        year[recent] = snapshot_year_be - 1
        month[recent] = rng.integers(2, 13, int(recent.sum()))
    injector = Injector(profile, seed, "dopa/villages", f"{place}-{snapshot}", n)
    sub_name = lookup(sub_names, table.column("subdistrict_code"))
    prefixed = injector.rows("place_prefix")
    sub_name = where(prefixed, join("ต.", sub_name), sub_name)
    columns = [
        table.column("village_code"),
        pc.cast(table.column("moo"), pa.string()),
        name,
        table.column("subdistrict_code"),
        sub_name,
        lookup(dist_names, table.column("district_code")),
        lookup(prov_names, table.column("province_code")),
        pa.array(status.astype(str)),
        be_dates(day, month, year, np.zeros(n, np.int8)),
        table.column("headman"),
        table.column("phone"),
    ]
    lines = delimited_lines(columns, "|", quote=False, trailing_delimiter=True)
    truth = truth_table(
        "dopa/villages",
        "",
        row_kind=pa.array(np.full(n, "data")),
        village_keys=single_keys(table.column("village_code")),
        project_id=pa.nulls(n, pa.string()),
        defects=injector.codes(),
    )
    return lines, truth


def village_plans(
    plans: Plans, fiscal_year: int, province_code: str, seed: int, profile: DefectProfile
) -> tuple[bytes, str, Delivery, dict[str, str]]:
    """The province's village-plan CSV: (utf-8 bytes without BOM, encoding, delivery, header renames)."""
    name = f"village_plans_{fiscal_year}_{province_code}.csv"
    records = plans.dopa
    units = plans.units
    unit_row = records.column("unit_row").to_numpy()
    order = np.lexsort((np.arange(len(unit_row)), unit_row))
    records = records.take(pa.array(order))
    unit_row = unit_row[order]
    n = records.num_rows
    rng = stream(seed, "dopa-plans", province_code)
    inj = Injector(profile, seed, "dopa/village_plans", province_code, n)
    code = strings(units.column("village_code").take(pa.array(unit_row)))
    starts = np.r_[0, np.flatnonzero(np.diff(unit_row)) + 1]
    seq = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n])) + 1
    dimension = np.array(DIMENSIONS)[records.column("dimension").to_numpy()]
    group = lookup(DOPA_DIMENSION_GROUP, dimension)
    other = rng.random(n) < 0.02
    group = where(other, pa.array(np.full(n, DOPA_OTHER_GROUP)), group)
    group = where(rng.random(n) < 0.4, pc.replace_substring_regex(group, "^ด้าน", ""), group)
    unknown_dim = inj.rows("unknown_dimension")
    group = where(
        unknown_dim,
        pa.array(rng.choice(["ด้านพิเศษ", "อื่นๆ ตามมติ", "ด้านความมั่นคงทางอาหารและพลังงาน"], n)),
        group,
    )
    implementation = np.array(IMPLEMENTATIONS)[records.column("implementation").to_numpy()]
    title = _titles(records.column("title"), inj, rng)
    fiscal = np.full(n, fiscal_year)
    bad_year = inj.rows("bad_fiscal_year")
    year_text = pc.cast(pa.array(fiscal), pa.string())
    year_text = where(
        bad_year,
        pa.array(np.full(n, str(fiscal_year)[:2] + str(fiscal_year)[3] + str(fiscal_year)[2])),
        year_text,
    )
    ce = inj.rows("ce_year", eligible=~bad_year)
    year_text = where(ce, pc.cast(pa.array(fiscal - 543), pa.string()), year_text)
    unknown = inj.rows("unknown_village")
    # A village number no subdistrict has (หมู่ 9x) keeps the code well-formed but unresolvable.
    fake = join(
        pc.utf8_slice_codeunits(code, 0, 6),
        pc.cast(pa.array(rng.integers(90, 100, n)), pa.string()),
    )
    code_text = where(unknown, fake, code)
    as_float = inj.rows("code_as_float")
    code_text = where(as_float, join(code_text, ".0"), code_text)
    money, _, _ = amounts(inj, records.column("budget").to_numpy(), rng)
    thai = inj.hits["thai_digits"]
    year_text = where(thai, to_thai_digits(year_text), year_text)
    seq_text = pc.cast(pa.array(seq), pa.string())
    source = np.where(
        implementation == "self",
        "ไม่ใช้งบประมาณ",
        np.array(DOPA_FUNDING_SOURCES)[rng.integers(0, 5, n)],
    )
    meeting = be_dates(
        rng.integers(1, 29, n),
        rng.integers(1, 5, n),
        np.full(n, fiscal_year - 1),
        rng.choice(4, n, p=[0.6, 0.2, 0.1, 0.1]),
    )
    columns = [
        code_text,
        year_text,
        seq_text,
        title,
        group,
        money,
        pa.array(source),
        lookup(IMPLEMENTATION_TH, implementation),
        pa.array(np.array(DOPA_RESPONSIBLE)[rng.integers(0, len(DOPA_RESPONSIBLE), n)]),
        meeting,
    ]
    # Re-exports duplicate a block of rows: the copies follow the originals.
    duplicate = inj.rows("duplicate_row")
    index = np.arange(n)
    take = np.sort(np.concatenate([index, index[duplicate]]), kind="stable")
    kind = np.where(np.r_[False, take[1:] == take[:-1]], "duplicate", "data")
    lines = delimited_lines([c.take(pa.array(take)) for c in columns], ",", quote=True)
    header = list(PLANS_HEADER)
    renames: dict[str, str] = {}
    if inj.file("header_renamed"):
        original = list(PLANS_HEADER_VARIANTS)[int(rng.integers(0, len(PLANS_HEADER_VARIANTS)))]
        renames[original] = PLANS_HEADER_VARIANTS[original]
        header = [renames.get(h, h) for h in header]
    head = delimited_lines([pa.array([h]) for h in header], ",", quote=True)
    cp874 = stream(seed, "encoding", "dopa/village_plans", province_code).random() < 0.4
    encoding = "cp874" if cp874 else "utf-8-sig"
    if inj.file("wrong_encoding"):
        encoding = "utf-8"  # a UTF-8 file without its BOM: only decoding evidence tells
    if encoding == "cp874":
        lines = pc.replace_substring(lines, "\u200b", "")
    data = lines_bytes(pa.concat_arrays([head, lines]), "\r\n")
    truth = truth_table(
        "dopa/village_plans",
        name,
        source_row=np.arange(1, len(take) + 1),
        row_kind=pa.array(kind),
        village_keys=single_keys(where(unknown, pa.nulls(n, pa.string()), code)).take(
            pa.array(take)
        ),
        project_id=records.column("project_id").take(pa.array(take)),
        defects=inj.codes().take(pa.array(take)),
    )
    return data, encoding, Delivery(f"dopa/village_plans/{name}", truth), renames


def _titles(titles: pa.Array, inj: Injector, rng: np.random.Generator) -> pa.Array:
    """Titles as typed: stray spaces, missing titles, Thai digits, and the odd comma, quote or
    line break that quoted CSV must carry."""
    n = len(titles)
    titles = strings(titles)
    clause = rng.random(n)
    titles = where(clause < 0.005, join(titles, ", ระยะที่ 2"), titles)
    titles = where((clause >= 0.005) & (clause < 0.008), join(titles, ' "ประชารัฐ"'), titles)
    titles = where((clause >= 0.008) & (clause < 0.01), join(titles, "\n(ต่อเนื่อง)"), titles)
    titles = stray_spaces(titles, inj.rows("stray_space"), inj.rng("stray_space"))
    titles = where(inj.rows("thai_digits"), to_thai_digits(titles), titles)
    return where(inj.rows("missing_title"), pa.array(np.full(n, "")), titles)
