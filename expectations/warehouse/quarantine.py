"""quarantine: one row per rejected source row, with every reason. An empty quarantine is healthy
(and a shrinking one good news), so the row-count guard does not apply."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import PERSONAL_COLUMNS, Suite, between, derived, null

REQUIRED = (
    "agency",
    "dataset",
    "delivery_id",
    "source_file",
    "source_row",
    "reason_codes",
    "reasons_th",
    "reasons_en",
    "delivered_values",
)
_PERSONAL = ", ".join(f"'{c}'" for c in sorted(PERSONAL_COLUMNS))

SUITE = Suite(
    name="warehouse/quarantine",
    required=REQUIRED,
    columns=(
        *p.as_is("agency", "dataset", "delivery_id", "source_file", "source_row"),
        *p.as_is("reasons_th", "reasons_en"),
        derived("n_reasons", "cast(coalesce(len(reason_codes), 0) as double)", "reason_codes"),
        # the delivered values a quarantined row shows must never hold personal data
        derived(
            "personal_values",
            f"case when list_has_any(json_keys(delivered_values), [{_PERSONAL}]) "
            "then array_to_string(list_intersect(json_keys(delivered_values), "
            f"[{_PERSONAL}]), ',') end",
            "delivered_values",
        ),
    ),
    checks=(
        p.agreed_columns(REQUIRED),
        p.grain(("delivery_id", "source_row")),
        p.required("agency"),
        p.one_of("agency", sql.AGENCIES),
        p.required("dataset"),
        p.one_of("dataset", sql.DATASETS),
        p.required("source_file"),
        p.required("source_row"),
        between(
            "n_reasons",
            1,
            None,
            "ทุกแถวที่ถูกกักกันมีเหตุผลอย่างน้อยหนึ่งข้อ",
            "Every quarantined row has at least one reason",
        ),
        p.required("reasons_th"),
        p.required("reasons_en"),
        null(
            "personal_values",
            "ค่าที่แสดงไม่มีข้อมูลส่วนบุคคล (ชื่อหรือโทรศัพท์ผู้ใหญ่บ้าน)",
            "The values shown hold no personal data (headman name or phone)",
        ),
    ),
    may_be_empty=True,
)
