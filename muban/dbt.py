"""Where the dbt project is and how muban runs it: the one definition the nightly job
(orchestration/assets/transform.py), `muban validate` (ingest/validate/row_checks.py), the
benchmark and the tests share. No Dagster or dbt import here: it is read on every start."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from muban.settings import OFFLINE_ENVIRONMENT

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
# The nightly build: every seed, model and data test. Unit tests check the models' code, not
# the night's data: CI runs them (tests/reconcile/test_dbt_unit_tests.py), as dbt recommends.
NIGHTLY_BUILD = ("build", "--exclude-resource-type", "unit_test")


def dbt_executable() -> str:
    """dbt beside this Python (the venv's), else on the PATH."""
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if found is None:
        raise FileNotFoundError("dbt is not installed beside this Python (dbt-core, dbt-duckdb)")
    return found


def dbt_environment(environ: dict[str, str], **overrides: str) -> dict[str, str]:
    """A dbt process's environment: this one's, offline, with the overrides."""
    return {**environ, **OFFLINE_ENVIRONMENT, **overrides}
