"""A nightly run killed with SIGKILL during ingest, during dbt and during publish leaves the
published file as it was, and the next run completes and publishes what an uninterrupted run
publishes. Real `muban run` processes, killed as a whole (process group: dbt included, as a
job scheduler's time-out or a container stop does)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from publish.publication import EXPORTS_DIR, PUBLISHED_FILE, current_publication
from tests.conftest import clone_warehouse, published_rows
from tests.orchestration.conftest import MUBAN, Redelivery, muban_run, sha256


def _run_killed(
    warehouse: Path,
    landing: Path,
    env: dict[str, str],
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
        env={**os.environ, **env},
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


def _archiving(delivered: Path) -> Callable[[str, Path], bool]:
    """Inside the ingest of a delivered file: its bytes are going into the archive (or are
    there), its rows not yet recorded (or not all)."""
    digest = sha256(delivered)

    def archiving(_: str, warehouse: Path) -> bool:
        archive = warehouse / "work" / "archive"
        return (archive / digest[:2] / digest).exists() or any(archive.glob(".incoming.*"))

    return archiving


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


def test_a_killed_run_never_damages_the_publication(
    truncated_redelivery: Redelivery, published_small, small_api, tmp_path
) -> None:
    """From the session's publication, DOPA's re-delivered (smaller, let through) plans are
    run three times and killed, then once to the end: that run publishes exactly what the
    uninterrupted run on the same deliveries published."""
    warehouse = clone_warehouse(published_small, tmp_path / "warehouse")
    landing, env = truncated_redelivery.landing, {**small_api, "MUBAN_MAX_ROW_DROP": "1"}
    published = warehouse / PUBLISHED_FILE
    before = current_publication(warehouse)
    assert before is not None
    digest = sha256(published)
    rows_before = published_rows(published)

    kill_points = {
        "ingest": _archiving(next((landing / "dopa" / "village_plans").glob("*.csv"))),
        "dbt": _dbt_model_built,
        "publish": _exporting_new_publication(before.publication_id),
    }
    for phase, kill_when in kill_points.items():
        seen = "".join(_run_killed(warehouse, landing, env, kill_when))
        assert "RUN_SUCCESS" not in seen, phase
        if phase == "ingest":
            assert '"muban_dbt"' not in seen, "killed after the ingest"
        assert sha256(published) == digest, f"killed during {phase}: the published file changed"
        assert current_publication(warehouse) == before, phase
        assert (warehouse / EXPORTS_DIR / "current").resolve().name == before.publication_id
        assert published_rows(published) == rows_before, phase

    recovered = muban_run(landing, warehouse, env)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    after = current_publication(warehouse)
    assert after is not None and after.publication_id > before.publication_id
    # what the uninterrupted run on the same deliveries published
    assert truncated_redelivery.accepted.returncode == 0
    uninterrupted = published_rows(truncated_redelivery.warehouse / PUBLISHED_FILE)
    assert published_rows(published) == uninterrupted != rows_before
    # the history holds the first publication and the recovered one, nothing half-made
    assert sorted(p.name for p in (warehouse / "history").iterdir()) == sorted(
        [f"{before.publication_id}.duckdb", f"{after.publication_id}.duckdb"]
    )
    assert not (warehouse / ".next").exists()
