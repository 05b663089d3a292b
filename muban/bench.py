"""`muban bench`: wall time and peak memory of a stage, measured on this machine.

Memory is measured two ways: the peak resident set of the largest single process (what
`/usr/bin/time -v` calls "Maximum resident set size") and the peak of the whole process
tree's summed RSS, sampled from /proc, since worker processes run at the same time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

# Targets from the issues: stage -> scale -> (seconds, GiB).
TARGETS = {
    "simulate": {"national": (300.0, 4.0)},
    "ingest": {"national": (180.0, 4.0)},
    "ingest-again": {"national": (15.0, 4.0)},
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
    if stage != "ingest":
        raise SystemExit(f"muban bench {stage}: unknown stage (simulate | ingest | readers)")
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
