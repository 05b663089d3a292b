"""The words the reports use: agencies, datasets, where a row sits in a file, Thai dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from muban.thai import THAI_MONTHS_SHORT

AGENCIES: tuple[str, ...] = ("dopa", "cdd", "dla", "opsmoi")

# agency: (Thai name, English name)
AGENCY_NAMES: dict[str, tuple[str, str]] = {
    "dopa": ("กรมการปกครอง", "Department of Provincial Administration (DOPA)"),
    "cdd": ("กรมการพัฒนาชุมชน", "Community Development Department (CDD)"),
    "dla": ("กรมส่งเสริมการปกครองท้องถิ่น", "Department of Local Administration (DLA)"),
    "opsmoi": (
        "สำนักงานปลัดกระทรวงมหาดไทย",
        "Office of the Permanent Secretary for Interior (OPS MOI)",
    ),
}

# dataset: (Thai name, English name)
DATASET_NAMES: dict[str, tuple[str, str]] = {
    "dopa/villages": ("ทะเบียนหมู่บ้าน", "village registry"),
    "dopa/village_plans": ("แผนพัฒนาหมู่บ้าน", "village development plans"),
    "cdd/community_plans": ("แผนชุมชน", "community plans"),
    "cdd/certification": ("การรับรองมาตรฐานแผนชุมชน", "community plan certification"),
    "dla/laos": ("ทะเบียน อปท.", "LAO registry"),
    "dla/plan_projects": ("แผนพัฒนาท้องถิ่น (API)", "local development plans (API)"),
    "opsmoi/household_needs": ("ความต้องการของครัวเรือน (API)", "household needs (API)"),
}

# delivery status: (Thai, English)
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "ingested": ("รับเข้าแล้ว", "read"),
    "rejected": ("ไม่รับทั้งไฟล์", "rejected whole"),
    "duplicate": ("ซ้ำกับที่ส่งแล้ว", "already delivered"),
}

# SQL: where a quarantined row sits in the agency's file, in Thai and in English, from
# `dataset` and `source_row` (text files count data records without the header; workbooks
# give the worksheet row; APIs give the record's id).
WHERE_TH_SQL = """
case
    when dataset = 'cdd/community_plans' then 'แผ่นงาน "แผนชุมชน" แถวที่ ' || source_row
    when dataset = 'cdd/certification' then 'แผ่นงาน "การรับรองมาตรฐาน" แถวที่ ' || source_row
    when dataset = 'dla/plan_projects' then 'โครงการ ' || replace(source_row, ':', ' (') || ')'
    when dataset = 'opsmoi/household_needs' then 'ระเบียน _id ' || source_row
    else 'แถวข้อมูลที่ ' || source_row || ' (ไม่นับแถวหัวตาราง)'
end"""
WHERE_EN_SQL = """
case
    when dataset = 'cdd/community_plans' then 'sheet "แผนชุมชน", row ' || source_row
    when dataset = 'cdd/certification' then 'sheet "การรับรองมาตรฐาน", row ' || source_row
    when dataset = 'dla/plan_projects' then 'project ' || replace(source_row, ':', ', edition ')
    when dataset = 'opsmoi/household_needs' then 'record _id ' || source_row
    else 'data row ' || source_row || ' (header not counted)'
end"""

BANGKOK = ZoneInfo("Asia/Bangkok")


def thai_datetime(moment: dt.datetime | None, *, time: bool = True) -> str:
    """`27 พ.ย. 2569 19:26 น.` in Bangkok time, the Buddhist Era year."""
    if moment is None:
        return "–"
    if moment.tzinfo is not None:
        moment = moment.astimezone(BANGKOK)
    text = f"{moment.day} {THAI_MONTHS_SHORT[moment.month - 1]} {moment.year + 543}"
    return f"{text} {moment:%H:%M} น." if time else text


def agency_th(agency: str) -> str:
    return AGENCY_NAMES.get(agency, (agency, agency))[0]


def agency_en(agency: str) -> str:
    return AGENCY_NAMES.get(agency, (agency, agency))[1]
