"""Write, audit, publish through the nightly job: a run whose blocking check fails publishes
nothing (the published file stays byte-identical), exits non-zero and names the check and why;
the publication records the checks it passed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from publish.publication import PUBLISHED_FILE, current_publication, publications
from tests.conftest import clone_warehouse

MUBAN = Path(sys.executable).with_name("muban")


def _truncated_redelivery(landing: Path, target: Path, keep_share: float = 0.05) -> Path:
    """The same delivery set, with DOPA's plan file re-exported truncated: the same name, the
    header and the first 5 % of its lines (an export filtered by mistake)."""
    shutil.copytree(landing, target)
    (plans,) = (target / "dopa" / "village_plans").glob("*.csv")
    lines = plans.read_bytes().splitlines(keepends=True)
    plans.write_bytes(b"".join(lines[: 1 + int(len(lines) * keep_share)]))
    return target


@pytest.fixture
def first_publication(published_small, tmp_path) -> Path:
    return clone_warehouse(published_small, tmp_path / "warehouse")


def test_the_publication_records_its_checks(published_small) -> None:
    with duckdb.connect(str(published_small / PUBLISHED_FILE), read_only=True) as con:
        (checks,) = con.execute(
            "select checks from meta_publication order by publication_id desc limit 1"
        ).fetchone()  # type: ignore[misc]
        tables = {name for (name,) in con.execute("show tables").fetchall()}
    names = {check["name"] for check in checks}
    # the candidate's blocking checks, dbt's tests and the agencies' delivery suites
    assert {"rows_conserved", "plan_items_volume", "expectations_fct_plan_item"} <= names
    assert any(name.startswith("raw/dopa/village_plans:") for name in names)
    assert sum(name.startswith("marts/") or name.startswith("staging/") for name in names) > 100
    assert all(check["passed"] for check in checks if check["blocking"])
    assert {
        "fct_plan_item",
        "quarantine",
        "rpt_delivery_expectations",
        "meta_publication",
    } <= tables


def test_a_failed_blocking_check_publishes_nothing_and_says_why(
    first_publication, small, small_api, tmp_path
) -> None:
    warehouse = first_publication
    published = warehouse / PUBLISHED_FILE
    before = current_publication(warehouse)
    digest = hashlib.sha256(published.read_bytes()).hexdigest()
    landing = _truncated_redelivery(small.landing, tmp_path / "landing")
    assert before is not None

    refused = subprocess.run(
        [str(MUBAN), "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**{k: v for k, v in os.environ.items() if k != "MUBAN_MAX_ROW_DROP"}, **small_api},
    )
    said = refused.stdout + refused.stderr
    assert refused.returncode == 1, said
    assert "CHECK FAILED: warehouse/candidate:plan_items_volume" in said
    assert "dopa plan items of fiscal year 2569 fell from" in said
    assert "NOT PUBLISHED" in said
    assert hashlib.sha256(published.read_bytes()).hexdigest() == digest
    assert current_publication(warehouse) == before
    assert len(publications(warehouse)) == 1
    # the refused candidate stays aside for the data engineer to look into
    (refused_file,) = (warehouse / ".next").glob("*.duckdb")
    assert f"refused candidate: {refused_file}" in said

    # the data engineer checks with DOPA that the smaller file is right, and lets it through
    accepted = subprocess.run(
        [str(MUBAN), "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **small_api, "MUBAN_MAX_ROW_DROP": "1"},
    )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    after = current_publication(warehouse)
    assert after is not None and before is not None
    assert after.publication_id > before.publication_id
    with duckdb.connect(str(published), read_only=True) as con:
        dopa_items = con.execute(
            "select count(*) from fct_plan_item where source = 'dopa'"
        ).fetchone()[0]  # type: ignore[index]
    assert 0 < dopa_items < 0.1 * small.summary.rows["dopa/village_plans"]
