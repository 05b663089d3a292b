"""rpt_delivery_quality: one row per delivery; every ingested delivery's rows are conserved."""

from __future__ import annotations

from expectations import published as p
from expectations import sql
from expectations.suite import Suite, in_set

REQUIRED = (
    "delivery_id",
    "agency",
    "dataset",
    "source_file",
    "sha256",
    "received_at",
    "rows_read",
    "rows_published",
    "rows_quarantined",
    "quarantine_reasons",
    "village_match_rate",
    "rows_duplicated_elsewhere",
    "is_conserved",
)
COUNTS = ("rows_read", "rows_published", "rows_quarantined", "rows_superseded")

SUITE = Suite(
    name="warehouse/rpt_delivery_quality",
    required=REQUIRED,
    columns=(
        *p.as_is("delivery_id", "agency", "dataset", "status", "is_conserved"),
        *(p.number(c) for c in (*COUNTS, "village_match_rate")),
    ),
    checks=(
        p.agreed_columns(REQUIRED),
        *p.key("delivery_id", "รหัสการส่งข้อมูล"),
        p.required("agency"),
        p.one_of("agency", sql.AGENCIES),
        p.required("dataset"),
        p.one_of("dataset", sql.DATASETS),
        p.one_of("status", {"ingested", "rejected", "duplicate"}),
        *(p.amount(c) for c in COUNTS),
        p.share("village_match_rate"),
        p.required("is_conserved"),
        in_set(
            "is_conserved",
            {True},
            "ทุกแถวที่ส่งมาอยู่ครบ: อ่าน = เผยแพร่ + กักกัน + ถูกแทนที่ ทุกการส่ง",
            "Nothing is lost: read = published + quarantined + superseded for every delivery",
        ),
    ),
)
