"""Row checks: the real dbt project, run on a throw-away work database holding one delivery.

The quarantine reasons are computed by the staging and intermediate models; this runs them, it
does not repeat them. What is selected is every ancestor of the two models that hold a row's
verdict: `int_delivered_rows` (what became of every delivered row, for every dataset; the
warehouse's row-conservation check counts it) and the `quarantine` mart (the village-match
candidates). Nothing less is correct: int_plan_records refers to every staging and matching
model, so dbt needs them all as relations, and the reasons of one dataset depend on the registry
and matching models. They build in a fraction of a second each on one delivery; dbt's start-up,
parsing the project and the `ref_areas` Python model are most of the time. Tests and the marts
downstream (items, clustering, reports) are not run: they judge the warehouse, not a delivery.

dbt runs in a subprocess with its own target and log folders inside the temporary folder, so
nothing is written in the project or the working directory. The work database path is given
relative to dbt's working directory, as the profile's default is written, so that a
partial-parse state saved by the project's own `dbt parse` can be copied in and reused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from muban.dbt import DBT_PROJECT_DIR, dbt_environment, dbt_executable

SELECTION = ("+int_delivered_rows", "+quarantine")
PARTIAL_PARSE = "partial_parse.msgpack"


class RowChecksFailed(RuntimeError):
    """dbt could not build the row checks (the file's verdict is unknown, not clean)."""


class RowChecks:
    """The dbt build, started: the caller may do other work (the dataset's suite) meanwhile."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )

    def wait(self) -> float:
        """Seconds the build took; RowChecksFailed when dbt failed."""
        output, _ = self.process.communicate()
        if self.process.returncode != 0:
            tail = "\n".join(output.strip().splitlines()[-15:])
            raise RowChecksFailed(f"dbt build failed (exit {self.process.returncode}):\n{tail}")
        return time.perf_counter() - self.started

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


def start_row_checks(
    work_db: Path, scratch: Path, project_dir: Path = DBT_PROJECT_DIR
) -> RowChecks:
    """Start building the selection into `work_db`; dbt's files stay under `scratch`."""
    run_dir = scratch / "dbt"
    target = run_dir / "target"
    target.mkdir(parents=True)
    saved = project_dir / "target" / PARTIAL_PARSE
    if saved.is_file():
        shutil.copyfile(saved, target / PARTIAL_PARSE)
    env = dbt_environment(
        dict(os.environ),
        # relative to dbt's working directory: the same text as the profile's default
        # (`../warehouse/work/work.duckdb`) when work_db sits there, which keeps partial parsing
        MUBAN_WORK_DB=os.path.relpath(work_db, run_dir),
        # a Python model's code is written to a temporary file: keep it in the scratch folder
        TMPDIR=str(run_dir),
    )
    try:
        executable = dbt_executable()
    except FileNotFoundError as missing:
        raise RowChecksFailed(str(missing)) from None
    command = [
        executable,
        "--no-use-colors",
        "build",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(run_dir / "logs"),
        "--no-write-json",
        "--select",
        *SELECTION,
        "--resource-type",
        "model",
        "seed",
    ]
    return RowChecks(command, run_dir, env)
