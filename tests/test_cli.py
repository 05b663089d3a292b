"""The `muban` command line, run as a real subprocess."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb

from publish.publication import current_publication

COMMANDS = ("simulate", "run", "demo", "rollback", "validate", "score", "bench")


def muban(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "muban", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_help_lists_every_command_of_the_contract() -> None:
    result = muban("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_validate_rejects_a_broken_file_with_the_ingest_reason(tmp_path) -> None:
    """Exit 1 and the Thai reason with where it is (no row checks: the file is refused whole);
    exit 2 for a dataset that is not delivered as a file, or a file that does not exist."""
    corpus = Path(__file__).parent / "ingest" / "corpus" / "missing_columns"
    file = str(corpus / "dopa" / "village_plans" / "missing_columns.csv")
    result = muban("validate", file, "--dataset", "dopa/village_plans", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "[missing_columns] ขาดคอลัมน์ที่จำเป็น: ด้าน, วิธีดำเนินการ" in result.stdout
    assert "(line 1)" in result.stdout and "Required columns are missing" in result.stdout
    as_json = muban("validate", file, "--dataset", "dopa/village_plans", "--format", "json")
    assert as_json.returncode == 1
    [problem] = json.loads(as_json.stdout)["problems"]
    assert (problem["kind"], problem["where"], problem["reasons"][0]["code"]) == (
        "file",
        "line 1",
        "missing_columns",
    )
    api = muban("validate", file, "--dataset", "opsmoi/household_needs")
    assert api.returncode == 2 and "API" in api.stderr
    assert muban("validate", str(tmp_path / "absent.csv"), "--dataset", "dla/laos").returncode == 2
    assert list(tmp_path.iterdir()) == []


def test_rollback_puts_the_previous_publication_back(tmp_path) -> None:
    from publish.publication import PUBLISHED_FILE, build_next, publish

    work = tmp_path / "work.duckdb"
    published = []
    for villages in (["54010101"], ["54010101", "54010102"]):
        work.unlink(missing_ok=True)
        con = duckdb.connect(str(work))
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_village as select unnest(?) as village_code", [villages]
        )
        con.close()
        published.append(publish(build_next(work, tmp_path, ["dim_village"]), tmp_path))

    result = muban("rollback", "--warehouse", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert published[0].publication_id in result.stdout
    con = duckdb.connect(str(tmp_path / PUBLISHED_FILE), read_only=True)
    assert con.execute("select count(*) from dim_village").fetchall() == [(1,)]
    con.close()

    again = muban("rollback", "--warehouse", str(tmp_path))
    assert again.returncode == 1
    assert "nothing to go back to" in again.stderr


def test_rollback_with_nothing_published_says_so(tmp_path) -> None:
    result = muban("rollback", "--warehouse", str(tmp_path))
    assert result.returncode == 1
    assert "nothing is published" in result.stderr


def test_run_reports_per_dataset_and_what_it_published(published_small: Path, small) -> None:
    """What `muban -v run` printed when the session's warehouse was built (a real process on
    the small set, files and APIs): every dataset with the rows it delivered, the checks, the
    publication and the agencies' reports."""
    said = (published_small.parent / "nightly.log").read_text(encoding="utf-8")
    assert "nightly run succeeded" in said
    for dataset, rows in small.summary.rows.items():
        assert re.search(rf"\n  {dataset}\s+ingested\s+\d+ deliveries\s+{rows} rows\n", said), (
            dataset
        )
    assert re.search(r"\nchecks: \d+ run, 0 blocking failed", said)
    assert f"published {current_publication(published_small).publication_id}: " in said
    assert re.search(r"\n  dopa: [\d,]+ rows accepted, [\d,]+ rejected", said)


def test_simulate_writes_deliveries_and_reports_counts(tmp_path) -> None:
    result = muban(
        "simulate",
        "--out",
        str(tmp_path / "landing"),
        "--truth",
        str(tmp_path / "truth"),
        "--provinces",
        "76",
        "--seed",
        "3",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["provinces"] == 1 and summary["villages"] > 50
    assert (tmp_path / "landing/dopa/village_plans/village_plans_2569_76.csv").exists()
    assert (tmp_path / "simulated_api/dla/plan_projects/76.jsonl").exists()
    assert (tmp_path / "truth/defects.json").exists()


def test_truth_inside_the_deliveries_is_refused(tmp_path) -> None:
    result = muban("simulate", "--out", str(tmp_path), "--truth", str(tmp_path / "truth"))
    assert result.returncode != 0


def test_list_defects_prints_the_catalogue() -> None:
    result = muban("simulate", "--list-defects")
    assert result.returncode == 0
    assert (
        "| `duplicate_row` |" in result.stdout and "quarantined (`duplicate_row`)" in result.stdout
    )
