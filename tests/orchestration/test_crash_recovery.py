"""A nightly run killed with SIGKILL during ingest, during dbt and during publish leaves the
published file as it was, and the next run completes and publishes what an uninterrupted run
publishes. Real `muban run` processes, killed as a whole (process group: dbt included, as a
job scheduler's time-out or a container stop does)."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from muban.nightly import run_nightly
from publish.publication import EXPORTS_DIR, PUBLISHED_FILE, current_publication
from tests.conftest import published_rows

MUBAN = Path(sys.executable).with_name("muban")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run_killed(
    warehouse: Path,
    landing: Path,
    api: dict[str, str],
    kill_when: Callable[[str, Path], bool],
    timeout: float = 600,
) -> list[str]:
    """`muban -v run`, killed (whole process group, SIGKILL) as soon as `kill_when` holds for a
    line of its output or the state of the warehouse. Returns the output seen."""
    process = subprocess.Popen(
        [str(MUBAN), "-v", "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, **api},
    )
    seen: list[str] = []
    killed = threading.Event()

    def kill() -> None:
        if not killed.is_set():
            killed.set()
            os.killpg(process.pid, signal.SIGKILL)

    def watch_files() -> None:  # what the output cannot show fast enough (inside publish)
        while process.poll() is None and not killed.is_set():
            if kill_when("", warehouse):
                kill()
            time.sleep(0.002)

    watcher = threading.Thread(target=watch_files, daemon=True)
    watcher.start()
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    for line in process.stdout:
        seen.append(line)
        if kill_when(line, warehouse):
            kill()
            break
        assert time.monotonic() < deadline, "the run took too long"
    process.wait(timeout=60)
    watcher.join(timeout=5)
    assert killed.is_set(), "the run ended before the kill point:\n" + "".join(seen[-30:])
    assert process.returncode == -signal.SIGKILL
    # nothing of the run survives it (dbt and the readers included)
    time.sleep(0.5)
    assert _alive_in_group(process.pid) == []
    return seen


def _alive_in_group(group: int) -> list[int]:
    """Processes of the group still running (a killed child nobody has reaped yet is a zombie:
    it holds no file and runs nothing)."""
    found = subprocess.run(["pgrep", "-g", str(group)], capture_output=True, text=True).stdout
    alive = []
    for pid in map(int, found.split()):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            continue
        if state != "Z":
            alive.append(pid)
    return alive


def _step_started(step: str) -> Callable[[str, Path], bool]:
    return lambda line, _: "STEP_START" in line and f'"{step}"' in line


def _dbt_model_built(line: str, _: Path) -> bool:
    """dbt has built a first staging model and goes on with the others."""
    return "ASSET_MATERIALIZATION" in line and "Materialized value staging " in line


def _exporting_new_publication(published_id: str) -> Callable[[str, Path], bool]:
    """Inside publish(): the audit passed and the Parquet exports of the new publication are
    being written; the file has not been swapped in yet."""

    def exporting(_: str, warehouse: Path) -> bool:
        exports = warehouse / EXPORTS_DIR
        return exports.exists() and any(
            p.name not in {published_id, "current", ".current.swap"} for p in exports.iterdir()
        )

    return exporting


@pytest.fixture(scope="module")
def landings(small, tmp_path_factory) -> tuple[Path, Path]:
    """The small delivery set without CDD's community plans (the first publication), and the
    whole set (what the interrupted runs and the recovery ingest)."""
    first = tmp_path_factory.mktemp("landing_first")
    shutil.copytree(small.landing, first, dirs_exist_ok=True)
    shutil.rmtree(first / "cdd" / "community_plans")
    return first, small.landing


def test_a_killed_run_never_damages_the_publication(
    landings, published_small, small_api, tmp_path
) -> None:
    first, whole = landings
    warehouse = tmp_path / "warehouse"
    outcome = run_nightly(
        warehouse,
        first,
        dla_base_url=small_api["MUBAN_DLA_BASE_URL"],
        ckan_base_url=small_api["MUBAN_CKAN_BASE_URL"],
    )
    assert outcome.success, outcome.summary
    published = warehouse / PUBLISHED_FILE
    before = current_publication(warehouse)
    assert before is not None
    digest = _sha256(published)
    rows_before = published_rows(published)

    kill_points = {
        "ingest": _step_started("raw_cdd__community_plans"),
        "dbt": _dbt_model_built,
        "publish": _exporting_new_publication(before.publication_id),
    }
    for phase, kill_when in kill_points.items():
        seen = _run_killed(warehouse, whole, small_api, kill_when)
        assert "RUN_SUCCESS" not in "".join(seen), phase
        assert _sha256(published) == digest, f"killed during {phase}: the published file changed"
        assert current_publication(warehouse) == before, phase
        assert (warehouse / EXPORTS_DIR / "current").resolve().name == before.publication_id
        assert published_rows(published) == rows_before, phase

    recovered = subprocess.run(
        [str(MUBAN), "run", "--landing", str(whole), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **small_api},
    )
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    after = current_publication(warehouse)
    assert after is not None and after.publication_id > before.publication_id
    # what one uninterrupted run on the whole set publishes
    assert published_rows(published) == published_rows(published_small / PUBLISHED_FILE)
    # the history holds the first publication and the recovered one, nothing half-made
    assert sorted(p.name for p in (warehouse / "history").iterdir()) == sorted(
        [f"{before.publication_id}.duckdb", f"{after.publication_id}.duckdb"]
    )
    assert not (warehouse / ".next").exists()
