"""The dbt project's unit tests (fixed inputs, expected rows, per model). They check the models'
code, not the night's data, so the nightly build leaves them out and CI runs them here, on a copy
of a real work database (dbt reads the input tables' column types from it)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from muban.dbt import DBT_PROJECT_DIR, dbt_executable
from orchestration.assets.transform import prepare_manifest


@pytest.mark.slow
def test_every_dbt_unit_test_passes(published_small: Path, tmp_path: Path) -> None:
    work_db = tmp_path / "work.duckdb"
    shutil.copyfile(published_small / "work" / "work.duckdb", work_db)
    manifest = json.loads(prepare_manifest().read_text(encoding="utf-8"))
    defined = len(manifest["unit_tests"])
    assert defined >= 26

    done = subprocess.run(
        [
            dbt_executable(),
            "--no-use-colors",
            "test",
            "--select",
            "test_type:unit",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={
            **os.environ,
            "MUBAN_WORK_DB": str(work_db),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        },
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said[-5000:]
    summary = re.search(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)", said)
    assert summary is not None, said[-2000:]
    assert tuple(map(int, summary.groups())) == (defined, 0, 0, 0)
