"""`muban bench`: wall time and peak memory of a stage, measured on this machine.

Memory is measured two ways: the peak resident set of the largest single process (what
`/usr/bin/time -v` calls "Maximum resident set size") and the peak of the whole process
tree's summed RSS, sampled from /proc, since worker processes run at the same time.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ingest.settings import Settings
from muban.dbt import DBT_PROJECT_DIR, NIGHTLY_BUILD, dbt_executable

# Targets from the issues: stage -> scale -> (seconds, GiB).
TARGETS = {
    "simulate": {"national": (300.0, 4.0)},
    "ingest": {"national": (180.0, 4.0)},
    "ingest-again": {"national": (15.0, 4.0)},
    "dbt": {"national": (300.0, 8.0)},
    "expectations": {"national": (120.0, 4.0)},
}
# Accuracy targets of the reconciliation (issue 4), over every seed measured.
ACCURACY_TARGETS = {
    "village_precision": 0.995,
    "village_recall": 0.98,
    "pair_precision": 0.95,
    "pair_recall": 0.90,
}
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Summed RSS in bytes of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(command: list[str]) -> dict[str, float]:
    """Run a command; return its wall seconds, peak single-process and peak tree RSS (GiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command)
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            peak_tree = max(peak_tree, _tree_rss(process.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed with {os.waitstatus_to_exitcode(status)}")
    return {
        "wall_seconds": round(wall, 1),
        "peak_process_gib": round(usage.ru_maxrss / 2**20, 2),  # ru_maxrss is in KiB on Linux
        "peak_tree_gib": round(peak_tree / 2**30, 2),
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the API simulator did not listen on port {port}")


def _report(
    stage: str, scale: str, command: list[str], figures: dict[str, float]
) -> dict[str, object]:
    target = TARGETS.get(stage, {}).get(scale)
    within = target is None or (
        figures["wall_seconds"] <= target[0] and figures["peak_tree_gib"] <= target[1]
    )
    return {
        "stage": stage,
        "scale": scale,
        "command": " ".join(command),
        **figures,
        "target": {"wall_seconds": target[0], "peak_gib": target[1]} if target else None,
        "within_target": within,
        "cores": os.cpu_count(),
    }


def run_benchmark(stage: str, scale: str, scratch: Path) -> list[dict[str, object]]:
    muban = [sys.executable, "-m", "muban"]
    simulate = [
        *muban,
        "simulate",
        "--scale",
        scale,
        "--out",
        str(scratch / "landing"),
        "--truth",
        str(scratch / "truth"),
        "--api-out",
        str(scratch / "simulated_api"),
    ]
    if stage == "simulate":
        return [_report(stage, scale, simulate, measure(simulate))]
    if stage == "readers":
        if not (scratch / "landing").exists():
            subprocess.run(simulate, check=True)
        largest = max(
            (scratch / "landing" / "cdd" / "community_plans").glob("*.xlsx"),
            key=lambda p: p.stat().st_size,
        )
        return [compare_workbook_readers(largest)]
    if stage == "dbt":
        return [_dbt_build(scale, scratch)]
    if stage == "expectations":
        return [_expectations(scale, scratch)]
    if stage != "ingest":
        raise SystemExit(
            f"muban bench {stage}: unknown stage "
            "(simulate | ingest | readers | dbt | expectations | accuracy)"
        )
    if not (scratch / "simulated_api" / "manifest.json").exists():
        subprocess.run(simulate, check=True)  # the data to ingest; not part of the measure
    shutil.rmtree(scratch / "warehouse", ignore_errors=True)
    port = _free_port()
    server = subprocess.Popen(
        [
            *muban,
            "simulate",
            "--serve",
            "--api-out",
            str(scratch / "simulated_api"),
            "--port",
            str(port),
        ]
    )
    try:
        _wait_for(port)
        base = f"http://127.0.0.1:{port}"
        command = [
            *muban,
            "ingest",
            "--warehouse",
            str(scratch / "warehouse"),
            "--landing",
            str(scratch / "landing"),
            "--dla-base-url",
            base,
            "--ckan-base-url",
            base,
        ]
        first = _report("ingest", scale, command, measure(command))
        again = _report("ingest-again", scale, command, measure(command))
    finally:
        server.terminate()
        server.wait(30)
    return [first, again]


def compare_workbook_readers(workbook: Path, sheet: str = "แผนชุมชน") -> dict[str, object]:
    """Seconds to get every cell of the plan sheet into Python/Arrow, per reader (the choice
    the README reports: fastexcel, i.e. calamine straight into Arrow)."""
    import fastexcel
    import openpyxl
    from python_calamine import CalamineWorkbook

    def timed(read: object) -> float:
        start = time.perf_counter()
        read()  # type: ignore[operator]
        return round(time.perf_counter() - start, 2)

    def with_openpyxl() -> int:
        book = openpyxl.load_workbook(workbook, read_only=True, data_only=True)
        return sum(1 for _ in book[sheet].iter_rows(values_only=True))

    def with_calamine() -> int:
        return len(CalamineWorkbook.from_path(str(workbook)).get_sheet_by_name(sheet).to_python())

    def with_fastexcel() -> int:
        book = fastexcel.read_excel(str(workbook))
        return book.load_sheet_by_name(sheet, header_row=None, dtypes="string").to_arrow().num_rows

    return {
        "workbook": str(workbook),
        "rows": with_fastexcel(),
        "openpyxl_read_only_seconds": timed(with_openpyxl),
        "python_calamine_seconds": timed(with_calamine),
        "fastexcel_arrow_seconds": timed(with_fastexcel),
    }


def _dbt_build(scale: str, scratch: Path) -> dict[str, object]:
    """The dbt project as the nightly job builds it (seeds, staging, matching, reconciliation,
    marts and every data test; unit tests run in CI) on the raw data `muban bench ingest` left
    in the scratch folder."""
    work_db = scratch / "warehouse" / "work" / "work.duckdb"
    if not work_db.exists():
        raise SystemExit(f"no ingested data in {work_db}: run `muban bench ingest` first")
    command = [
        dbt_executable(),
        *NIGHTLY_BUILD,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(Settings(warehouse=scratch / "warehouse").dbt_target_dir),
    ]
    os.environ["MUBAN_WORK_DB"] = str(work_db)
    return _report("dbt", scale, command, measure(command))


def _expectations(scale: str, scratch: Path) -> dict[str, object]:
    """Every Great Expectations suite (python -m expectations): each dataset's suite on every
    ingested delivery of the raw schema, and each published table's suite on the marts schema,
    of the work database `muban bench ingest` and `muban bench dbt` left (opened read-only)."""
    work_db = scratch / "warehouse" / "work" / "work.duckdb"
    if not work_db.exists():
        raise SystemExit(f"no work database in {work_db}: run `muban bench ingest` and `dbt` first")
    command = [sys.executable, "-m", "expectations", "--work-db", str(work_db)]
    with tempfile.TemporaryDirectory() as figures:
        per_suite = Path(figures) / "suites.json"
        report = _report(
            "expectations", scale, command, measure([*command, "--json", str(per_suite)])
        )
        report["suites"] = json.loads(per_suite.read_text())["suites"]
    return report


def measure_accuracy(seeds: list[int], scale: str, scratch: Path) -> list[dict[str, object]]:
    """Simulate each seed (default defect profile), run the nightly job on it with the APIs
    served on loopback, and score the warehouse against the simulator's truth."""
    from muban.nightly import run_nightly
    from muban.score import score_warehouse
    from simulator.config import Scale, SimulationConfig
    from simulator.run import simulate
    from simulator.server import ApiServer

    reports: list[dict[str, object]] = []
    for seed in seeds:
        root = scratch / f"seed-{seed}"
        shutil.rmtree(root, ignore_errors=True)
        config = SimulationConfig(
            out=root / "landing",
            truth=root / "truth",
            api_out=root / "simulated_api",
            scale=Scale(scale),
            seed=seed,
        )
        simulate(config)
        with ApiServer(config.api_dir) as api:
            outcome = run_nightly(
                warehouse=root / "warehouse",
                landing=config.out,
                dla_base_url=api.base_url,
                ckan_base_url=api.base_url,
            )
        if not outcome.success:
            raise SystemExit(f"seed {seed}: the nightly run failed\n{outcome.summary}")
        score = score_warehouse(root / "warehouse", config.truth)
        village, pairs = score.overall_village(), score.overall_pairs()
        figures = {
            "village_precision": village.precision,
            "village_recall": village.recall,
            "pair_precision": pairs.precision,
            "pair_recall": pairs.recall,
            "pair_f1": pairs.f1,
        }
        reports.append(
            {
                "stage": "accuracy",
                "scale": scale,
                "seed": seed,
                **figures,
                "target": ACCURACY_TARGETS,
                "within_target": all(
                    figures[name] is not None and figures[name] >= bound
                    for name, bound in ACCURACY_TARGETS.items()
                ),
            }
        )
    return reports
