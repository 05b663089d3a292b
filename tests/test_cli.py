"""The `muban` command line, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb

COMMANDS = ("simulate", "run", "demo", "rollback", "validate", "score", "bench")


def muban(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "muban", *args], capture_output=True, text=True, timeout=300
    )


def test_help_lists_every_command_of_the_contract() -> None:
    result = muban("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout


def test_commands_not_built_yet_say_so_and_fail() -> None:
    result = muban("validate", "f.csv", "--dataset", "dla/laos")
    assert result.returncode == 2
    assert "not built yet" in result.stderr


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


def test_run_ingests_a_landing_folder_and_reports_per_dataset(small, tmp_path) -> None:
    result = muban("run", "--warehouse", str(tmp_path), "--landing", str(small.landing))
    assert result.returncode == 0, result.stderr
    assert "nightly run succeeded" in result.stdout
    assert (
        f"dopa/village_plans         ingested      1 deliveries {small.summary.rows['dopa/village_plans']:>10} rows"
        in result.stdout
    )


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
