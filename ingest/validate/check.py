"""`muban validate FILE --dataset NAME`: what the warehouse would make of one delivery.

The file is placed in a landing folder of its own inside a temporary folder and read by the real
ingest (`ingest_landing`: the same guards, readers, encodings and Thai reasons, recorded in the
same manifest); the village registry comes from the published warehouse when there is one; the
real dbt project computes the row reasons (row_checks.py); the verdicts are read back
(findings.py). The temporary folder is removed afterwards: nothing is written anywhere else.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from ingest import store
from ingest.datasets import DATASETS, LANDING_DATASETS, WORKBOOK_COMPANIONS
from ingest.landing import IN_FLIGHT, hints, ingest_landing, safe_display
from ingest.settings import Settings
from ingest.validate import findings
from ingest.validate.registry import (
    PUBLISHED_FILE,
    REGISTRY_REASONS,
    Registry,
    already_published,
    load_registry,
)
from ingest.validate.report import DeliveryResult, Notice, Problem, Reason, Report, reason_counts
from ingest.validate.row_checks import start_row_checks
from muban.dbt import DBT_PROJECT_DIR

# The folder a file of each dataset lands in (the CDD workbook also delivers certification).
LANDING_FOLDER = {key: key for key in LANDING_DATASETS} | {
    companion: key for key, companions in WORKBOOK_COMPANIONS.items() for companion in companions
}
# The agreed file names (sources.md): the warehouse reads the province, fiscal year or
# snapshot date from them.
NAME_FORMS = {
    "dopa/villages": "villages_<yyyymmdd พ.ศ.>.txt",
    "dopa/village_plans": "village_plans_<ปีงบประมาณ>_<รหัสจังหวัด>.csv",
    "cdd/community_plans": "community_plans_<ปีงบประมาณ>_<รหัสจังหวัด>.xlsx",
    "dla/laos": "laos_<yyyymmdd พ.ศ.>.csv",
}
# Datasets whose rows are identified against the village registry.
NEEDS_REGISTRY = frozenset({"dopa/village_plans", "cdd/community_plans"})


class NotValidatable(ValueError):
    """The dataset cannot be validated as a file (unknown, or delivered through an API)."""


def landing_folder(dataset: str) -> str:
    """The landing folder of a dataset delivered as a file, or NotValidatable saying why."""
    if dataset in LANDING_FOLDER:
        return LANDING_FOLDER[dataset]
    if dataset in DATASETS:
        raise NotValidatable(
            f"{dataset} ไม่ได้ส่งเป็นไฟล์ แต่ระบบดึงจาก API ของหน่วยงาน จึงตรวจด้วย validate ไม่ได้ / "
            f"{dataset} is not delivered as a file but pulled from the agency's API "
            "(shared/design/sources.md), so there is no file to validate"
        )
    known = ", ".join(sorted(LANDING_FOLDER))
    raise NotValidatable(
        f"ไม่รู้จักชุดข้อมูล {dataset!r} / unknown dataset {dataset!r}; files can be: {known}"
    )


def validate_file(
    path: Path,
    dataset: str,
    warehouse: Path = Path("warehouse"),
    config: Path | None = None,
    project_dir: Path = DBT_PROJECT_DIR,
) -> Report:
    """Run on one file what the warehouse runs on a delivery, writing nothing. The size limits
    and workbook guards are the nightly run's settings (`muban.toml`, `MUBAN_*`)."""
    folder = landing_folder(dataset)
    started = time.perf_counter()
    name, in_flight = landing_name(path.name)
    # shown as ingest shows a delivered name: control characters escaped
    report = Report(file=safe_display(path.name), dataset=dataset)
    if in_flight:
        report.problems.append(_in_flight(folder, report.file))
    with tempfile.TemporaryDirectory(prefix="muban-validate-") as tmp, _quiet("ingest"):
        scratch = Path(tmp)
        landing = scratch / "landing"
        (landing / folder).mkdir(parents=True)
        _place(path, landing / folder / name)
        settings = Settings.load(
            config, warehouse=scratch / "warehouse", landing=landing, workers=1
        )
        con = store.connect(settings.work_db)
        try:
            ingest_landing(settings, con, {folder})
            delivered = findings.deliveries(con)
            report.timings["ingest"] = time.perf_counter() - started
            ingested = [d for d in delivered if d["status"] == "ingested"]
            registry = Registry(None)
            if ingested and folder in NEEDS_REGISTRY:
                loading = time.perf_counter()
                registry = load_registry(con, warehouse)
                report.timings["registry"] = time.perf_counter() - loading
                report.notices.extend(_registry_notices(con, registry, warehouse, ingested))
        finally:
            con.close()
        report.sha256 = next((str(d["sha256"]) for d in delivered), None)
        if ingested:
            report.notices.extend(
                _checked(settings.work_db, scratch, project_dir, ingested, report)
            )
        # without a registry, the reasons only a registry decides are left out (and said so)
        identified = registry.source is not None or folder not in NEEDS_REGISTRY
        with duckdb.connect(str(settings.work_db), read_only=True) as con:
            for delivery in delivered:
                report.deliveries.append(_delivery_result(con, delivery, report, identified))
    report.registry = str(registry.source) if registry.source else None
    report.notices.extend(_file_notices(report, folder, name, warehouse))
    report.timings["total"] = time.perf_counter() - started
    return report


def _delivery_result(
    con: duckdb.DuckDBPyConnection,
    delivery: dict[str, object],
    report: Report,
    with_registry: bool,
) -> DeliveryResult:
    dataset = str(delivery["dataset"])
    result = DeliveryResult(dataset, str(delivery["status"]))
    if delivery["status"] != "ingested":
        report.problems.append(findings.file_problem(delivery))
        return result
    result.rows_read = int(delivery["rows_read"] or 0)
    result.encoding = str(delivery["encoding"]) if delivery["encoding"] else None
    result.skipped = findings.skipped(con, str(delivery["delivery_id"]))
    rows = findings.row_problems(con, delivery, with_registry=with_registry)
    report.problems.extend(rows)
    result.rows_quarantined = len(rows)
    result.reason_counts = reason_counts(rows, dataset)
    report.notices.extend(findings.row_warnings(con, delivery))
    return result


def _checked(
    work_db: Path,
    scratch: Path,
    project_dir: Path,
    ingested: list[dict[str, object]],
    report: Report,
) -> list[Notice]:
    """dbt's row checks and the dataset's suite, side by side: dbt builds into the work
    database (one writer) while the suite reads a copy of the delivery (a few MB)."""
    suite_db = scratch / "suite.duckdb"
    shutil.copyfile(work_db, suite_db)
    row_checks = start_row_checks(work_db, scratch, project_dir)
    try:
        checking = time.perf_counter()
        with duckdb.connect(str(suite_db)) as con:
            notices = _expectation_notices(con, ingested)
        report.timings["expectations"] = time.perf_counter() - checking
        report.timings["dbt"] = row_checks.wait()
    finally:
        row_checks.stop()
    return notices


def _expectation_notices(
    con: duckdb.DuckDBPyConnection, ingested: list[dict[str, object]]
) -> list[Notice]:
    """The dataset's Great Expectations suite, as the nightly run applies it to a delivery
    (expectations/<agency>/<dataset>.py): what falls short is a warning in the agency's report,
    not a rejection, and the same here."""
    from expectations.validate import validate_deliveries

    notices = []
    for delivery in ingested:
        dataset, delivery_id = str(delivery["dataset"]), str(delivery["delivery_id"])
        for outcome in validate_deliveries(con, dataset, [delivery_id]):
            for finding in outcome.failed():
                share = f"{finding.unexpected_count:,} ({finding.unexpected_percent:.1f}%)"
                examples = ", ".join(finding.examples[:3])
                column = f" [{finding.column}]" if finding.column else ""
                notices.append(
                    Notice(
                        "warning",
                        f"expectation:{finding.expectation}{column}",
                        f"{dataset}: {finding.description_th}{column}: ไม่เป็นไปตามนี้ {share} แถว"
                        + (f" เช่น {examples}" if examples else ""),
                        f"{dataset}: {finding.description_en}{column}: {share} rows fall short"
                        + (f", e.g. {examples}" if examples else ""),
                    )
                )
    return notices


def landing_name(name: str) -> tuple[str, bool]:
    """The name to land the file under, and whether its own name marks an upload in flight
    (the nightly run leaves those for a later run: it would never read this one)."""
    landed = re.sub(r"^\.+", "", name)
    for suffix in IN_FLIGHT:
        if landed.endswith(suffix):
            landed = landed[: -len(suffix)]
    return landed or "delivery", landed != name


def _in_flight(folder: str, name: str) -> Problem:
    reason = Reason(
        "in_flight",
        f"ชื่อไฟล์ {name} ขึ้นต้นด้วย . หรือลงท้ายด้วย {'/'.join(IN_FLIGHT)} ระบบจะถือว่ายังอัปโหลดไม่เสร็จ"
        " และจะไม่อ่านไฟล์นี้ กรุณาเปลี่ยนชื่อก่อนส่ง (ตรวจเนื้อหาให้ตามชื่อที่ตัดส่วนนั้นออก)",
        f"The name {name} starts with . or ends in {'/'.join(IN_FLIGHT)}: the warehouse takes it"
        " for an upload in flight and never reads it; rename it before sending (its content was"
        " checked under the name without that part).",
    )
    return Problem("file", folder, (reason,))


def _place(source: Path, target: Path) -> None:
    """The delivery's bytes in the temporary landing folder (a hard link when possible)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


@contextlib.contextmanager
def _quiet(logger_name: str) -> Iterator[None]:
    """Ingest logs every delivery it reads or rejects; validate reports them itself."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _registry_notices(
    con: duckdb.DuckDBPyConnection,
    registry: Registry,
    warehouse: Path,
    ingested: list[dict[str, object]],
) -> list[Notice]:
    codes = ", ".join(REGISTRY_REASONS)
    if registry.source is None:
        where = registry.problem or str(warehouse / PUBLISHED_FILE)
        return [
            Notice(
                "warning",
                "registry_missing",
                f"ไม่ได้ตรวจว่าหมู่บ้านมีอยู่ในทะเบียนหมู่บ้านหรือไม่ ({codes}) เพราะไม่พบคลังข้อมูลที่เผยแพร่"
                f" ({where}) ระบุโฟลเดอร์ด้วย --warehouse DIR",
                f"Village identity was not checked ({codes}): no published warehouse ({where});"
                " give its folder with --warehouse DIR",
            )
        ]
    published = f"{registry.source}" + (
        f", publication {registry.publication_id}" if registry.publication_id else ""
    )
    notices = [
        Notice(
            "note",
            "registry",
            f"ตรวจหมู่บ้านกับทะเบียนหมู่บ้าน {registry.villages:,} หมู่บ้านจากคลังข้อมูลที่เผยแพร่ ({published})",
            f"Villages were checked against the {registry.villages:,} villages of the published "
            f"registry ({published})",
        )
    ]
    provinces = {str(d["province_code"]) for d in ingested if d["province_code"]}
    for province in sorted(provinces):
        known = con.execute(
            "select count(*) from raw.dopa__villages where starts_with(village_code, ?)",
            [province],
        ).fetchone()[0]
        if not known:
            notices.append(
                Notice(
                    "warning",
                    "registry_lacks_province",
                    f"ทะเบียนหมู่บ้านในคลังข้อมูลที่เผยแพร่ไม่มีหมู่บ้านของจังหวัดรหัส {province}"
                    " ทุกแถวจึงระบุหมู่บ้านไม่ได้",
                    f"The published registry holds no village of province {province}: no row's "
                    "village can be identified against it",
                )
            )
    return notices


def _file_notices(report: Report, folder: str, name: str, warehouse: Path) -> list[Notice]:
    notices = []
    if not hints(folder, name) and folder in NAME_FORMS:
        form = NAME_FORMS[folder]
        notices.append(
            Notice(
                "warning",
                "file_name",
                f"ชื่อไฟล์ไม่ตรงกับที่ตกลงไว้ ({form}) คลังข้อมูลอ่านจังหวัด ปีงบประมาณ หรือวันที่ของข้อมูลจากชื่อไฟล์",
                f"The file name does not follow the agreed form ({form}): the warehouse reads the "
                "province, fiscal year or snapshot date from it",
            )
        )
    if report.sha256 and re.fullmatch(r"[0-9a-f]{64}", report.sha256):
        publication = already_published(warehouse, report.sha256)
        if publication:
            notices.append(
                Notice(
                    "warning",
                    "already_published",
                    f"ไฟล์นี้ (เนื้อหาเดียวกันทุกไบต์) อยู่ในคลังข้อมูลแล้ว (publication {publication})"
                    " หากส่งซ้ำ ระบบจะบันทึกว่าเป็นไฟล์ซ้ำและไม่อ่านอีก",
                    f"These exact bytes are already in the warehouse (publication {publication}):"
                    " sent again, the file is recorded as a duplicate and not read again",
                )
            )
    return notices
