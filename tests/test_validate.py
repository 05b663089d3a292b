"""`muban validate`: one file through the real ingest and the real dbt row checks, nothing
written, and the same verdicts as the nightly run: whole-file rejections as the ingest records
them (the broken-delivery corpus), quarantined rows and reasons as the warehouse's `quarantine`
table holds them (the `small` simulated deliveries)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from ingest import store
from ingest.landing import discover, ingest_landing
from ingest.settings import Settings
from ingest.validate import NotValidatable, Report, landing_folder, validate_file
from ingest.validate.registry import load_registry
from ingest.validate.row_checks import start_row_checks
from muban.dbt import DBT_PROJECT_DIR
from publish.publication import PUBLISHED_FILE
from tests.ingest.test_broken_deliveries import CASES, LIMIT

VP = "dopa/village_plans"
CP = "cdd/community_plans"
CERT = "cdd/certification"


def muban(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "muban", *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
    )


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under root with its size and modification time."""
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file()
    }


def row_verdicts(report: Report) -> set[tuple[str, str, tuple[str, ...]]]:
    return {
        (p.dataset, str(p.source_row), tuple(sorted(r.code for r in p.reasons)))
        for p in report.problems
        if p.kind == "row"
    }


# ---------------------------------------------------------------------------------------------
# The nightly run on the small deliveries: the verdicts validate must reproduce


@pytest.fixture(scope="module")
def nightly(published_small: Path) -> Path:
    """The nightly run on the small deliveries, published (read only here)."""
    return published_small


def nightly_quarantine(warehouse: Path, sha256: str) -> set[tuple[str, str, tuple[str, ...]]]:
    with duckdb.connect(str(warehouse / PUBLISHED_FILE), read_only=True) as con:
        rows = con.execute(
            "select dataset, source_row, reason_codes from quarantine where delivery_id like ?",
            [f"%@{sha256}"],
        ).fetchall()
    # the order of a row's reasons is not part of the verdict (dbt's list_distinct keeps none)
    return {(dataset, row, tuple(sorted(codes))) for dataset, row, codes in rows}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dataset", "name"),
    [(VP, "village_plans_2569_54.csv"), (CP, "community_plans_2569_54.xlsx")],
)
def test_validate_quarantines_the_rows_the_nightly_run_quarantines(
    small, nightly: Path, dataset: str, name: str
) -> None:
    before = tree(nightly)
    report = validate_file(small.landing / dataset / name, dataset, warehouse=nightly)
    assert tree(nightly) == before, "validate must not touch the warehouse"

    expected = nightly_quarantine(nightly, str(report.sha256))
    assert expected, "the default defects quarantine some rows"
    assert row_verdicts(report) == expected
    assert report.exit_code == 1 and not [p for p in report.problems if p.kind == "file"]
    assert report.registry == str(nightly / PUBLISHED_FILE)
    assert {n.code for n in report.notices} >= {"registry", "already_published"}
    # village identity was decided against the published registry, not skipped
    codes = {code for _, _, reasons in expected for code in reasons}
    assert "village_unresolved" in codes
    for delivery in report.deliveries:
        assert delivery.rows_quarantined == len(
            {r for d, r, _ in expected if d == delivery.dataset}
        )

    # every reason in the seed's Thai and English, the column named as the file names it
    with duckdb.connect(str(nightly / "work" / "work.duckdb"), read_only=True) as con:
        texts = {
            code: (th, en)
            for code, th, en in con.execute(
                "select reason_code, reason_th, reason_en from reference.quarantine_reasons"
            ).fetchall()
        }
    budget = "งบประมาณ(บาท)" if dataset == VP else "งบประมาณ (บาท)"
    for problem in report.problems:
        for reason in problem.reasons:
            assert (reason.reason_th, reason.reason_en) == texts[reason.code]
            if reason.code == "negative_budget":
                assert reason.columns[0].replace(" ", "") == budget.replace(" ", "")
                assert str(reason.values[reason.columns[0]]).lstrip().startswith(("-", "−"))
    assert f"แถว/row {sorted(expected)[0][1]}" in report.to_text()


@pytest.mark.slow
def test_the_published_registry_round_trips_through_the_staging_models(
    nightly: Path, tmp_path: Path
) -> None:
    """The registry rebuilt from dim_village as raw snapshots gives back, through the real
    models, every village version the warehouse published: names, numbers, status, validity."""
    work_db = tmp_path / "warehouse" / "work" / "work.duckdb"
    with store.connect(work_db) as con:
        registry = load_registry(con, nightly)
    start_row_checks(work_db, tmp_path).wait()
    columns = (
        "village_code, moo, name_th, subdistrict_code, status, valid_from, valid_to, is_current"
    )
    with duckdb.connect(str(work_db), read_only=True) as con:
        rebuilt = con.execute(
            f"select {columns} from intermediate.int_villages__versioned order by all"
        ).fetchall()
    with duckdb.connect(str(nightly / PUBLISHED_FILE), read_only=True) as con:
        published = con.execute(
            f"select {columns} from dim_village where kind = 'village' order by all"
        ).fetchall()
    assert rebuilt == published
    assert registry.villages == len({row[0] for row in published})
    assert any(row[6] is not None for row in published), "the small set renames villages"


@pytest.mark.slow
def test_without_a_published_warehouse_village_identity_is_skipped_and_said(
    small, nightly: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No registry: every other reason as the nightly run gives it, the registry's left out and
    the agency told so. Nothing is written: not in the working directory, the temporary folder
    or the dbt project (a copy here, so that no other run can touch it meanwhile)."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    cwd, scratch, empty = tmp_path / "cwd", tmp_path / "tmp", tmp_path / "no_warehouse"
    for folder in (cwd, scratch, empty):
        folder.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    before = tree(tmp_path)

    report = validate_file(
        small.landing / VP / "village_plans_2569_54.csv", VP, warehouse=empty, project_dir=project
    )

    assert tree(tmp_path) == before
    assert list(scratch.iterdir()) == [] and list(cwd.iterdir()) == []
    registry_codes = {"village_unresolved", "village_inconsistent"}
    expected = {
        (d, r, tuple(c for c in codes if c not in registry_codes))
        for d, r, codes in nightly_quarantine(nightly, str(report.sha256))
    }
    assert row_verdicts(report) == {v for v in expected if v[2]}
    assert report.registry is None and report.exit_code == 1
    warning = next(n for n in report.notices if n.code == "registry_missing")
    assert warning.level == "warning"
    assert "ทะเบียนหมู่บ้าน" in warning.text_th and "not checked" in warning.text_en
    assert "village_unresolved" in report.to_text().split("คำเตือน / warnings:")[1]


# ---------------------------------------------------------------------------------------------
# Clean deliveries pass, through the command line


@pytest.mark.slow
@pytest.mark.parametrize(
    ("dataset", "pattern"),
    [
        ("dopa/villages", "villages_*.txt"),
        (VP, "village_plans_2569_54.csv"),
        (CP, "community_plans_2569_76.xlsx"),
        ("dla/laos", "laos_*.csv"),
    ],
)
def test_a_clean_file_of_each_dataset_passes(
    clean, tmp_path: Path, dataset: str, pattern: str
) -> None:
    file = sorted((clean.landing / dataset).glob(pattern))[-1]
    result = muban(
        "validate",
        str(file),
        "--dataset",
        dataset,
        "--warehouse",
        str(tmp_path / "none"),
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] and report["exit_code"] == 0 and report["problems"] == []
    delivered = {d["dataset"]: d for d in report["deliveries"]}
    assert set(delivered) == ({CP, CERT} if dataset == CP else {dataset})
    assert all(d["status"] == "ingested" and d["rows_read"] > 0 for d in delivered.values())
    # plans are checked for everything but village identity, which needs a published registry
    warnings = {w["code"] for w in report["warnings"]}
    assert warnings == ({"registry_missing"} if dataset in (VP, CP) else set())
    assert list(tmp_path.iterdir()) == [], "nothing written in the working directory"


# ---------------------------------------------------------------------------------------------
# The broken-delivery corpus: the same reasons and positions as the ingest records


def _limits(tmp_path: Path) -> Path:
    """The corpus runs with a small size limit: the same settings for ingest and validate."""
    config = tmp_path / "muban.toml"
    config.write_text(
        f"[muban]\nmax_delivery_bytes = {LIMIT}\nmax_unzipped_bytes = {64 << 20}\n"
        "max_zip_ratio = 200\n",
        encoding="utf-8",
    )
    return config


def _landed(
    tmp_path: Path, config: Path, only: str | None = None
) -> Iterator[tuple[Path, str, list[dict[str, object]]]]:
    """Every corpus case (or only one) in a landing folder of its own, ingested; per delivered
    file, the manifest rows the ingest wrote."""
    for case in CASES:
        if only is not None and case.name != only:
            continue
        root = tmp_path / case.name
        landing = root / "landing"
        landing.mkdir(parents=True)
        case.place(landing)
        settings = Settings.load(config, warehouse=root / "warehouse", landing=landing, workers=1)
        with store.connect(settings.work_db) as con:
            ingest_landing(settings, con)
            cursor = con.execute("select * from raw.deliveries")
            names = [d[0] for d in cursor.description]
            manifest = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for found in discover(landing):
            if found.dataset is None or found.path.is_symlink():
                continue  # where a file sits in the landing folder is no property of the file
            rows = [m for m in manifest if m["original_name"] == found.name]
            yield found.path, found.dataset, rows


def test_broken_files_get_the_reasons_and_positions_the_ingest_records(tmp_path: Path) -> None:
    config = _limits(tmp_path)
    compared = 0
    for path, dataset, manifest in _landed(tmp_path / "corpus", config):
        if not manifest or any(m["status"] != "rejected" for m in manifest):
            continue  # read (at least in part): the row checks below, and the ingest's own tests
        report = validate_file(path, dataset, warehouse=tmp_path / "none", config=config)
        got = {
            (p.dataset, r.code, r.reason_th, r.reason_en, p.where)
            for p in report.problems
            for r in p.reasons
        }
        want = {
            (m["dataset"], m["reason_code"], m["reason_th"], m["reason_en"], m["reason_where"])
            for m in manifest
        }
        assert got == want, path
        assert report.exit_code == 1
        assert all(d.status == "rejected" for d in report.deliveries)
        compared += 1
    assert compared >= 19  # every case the ingest refuses whole


@pytest.mark.slow
def test_rows_of_the_wrong_width_are_quarantined_where_the_ingest_marked_them(
    tmp_path: Path,
) -> None:
    config = _limits(tmp_path)
    [(path, dataset, manifest)] = _landed(tmp_path, config, only="wrong_width")
    assert manifest[0]["status"] == "ingested"
    report = validate_file(path, dataset, warehouse=tmp_path / "none", config=config)
    rows = [p for p in report.problems if p.kind == "row"]
    assert [(p.source_row, p.source_line, p.detail) for p in rows] == [
        ("2", 3, "expected 10 fields, found 9"),
        ("4", 5, "expected 10 fields, found 11"),
    ]
    assert all("malformed_row" in [r.code for r in p.reasons] for p in rows)
    assert report.deliveries[0].reason_counts["malformed_row"] == 2
    assert "จำนวนคอลัมน์ในแถวไม่ถูกต้อง" in report.to_text()


@pytest.mark.slow
def test_a_workbook_with_one_sheet_missing_rejects_that_sheet_and_checks_the_other(
    tmp_path: Path,
) -> None:
    config = _limits(tmp_path)
    [(path, _, manifest)] = _landed(tmp_path, config, only="xlsx_sheet_missing")
    report = validate_file(path, CERT, warehouse=tmp_path / "none", config=config)
    ingest = {m["dataset"]: (m["status"], m["reason_code"], m["reason_th"]) for m in manifest}
    assert ingest[CP][:2] == ("rejected", "sheet_missing")
    [problem] = report.problems
    assert (problem.kind, problem.dataset, problem.reasons[0].reason_th) == (
        "file",
        CP,
        ingest[CP][2],
    )
    by_dataset = {d.dataset: d for d in report.deliveries}
    assert (by_dataset[CERT].status, by_dataset[CERT].rows_read) == ("ingested", 2)
    assert by_dataset[CERT].rows_quarantined == 0


# ---------------------------------------------------------------------------------------------
# Personal data, usage errors


REGISTRY_HEADER = (
    "รหัสหมู่บ้าน|หมู่ที่|ชื่อหมู่บ้าน|รหัสตำบล|ชื่อตำบล|ชื่ออำเภอ|ชื่อจังหวัด|สถานะ|วันที่มีผล|ชื่อผู้ใหญ่บ้าน|โทรศัพท์|"
)


@pytest.mark.slow
def test_headman_names_and_phones_are_never_shown(tmp_path: Path) -> None:
    """A malformed registry line (one field too many) is reported by row, never by content."""
    lines = [
        REGISTRY_HEADER,
        "54010101|1|บ้านม่วงมะนาว|540101|ในเวียง|เมืองแพร่|แพร่|ปกติ|1/1/2540|นายสมศักดิ์ ทองดี|081-111-2222|",
        "54010102|2|บ้านปงหว้า|540101|ในเวียง|เมืองแพร่|แพร่|ปกติ|1/1/2540|นางบุญมี ศรีสุข|089-333-4444|เกิน|",
    ]
    file = tmp_path / "villages_25690301.txt"
    file.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    report = validate_file(file, "dopa/villages", warehouse=tmp_path / "none")
    [problem] = report.problems
    assert (problem.source_row, problem.reasons[0].code) == ("2", "malformed_row")
    for output in (report.to_text(), report.to_json()):
        for personal in ("สมศักดิ์", "ทองดี", "081-111-2222", "บุญมี", "ศรีสุข", "089-333-4444"):
            assert personal not in output


def test_only_files_can_be_validated() -> None:
    assert landing_folder(CERT) == CP
    for api in ("dla/plan_projects", "opsmoi/household_needs"):
        with pytest.raises(NotValidatable, match="API"):
            landing_folder(api)
    with pytest.raises(NotValidatable, match="unknown dataset"):
        landing_folder("dopa/plans")


def test_an_upload_in_flight_name_fails_and_the_content_is_still_checked(tmp_path: Path) -> None:
    corpus = Path(__file__).parent / "ingest" / "corpus"
    file = tmp_path / "missing_columns.csv.partial"
    shutil.copyfile(corpus / "missing_columns" / VP / "missing_columns.csv", file)
    report = validate_file(file, VP, warehouse=tmp_path / "none")
    assert {r.code for p in report.problems for r in p.reasons} == {"in_flight", "missing_columns"}
    assert os.listdir(tmp_path) == ["missing_columns.csv.partial"]


def test_the_dataset_suite_warns_of_what_falls_short_without_rejecting(
    clean, tmp_path: Path
) -> None:
    """The delivery's Great Expectations suite runs as in the nightly run: a file whose
    assembly dates (วันที่ประชาคม, informative only) are not dates quarantines no row, but
    the suite says so, in Thai and English, with examples."""
    import csv
    import io

    source = sorted((clean.landing / VP).glob("*.csv"))[0]
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"))))
    for row in rows[1::3]:
        row[9] = "ยังไม่ได้จัด"  # วันที่ประชาคม: "not held yet"
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    undated = tmp_path / source.name
    undated.write_text("\ufeff" + out.getvalue(), encoding="utf-8")

    report = validate_file(undated, VP, warehouse=tmp_path / "none")
    assert report.exit_code == 0 and report.problems == [], report.to_text()
    (dates,) = [n for n in report.notices if n.code.startswith("expectation:")]
    assert dates.level == "warning" and "assembly_date" in dates.code
    assert "ยังไม่ได้จัด" in dates.text_th and "ยังไม่ได้จัด" in dates.text_en
