"""DLA local development plans (form ผ.02, sources.md §3b), one record per project edition, checked
as the API delivered it. The budget is a JSON object from BE year to amount text."""

from __future__ import annotations

from expectations import delivered as d
from expectations import sql
from expectations.suite import between, build, derived, helper, not_null

DATASET = "dla/plan_projects"
# Each year's amount as staging reads it (stg_dla__plan_project_years), computed once for the
# smallest and the largest; none when the budget is not JSON.
_AMOUNTS = (
    """case when json_valid("budget") then list_transform(json_extract_string("budget", '$.*'), """
    f"""lambda amount: {sql.baht("amount")}) end"""
)
ISO_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$"

SUITE = build(
    DATASET,
    d.required_columns(DATASET),
    d.basics(DATASET),
    d.code("lao_code", 7, "รหัส อปท.", "LAO code"),
    d.malformed(
        "period",
        rf"^{d.B}{d.D}{{4}}{d.B}-{d.B}{d.D}{{4}}{d.B}$",
        "ช่วงแผนเป็นปี พ.ศ. สองปี เช่น 2566-2570",
        "The plan period is two BE years, such as 2566-2570",
    ),
    d.malformed(
        "edition",
        rf"^{d.B}(ฉบับแรก|เพิ่มเติม|เปลี่ยนแปลง|แก้ไข)",
        "ฉบับของแผนเป็น ฉบับแรก เพิ่มเติม เปลี่ยนแปลง หรือ แก้ไข",
        "The plan edition is ฉบับแรก, เพิ่มเติม, เปลี่ยนแปลง or แก้ไข",
    ),
    d.text("project_id"),
    d.text("edition"),
    not_null("project_id", "มีรหัสโครงการทุกแถว", "Every record has a project id", d.FORMAT),
    d.key(
        ("project_id", "edition"),
        "รหัสโครงการและฉบับของแผนไม่ซ้ำกัน",
        "Project id and edition identify one record",
    ),
    d.title(),
    d.filled(
        "target", "เป้าหมาย (หมู่บ้านที่โครงการลงพื้นที่)", "target (the villages it serves)", d.CONTENT
    ),
    d.malformed(
        "budget",
        rf"^{d.B}\{{.*\}}{d.B}$",
        "งบประมาณเป็นรายการปีและจำนวนเงิน (JSON object)",
        "The budget is an object from year to amount (JSON)",
    ),
    helper("budget_amounts", _AMOUNTS, "budget"),
    derived("budget_min_thb", "list_min(budget_amounts)", "budget"),
    derived("budget_max_thb", "list_max(budget_amounts)", "budget"),
    between(
        "budget_min_thb",
        0,
        None,
        "งบประมาณทุกปีไม่ติดลบ",
        "No year's budget is negative",
        d.FORMAT,
    ),
    between(
        "budget_max_thb",
        None,
        sql.MAX_BUDGET_THB,
        "งบประมาณแต่ละปีไม่เกิน 500 ล้านบาท",
        "No year's budget exceeds 500 million baht",
        d.FORMAT,
    ),
    d.malformed(
        "updated_at",
        ISO_TIME,
        "เวลาปรับปรุงเป็นวันเวลาแบบ ISO 8601",
        "The update time is an ISO 8601 timestamp",
    ),
)
