"""What `muban validate` tells the agency: problems that would stop rows (or the whole file) from
reaching the warehouse, warnings and notes that would not, as text (Thai first, English beside
it) or as JSON for machines. Personal data never gets here: only the cells a reason is about
are carried, and the registry's headman columns are never among them."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Reason:
    code: str
    reason_th: str
    reason_en: str
    columns: tuple[str, ...] = ()  # the delivered headers (Thai) the reason is about
    values: dict[str, str | None] = field(default_factory=dict)  # header -> delivered cell


@dataclass(frozen=True)
class Problem:
    """A whole file rejected (`kind` file) or a row that would be quarantined (`kind` row)."""

    kind: str
    dataset: str
    reasons: tuple[Reason, ...]
    where: str | None = None  # file: where ingest found it ("line 1", "sheet แผนชุมชน row 4")
    source_row: str | None = None  # row: as the quarantine table reports it
    source_line: int | None = None  # row of a text file: the physical line it starts on
    detail: str | None = None  # e.g. the closest registry villages, or the row's width


@dataclass(frozen=True)
class Notice:
    """Something the agency should know that does not fail the file (level warning or note)."""

    level: str
    code: str
    text_th: str
    text_en: str
    rows: tuple[str, ...] = ()


@dataclass
class DeliveryResult:
    """One dataset the file delivers (a CDD workbook delivers two)."""

    dataset: str
    status: str  # ingested | rejected
    rows_read: int = 0
    encoding: str | None = None
    skipped: dict[str, int] = field(default_factory=dict)  # skipped-row reason -> rows
    rows_quarantined: int = 0
    reason_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Report:
    file: str
    dataset: str
    sha256: str | None = None
    deliveries: list[DeliveryResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    registry: str | None = None  # the published file the village registry came from
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "dataset": self.dataset,
            "sha256": self.sha256,
            "passed": self.passed,
            "exit_code": self.exit_code,
            "registry": self.registry,
            "deliveries": [asdict(d) for d in self.deliveries],
            "problems": [_problem_dict(p) for p in self.problems],
            "warnings": [asdict(n) for n in self.notices if n.level == "warning"],
            "notes": [asdict(n) for n in self.notices if n.level == "note"],
            "timings_seconds": {k: round(v, 2) for k, v in self.timings.items()},
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    def to_text(self) -> str:
        return "\n".join(_text_lines(self))


SKIPPED_TH = {
    "title_row": "แถวชื่อเรื่อง",
    "header_row": "แถวหัวตาราง",
    "blank_row": "แถวว่าง",
    "subtotal_row": "แถวยอดรวม",
}


def _problem_dict(problem: Problem) -> dict[str, object]:
    out = asdict(problem)
    out["reasons"] = [asdict(r) for r in problem.reasons]
    return {k: v for k, v in out.items() if v not in (None, (), [], {})}


def _cell(value: str | None, limit: int = 60) -> str:
    if value is None or value == "":
        return "(ว่าง/empty)"
    text = value.replace("\r", "\\r").replace("\n", "\\n")
    return json.dumps(text if len(text) <= limit else text[:limit] + "…", ensure_ascii=False)


def _reason_text(reason: Reason) -> str:
    cells = ", ".join(f"{c} = {_cell(reason.values.get(c))}" for c in reason.columns)
    return (
        f"[{reason.code}] {cells + ' — ' if cells else ''}{reason.reason_th} / {reason.reason_en}"
    )


def _position(problem: Problem) -> str:
    if problem.kind == "file":
        return f"ทั้งไฟล์/whole file{f' ({problem.where})' if problem.where else ''}"
    line = f" (บรรทัด/line {problem.source_line})" if problem.source_line is not None else ""
    return f"แถว/row {problem.source_row}{line}"


def _text_lines(report: Report) -> list[str]:
    rows = sum(d.rows_quarantined for d in report.deliveries)
    rejected = [p for p in report.problems if p.kind == "file"]
    if report.passed:
        verdict = "ผ่าน / PASSED: ส่งไฟล์นี้ได้ / the file can be sent"
    elif rejected:
        verdict = "ไม่ผ่าน / FAILED: ไฟล์จะถูกปฏิเสธทั้งไฟล์ / the file would be rejected whole"
    else:
        verdict = f"ไม่ผ่าน / FAILED: {rows:,} แถวจะถูกกักไว้ / {rows:,} rows would be quarantined"
    lines = [f"muban validate: {report.file} ({report.dataset})", f"ผล / result: {verdict}"]
    others = [p for p in report.problems if p.dataset not in {d.dataset for d in report.deliveries}]
    for problem in others:
        lines.append(f"  {_position(problem)}: " + "; ".join(map(_reason_text, problem.reasons)))
    for delivery in report.deliveries:
        lines.append("")
        lines.append(f"{delivery.dataset}: {_summary(delivery)}")
        for problem in report.problems:
            if problem.dataset != delivery.dataset:
                continue
            text = "; ".join(_reason_text(r) for r in problem.reasons)
            detail = f" — {problem.detail}" if problem.detail else ""
            lines.append(f"  {_position(problem)}: {text}{detail}")
        if delivery.reason_counts:
            lines.append("  จำนวนตามเหตุผล / rows per reason:")
            texts = {
                r.code: f"{r.reason_th} / {r.reason_en}"
                for p in report.problems
                if p.dataset == delivery.dataset
                for r in p.reasons
            }
            for code, count in sorted(delivery.reason_counts.items(), key=lambda kv: -kv[1]):
                lines.append(f"    {code:22} {count:>7,}  {texts.get(code, '')}")
    for level, title in (("warning", "คำเตือน / warnings"), ("note", "หมายเหตุ / notes")):
        notices = [n for n in report.notices if n.level == level]
        if notices:
            lines.append("")
            lines.append(f"{title}:")
            for notice in notices:
                where = f" (แถว/rows {_rows(notice.rows)})" if notice.rows else ""
                lines.append(f"  [{notice.code}] {notice.text_th} / {notice.text_en}{where}")
    if report.timings:
        spent = ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
        lines.extend(["", f"เวลา / time: {spent}"])
    return lines


def _summary(delivery: DeliveryResult) -> str:
    if delivery.status != "ingested":
        return "ไฟล์ถูกปฏิเสธ / rejected"
    text = f"อ่านได้ {delivery.rows_read:,} แถว / {delivery.rows_read:,} rows read"
    if delivery.encoding:
        text += f" ({delivery.encoding})"
    if delivery.skipped:
        parts = ", ".join(
            f"{SKIPPED_TH.get(k, k)}/{k} {v:,}" for k, v in sorted(delivery.skipped.items())
        )
        text += f"; ข้าม / skipped: {parts}"
    text += (
        f"; จะถูกกักไว้ {delivery.rows_quarantined:,} แถว / "
        f"{delivery.rows_quarantined:,} rows would be quarantined"
    )
    return text


def _rows(rows: tuple[str, ...], shown: int = 20) -> str:
    text = ", ".join(rows[:shown])
    return text + (f" … (+{len(rows) - shown:,})" if len(rows) > shown else "")


def reason_counts(problems: list[Problem], dataset: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for problem in problems:
        if problem.kind == "row" and problem.dataset == dataset:
            counts.update(r.code for r in problem.reasons)
    return dict(counts)
