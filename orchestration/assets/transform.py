"""The dbt project as Dagster assets: staging per agency, then integration and the warehouse.

The manifest is prepared here (`dbt parse`) when it is missing or older than the project's
files, so `muban run`, tests and CI load the same graph `dagster dev` shows.
"""

import os
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from muban.dbt import DBT_PROJECT_DIR, NIGHTLY_BUILD, dbt_environment, dbt_executable
from orchestration.assets.raw import WORK_DB_POOL
from orchestration.resources import MubanWarehouse

DBT_EXECUTABLE = dbt_executable()
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")


def _newest_source(project_dir: Path) -> float:
    newest = 0.0
    for name in PROJECT_FILES:
        path = project_dir / name
        paths = [path] if path.is_file() else path.rglob("*") if path.exists() else []
        newest = max([newest, *(p.stat().st_mtime for p in paths if p.is_file())])
    return newest


def prepare_manifest(project_dir: Path = DBT_PROJECT_DIR) -> Path:
    """target/manifest.json, parsed again when any project file is newer. The parse state
    saved beside it is for the profile's default work database, as `muban validate` runs dbt
    (ingest/validate/row_checks.py), so that validate parses only what changed since."""
    manifest = project_dir / "target" / "manifest.json"
    saved_state = project_dir / "target" / "partial_parse.msgpack"
    newest = _newest_source(project_dir)
    if (
        not manifest.exists()
        or not saved_state.exists()
        or min(manifest.stat().st_mtime, saved_state.stat().st_mtime) < newest
    ):
        environment = {k: v for k, v in os.environ.items() if k != "MUBAN_WORK_DB"}
        subprocess.run(
            [
                str(DBT_EXECUTABLE),
                "parse",
                "--project-dir",
                str(project_dir),
                "--profiles-dir",
                str(project_dir),
                "--quiet",
            ],
            check=True,
            env=dbt_environment(environment),
        )
    return manifest


class MubanTranslator(DagsterDbtTranslator):
    """Keys and groups that read like the architecture: raw/<agency>/<dataset> sources,
    staging/<model> in its agency's group, integration and warehouse layers."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            source, table = dbt_resource_props["source_name"], dbt_resource_props["name"]
            return (
                dg.AssetKey(["raw", source, table])
                if source != "raw"
                else dg.AssetKey(["raw", table])
            )
        layer = dbt_resource_props["fqn"][1] if len(dbt_resource_props["fqn"]) > 2 else "reference"
        return dg.AssetKey([layer, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props["fqn"]
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if len(fqn) > 3 and fqn[1] == "staging":
            return fqn[2]  # the agency
        return {"intermediate": "integration", "marts": "warehouse"}.get(fqn[1], "reference")


project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


@dbt_assets(
    manifest=prepare_manifest(),
    project=project,
    dagster_dbt_translator=MubanTranslator(),
    pool=WORK_DB_POOL,
)
def muban_dbt(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, muban: MubanWarehouse
) -> Iterator[Any]:
    # dbt opens the same work database ingest writes: one writer at a time (the pool).
    settings = muban.settings()
    os.environ["MUBAN_WORK_DB"] = str(settings.work_db.resolve())
    # One target folder per warehouse, reused: dbt's partial-parse state stays valid from one
    # night to the next (it is tied to the profile, i.e. this work database's path), and
    # nothing accumulates in the project (dagster-dbt's default is a new folder per run).
    yield from dbt.cli(
        list(NIGHTLY_BUILD),
        context=context,
        target_path=settings.dbt_target_dir.resolve(),
    ).stream()


dbt_resource = DbtCliResource(
    project_dir=project, profiles_dir=DBT_PROJECT_DIR, dbt_executable=str(DBT_EXECUTABLE)
)
