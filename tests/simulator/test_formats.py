"""Every delivery read back with independent readers (csv, openpyxl, json) against sources.md."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import openpyxl
import pytest

REGISTRY_HEADER = (
    "รหัสหมู่บ้าน|หมู่ที่|ชื่อหมู่บ้าน|รหัสตำบล|ชื่อตำบล|ชื่ออำเภอ|ชื่อจังหวัด|สถานะ|วันที่มีผล|ชื่อผู้ใหญ่บ้าน|โทรศัพท์"
)
PLANS_HEADER = [
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
]
LAOS_HEADER = ["รหัส อปท.", "ชื่อ อปท.", "ประเภท อปท.", "รหัสตำบล", "หมู่ที่รับผิดชอบ"]
CDD_COLUMNS = [
    "ลำดับ",
    "อำเภอ",
    "ตำบล",
    "หมู่ที่",
    "ชื่อหมู่บ้าน/ชุมชน",
    "ชื่อโครงการ/กิจกรรม",
    "ประเภท",
    "หมวด",
    "งบประมาณ (บาท)",
    "ปีที่ดำเนินการ",
    "หน่วยงานที่ขอรับการสนับสนุน",
]
CERT_HEADER = ["อำเภอ", "ตำบล", "หมู่ที่", "ชื่อหมู่บ้าน/ชุมชน", "คะแนน", "ผลการรับรอง", "วันที่รับรอง"]
DLA_FIELDS = [
    "lao_code",
    "period",
    "edition",
    "project_id",
    "strategy",
    "program",
    "project_name",
    "objective",
    "target",
    "budget",
    "kpi",
    "expected_result",
    "responsible_unit",
    "updated_at",
]


def decode(path: Path) -> tuple[str, str]:
    """(encoding, text): a BOM means UTF-8; otherwise strict UTF-8, else cp874."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", raw[3:].decode("utf-8")
    try:
        return "utf-8", raw.decode("utf-8")
    except UnicodeDecodeError:
        return "cp874", raw.decode("cp874")


def test_landing_layout_is_agency_dataset_file(small) -> None:
    files = sorted(
        p.relative_to(small.landing).as_posix() for p in small.landing.rglob("*") if p.is_file()
    )
    assert files == [
        "cdd/community_plans/community_plans_2569_54.xlsx",
        "dla/laos/laos_25681001.csv",
        "dopa/village_plans/village_plans_2569_54.csv",
        "dopa/villages/villages_25680115.txt",
        "dopa/villages/villages_25690115.txt",
    ]


def test_registry_snapshots_are_pipe_delimited_with_trailing_pipe(small) -> None:
    old_encoding, old = decode(small.landing / "dopa/villages/villages_25680115.txt")
    new_encoding, new = decode(small.landing / "dopa/villages/villages_25690115.txt")
    assert (old_encoding, new_encoding) == ("cp874", "utf-8-sig")
    for text in (old, new):
        lines = text.split("\r\n")
        assert lines[-1] == ""
        assert lines[0] == REGISTRY_HEADER + "|"
        rows = [line.split("|") for line in lines[1:-1]]
        assert all(len(r) == 12 and r[-1] == "" for r in rows)
        assert all(
            re.fullmatch(r"\d{8}", r[0]) and r[0][:6] == r[3] and int(r[0][6:]) == int(r[1])
            for r in rows
        )
        assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/25\d\d", r[8]) for r in rows)


def test_registry_history_has_created_dissolved_and_renamed_villages(small) -> None:
    def snapshot(name: str) -> dict[str, list[str]]:
        _, text = decode(small.landing / "dopa/villages" / name)
        return {r[0]: r for r in (line.split("|") for line in text.split("\r\n")[1:-1])}

    old, new = snapshot("villages_25680115.txt"), snapshot("villages_25690115.txt")
    created = set(new) - set(old)
    assert created and all(new[c][7] == "ตั้งใหม่" for c in created)
    assert set(old) <= set(new)
    statuses = {r[7] for r in new.values()}
    assert statuses <= {"ปกติ", "ตั้งใหม่", "ยกเลิก"}
    renamed = [c for c in old if old[c][2] != new[c][2]]
    assert renamed and all(new[c][7] == "ปกติ" for c in renamed)


def test_dissolved_villages_appear_in_a_harsher_sample(harsh_province) -> None:
    _, text = decode(harsh_province.landing / "dopa/villages/villages_25690115.txt")
    statuses = [line.split("|")[7] for line in text.split("\r\n")[1:-1]]
    assert statuses.count("ยกเลิก") > 0 and statuses.count("ตั้งใหม่") > 0


def test_village_plans_csv_reads_with_the_csv_module(small) -> None:
    _, text = decode(small.landing / "dopa/village_plans/village_plans_2569_54.csv")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    assert len(header) == 10
    # The header is the agreed one, but for a known renamed variant (a catalogued defect).
    renamed = {"งบประมาณ (บาท)": "งบประมาณ(บาท)", "ชื่อโครงการ/กิจกรรม": "ชื่อโครงการ"}
    assert [renamed.get(h, h) for h in header] == PLANS_HEADER
    body = rows[1:]
    assert len(body) == small.summary.rows["dopa/village_plans"]
    assert all(len(r) == 10 for r in body)
    assert any("\n" in r[3] for r in body) or any("," in r[3] for r in body)
    assert {r[7] for r in body} <= {"ทำเอง", "ทำร่วม", "ขอสนับสนุน"}


def test_laos_csv_is_utf8_with_bom_and_lists_served_villages(clean) -> None:
    encoding, text = decode(clean.landing / "dla/laos/laos_25681001.csv")
    assert encoding == "utf-8-sig"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == LAOS_HEADER
    body = rows[1:]
    assert all(re.fullmatch(r"\d{7}", r[0]) for r in body)
    assert {r[2] for r in body} <= {"อบจ.", "เทศบาลนคร", "เทศบาลเมือง", "เทศบาลตำบล", "อบต."}
    assert all(r[4] == "ทั้งตำบล" or re.fullmatch(r"\d+(-\d+)?(,\d+(-\d+)?)*", r[4]) for r in body)
    # A municipality sharing a subdistrict with a TAO: both list parts of it.
    partial = [r for r in body if r[4] != "ทั้งตำบล"]
    assert partial
    # An upgraded TAO keeps its old code: a เทศบาลตำบล whose code starts with the TAO digit.
    assert any(r[2] == "เทศบาลตำบล" and r[0].startswith("5") for r in body) or len(body) < 40


def test_community_plan_workbook_layout(small) -> None:
    path = small.landing / "cdd/community_plans/community_plans_2569_54.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["แผนชุมชน", "การรับรองมาตรฐาน"]
    sheet = workbook["แผนชุมชน"]
    assert sheet["A1"].value == "แผนชุมชน ประจำปีงบประมาณ ๒๕๖๙"
    assert sheet["A2"].value.startswith("จังหวัด")
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A3:A4", "B3:E3", "F3:F4", "I3:I4"} <= merged
    top = [c.value for c in sheet[3]]
    sub = [c.value for c in sheet[4]]
    flattened = [s or t for t, s in zip(top, sub, strict=True)]
    renamed = {"งบประมาณ(บาท)": "งบประมาณ (บาท)", "ชื่อโครงการ": "ชื่อโครงการ/กิจกรรม"}
    assert [renamed.get(h, h) for h in flattened] == CDD_COLUMNS
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    subtotals = [r for r in rows if isinstance(r[1], str) and r[1].startswith("รวม")]
    assert len(subtotals) == 2  # one per district
    assert all(isinstance(r[8], str) and r[8].startswith("=SUM(I") for r in subtotals)
    data = [r for r in rows if r[0] is not None]
    assert len(data) == small.summary.rows["cdd/community_plans"]
    assert any(isinstance(r[8], int | float) for r in data) and any(
        isinstance(r[8], str) for r in data
    )
    certification = workbook["การรับรองมาตรฐาน"]
    assert [c.value for c in certification[1]] == CERT_HEADER
    levels = {r[5] for r in certification.iter_rows(min_row=2, values_only=True)}
    assert levels <= {"ดีมาก", "ดี", "พอใช้", "ไม่ผ่าน"}


def test_subtotal_cached_values_are_the_district_sums(small) -> None:
    path = small.landing / "cdd/community_plans/community_plans_2569_54.xlsx"
    values = openpyxl.load_workbook(path, data_only=True, read_only=True)["แผนชุมชน"]
    running = 0.0
    for row in values.iter_rows(min_row=5, values_only=True):
        if isinstance(row[1], str) and row[1].startswith("รวม"):
            assert row[8] == pytest.approx(running, abs=1)
            running = 0.0
        elif isinstance(row[8], int | float):
            running += row[8]


def test_api_store_records_have_the_agreed_fields(small) -> None:
    dla_lines = (small.api / "dla/plan_projects/54.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in dla_lines]
    assert all(list(r) == DLA_FIELDS for r in records)
    assert {r["period"] for r in records} == {"2566-2570"}
    assert all(sorted(r["budget"]) == ["2566", "2567", "2568", "2569", "2570"] for r in records)
    assert {"ฉบับแรก", "เปลี่ยนแปลง ครั้งที่ 1"} <= {r["edition"] for r in records}
    assert any(r["target"].startswith("ทุกหมู่บ้าน") for r in records)
    assert any(re.search(r"\d-\d", r["target"]) for r in records)
    assert all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", r["updated_at"]) for r in records
    )
    needs = [
        json.loads(line)
        for line in (small.api / "opsmoi/household_needs/54.jsonl").read_text().splitlines()
    ]
    assert {r["dimension"] for r in needs} == {
        "สุขภาพ",
        "ความเป็นอยู่",
        "การศึกษา",
        "รายได้",
        "การเข้าถึงบริการรัฐ",
    }
    assert any(isinstance(r["village_code"], int | float) for r in needs)
    assert any(isinstance(r["village_code"], str) for r in needs)


def test_personal_data_only_in_the_registry(small) -> None:
    _, text = decode(small.landing / "dopa/villages/villages_25690115.txt")
    rows = [line.split("|") for line in text.split("\r\n")[1:-1]]
    phones = {r[10] for r in rows}
    names = {r[9] for r in rows}
    assert all(re.fullmatch(r"0[689]\d-\d{3}-\d{4}", p) for p in phones)
    assert all(n.startswith(("นาย", "นาง")) for n in names)
    for path in [*small.landing.rglob("*"), *small.api.rglob("*"), *small.truth.rglob("*")]:
        if not path.is_file() or (path.parent.name == "villages" and path.suffix == ".txt"):
            continue
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(path) as z:
                data = b"".join(z.read(n) for n in z.namelist())
        assert not any(p.encode() in data for p in list(phones)[:50]), path
        assert not any(n.encode() in data for n in list(names)[:50]), path
