"""Why a delivery is rejected whole: one code, a Thai and an English text, and where.

Agencies read these in their quality reports and from `muban validate`, so every text says
what is wrong and where, in words a clerk can act on. Row-level problems are not decided
here: staging quarantines rows (dbt seed `quarantine_reasons`).
"""

from __future__ import annotations

from dataclasses import dataclass

# code: (Thai template, English template); templates take the Rejection's details.
REASONS: dict[str, tuple[str, str]] = {
    "empty_file": ("ไฟล์ว่างเปล่า ไม่มีข้อมูล", "The file is empty."),
    "too_large": (
        "ไฟล์มีขนาด {size:,} ไบต์ เกินขนาดที่รับได้ {limit:,} ไบต์",
        "The file is {size:,} bytes, over the {limit:,}-byte limit.",
    ),
    "unsafe_name": (
        "ชื่อไฟล์ไม่ปลอดภัย ({detail}) กรุณาตั้งชื่อใหม่โดยไม่มีเครื่องหมายพิเศษหรือโฟลเดอร์ซ้อน",
        "The file name is unsafe ({detail}); rename it without special characters or folders.",
    ),
    "unknown_dataset": (
        "ไม่ทราบว่าเป็นข้อมูลชุดใด ต้องวางไฟล์ไว้ที่ <หน่วยงาน>/<ชุดข้อมูล>/ เช่น dopa/village_plans/",
        "Unknown dataset: deliveries must sit under <agency>/<dataset>/, e.g. dopa/village_plans/.",
    ),
    "undecodable": (
        "อ่านตัวอักษรในไฟล์ไม่ได้ (ไม่ใช่ UTF-8 และไม่ใช่ TIS-620) ที่ไบต์ที่ {position:,}",
        "The file's text cannot be decoded (neither UTF-8 nor TIS-620) at byte {position:,}.",
    ),
    "not_thai_text": (
        "ถอดรหัสไฟล์ได้แต่ไม่พบอักษรไทยตามที่ควรมี อาจบันทึกผิดรหัสอักขระ",
        "The file decodes but holds almost no Thai text: it was probably saved in a wrong encoding.",
    ),
    "malformed_text": (
        "โครงสร้างไฟล์ผิดที่บรรทัดที่ {line:,}: {detail}",
        "The file is malformed at line {line:,}: {detail}",
    ),
    "no_header": (
        "ไม่พบแถวหัวตารางที่รู้จักของชุดข้อมูล {dataset}",
        "No recognisable header row for dataset {dataset}.",
    ),
    "wrong_dataset": (
        "หัวตารางเป็นของชุดข้อมูล {other} ไม่ใช่ {dataset} กรุณาตรวจสอบว่าส่งไฟล์ถูกชุด",
        "The header belongs to dataset {other}, not {dataset}: check the file was sent to the right place.",
    ),
    "missing_columns": (
        "ขาดคอลัมน์ที่จำเป็น: {columns}",
        "Required columns are missing: {columns}.",
    ),
    "not_a_workbook": (
        "ไฟล์ไม่ใช่สมุดงาน Excel (.xlsx) ที่เปิดได้",
        "The file is not a readable Excel workbook (.xlsx).",
    ),
    "zip_bomb": (
        "ไฟล์ Excel ขยายแล้วมีขนาดผิดปกติ ({detail}) จึงไม่เปิดอ่านเพื่อความปลอดภัย",
        "The workbook expands abnormally ({detail}); it was not opened, for safety.",
    ),
    "xml_entities": (
        "ไฟล์มีการประกาศ DTD/entity ใน XML ซึ่งไม่อนุญาตเพื่อความปลอดภัย ({part})",
        "The file declares XML DTD/entities, which are refused for safety ({part}).",
    ),
    "sheet_missing": (
        'ไม่พบแผ่นงาน "{sheet}" ในสมุดงาน (มีแผ่นงาน: {sheets})',
        'Worksheet "{sheet}" not found in the workbook (it has: {sheets}).',
    ),
    "no_rows": (
        "ไม่มีแถวข้อมูลใต้หัวตาราง",
        "There are no data rows below the header.",
    ),
    "api_unavailable": (
        "ดึงข้อมูลจาก API ไม่สำเร็จหลังลองซ้ำ {attempts} ครั้ง: {detail}",
        "The API could not be read after {attempts} attempts: {detail}",
    ),
    "api_incomplete": (
        "ได้รับระเบียนจาก API {received:,} รายการ ไม่ตรงกับจำนวนที่แจ้ง {total:,} รายการ",
        "The API returned {received:,} records, not the {total:,} it announced.",
    ),
    "api_error": (
        "API แจ้งข้อผิดพลาด: {detail}",
        "The API reported an error: {detail}",
    ),
}


@dataclass
class Rejection(Exception):  # not frozen: raising sets __traceback__/__cause__
    """A delivery that cannot be read at all, with its reason and where in the file."""

    code: str
    details: dict[str, object]
    where: str | None = None  # e.g. "line 12", "sheet แผนชุมชน row 4", "page 3"

    def __post_init__(self) -> None:
        if self.code not in REASONS:
            raise ValueError(f"unknown rejection reason {self.code!r}")

    @property
    def thai(self) -> str:
        return REASONS[self.code][0].format(**self.details)

    @property
    def english(self) -> str:
        return REASONS[self.code][1].format(**self.details)

    def __str__(self) -> str:
        return f"[{self.code}] {self.english}"


def reject(code: str, where: str | None = None, **details: object) -> Rejection:
    return Rejection(code, details, where)
