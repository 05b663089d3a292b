"""The landing folder: find every delivery, check it, archive it, read it, record it.

`<landing>/<agency>/<dataset>/<file>`. Files whose name starts with `.` or ends in
`.partial`/`.tmp` are uploads still in flight and are left for the next run. Reading happens
in worker processes when there is enough to read to pay for starting them; the work database is
written by this process only.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import unicodedata
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest import store
from ingest.archive import Archive
from ingest.datasets import DATASETS, LANDING_DATASETS, WORKBOOK_COMPANIONS
from ingest.parsed import Parsed
from ingest.reasons import Rejection, reject
from ingest.settings import Settings
from ingest.textfile import read_delimited
from ingest.workbook import read_workbook

log = logging.getLogger(__name__)
IN_FLIGHT = (".partial", ".tmp", ".crdownload")
READ_AHEAD = 2  # deliveries read ahead of the writer, per worker


@dataclass(frozen=True)
class Found:
    path: Path
    name: str  # relative to the landing folder, escaped for display
    dataset: str | None  # None: not under a known <agency>/<dataset>/
    problem: Rejection | None = None


def safe_display(name: str) -> str:
    """A delivered name as it may be shown and stored: control characters escaped."""
    return "".join(c if unicodedata.category(c)[0] != "C" else f"\\x{ord(c):02x}" for c in name)


def name_problem(path: Path, landing: Path) -> Rejection | None:
    """Path traversal, links out of the landing folder and control characters are refused."""
    name = path.name
    if any(unicodedata.category(c)[0] == "C" for c in name):
        return reject("unsafe_name", detail="control characters")
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(landing.resolve()):
            return reject("unsafe_name", detail="a link outside the landing folder")
        return reject("unsafe_name", detail="a symbolic link")
    if ".." in name.split(os.sep) or name.startswith("-"):
        return reject("unsafe_name", detail="a relative path")
    return None


def discover(landing: Path) -> Iterator[Found]:
    for path in sorted(landing.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        relative = path.relative_to(landing)
        if any(part.startswith(".") for part in relative.parts) or path.name.endswith(IN_FLIGHT):
            continue
        parts = relative.parts
        key = "/".join(parts[:2]) if len(parts) == 3 else None
        dataset = key if key in LANDING_DATASETS else None
        yield Found(path, safe_display(relative.as_posix()), dataset, name_problem(path, landing))


def hints(dataset: str, name: str) -> dict[str, str]:
    """Province, fiscal year or snapshot date the delivered name announces (a hint only)."""
    spec = DATASETS[dataset]
    match = re.match(spec.file_pattern or "$^", name.rsplit("/", 1)[-1])
    if not match:
        return {}
    return {k: v for k, v in match.groupdict().items() if v}


def parse(task: tuple[str, str, int, int]) -> list[tuple[str, Parsed | Rejection]]:
    """Read one archived delivery (runs in a worker process)."""
    dataset, archived, max_unzipped, max_ratio = task
    data = Path(archived).read_bytes()
    spec = DATASETS[dataset]
    try:
        if not data:
            raise reject("empty_file")
        if spec.kind == "workbook":
            companions = [DATASETS[k] for k in (dataset, *WORKBOOK_COMPANIONS.get(dataset, ()))]
            return list(read_workbook(data, companions, max_unzipped, max_ratio).items())
        return [(dataset, read_delimited(data, spec))]
    except Rejection as rejection:
        datasets = (dataset, *WORKBOOK_COMPANIONS.get(dataset, ()))
        return [(key, rejection) for key in datasets]


@dataclass
class LandingReport:
    ingested: int = 0
    rejected: int = 0
    duplicates: int = 0
    unchanged: int = 0
    rows: int = 0


def _sha_of(con: duckdb.DuckDBPyConnection, found: Found, archive: Archive) -> tuple[str, int]:
    """The file's sha256, archiving it; an unchanged file (same size and mtime) is not re-read."""
    stat = found.path.stat()
    rows = con.execute(
        "select sha256 from raw.landing_seen where path = ? and size_bytes = ? and mtime_ns = ?",
        [found.name, stat.st_size, stat.st_mtime_ns],
    ).fetchall()
    if rows and archive.has(rows[0][0]):
        return rows[0][0], stat.st_size
    digest = archive.put_file(found.path)
    con.execute(
        "insert or replace into raw.landing_seen values (?, ?, ?, ?)",
        [found.name, stat.st_size, stat.st_mtime_ns, digest],
    )
    return digest, stat.st_size


def ingest_landing(
    settings: Settings, con: duckdb.DuckDBPyConnection, datasets: set[str] | None = None
) -> LandingReport:
    """Ingest every new delivery in the landing folder (optionally only some datasets)."""
    archive = Archive(settings.archive_dir)
    report = LandingReport()
    landing = settings.landing_dir
    if not landing.exists():
        log.warning("landing folder %s does not exist: nothing to ingest", landing)
        return report
    found_files = [
        found for found in discover(landing) if datasets is None or found.dataset in datasets
    ]
    readers = _Readers(settings.workers if _worth_workers(found_files, settings) else 1)
    reading: list[tuple[Found, str, int, Future[list[tuple[str, Parsed | Rejection]]]]] = []
    first_seen: set[tuple[str, str]] = set()
    later_duplicates: list[tuple[Found, str, str, int]] = []
    try:
        for found in found_files:
            if found.problem or found.dataset is None:
                _reject_unread(
                    con, found, found.problem or reject("unknown_dataset"), archive, report
                )
                continue
            size = found.path.stat().st_size
            if size > settings.max_delivery_bytes:
                too_large = reject("too_large", size=size, limit=settings.max_delivery_bytes)
                _reject_unread(con, found, too_large, archive, report)
                continue
            sha256, size = _sha_of(con, found, archive)
            if _seen_before(con, found, found.dataset, sha256, size, report):
                continue
            if (found.dataset, sha256) in first_seen:
                later_duplicates.append((found, found.dataset, sha256, size))
                continue
            first_seen.add((found.dataset, sha256))
            job = (
                found.dataset,
                str(archive.path(sha256)),
                settings.max_unzipped_bytes,
                settings.max_zip_ratio,
            )
            reading.append((found, sha256, size, readers.submit(job)))
            # Bounded read-ahead: parsed deliveries wait in memory until this process writes them.
            while len(reading) > READ_AHEAD * readers.workers:
                _record_read(*_done(reading.pop(0)), con, report)
        while reading:
            _record_read(*_done(reading.pop(0)), con, report)
    finally:
        readers.close()
    # The same bytes twice in one run: the first is read, the others are duplicates of it.
    for found, dataset, sha256, size in later_duplicates:
        _record_duplicate(con, found, dataset, sha256, size, report)
    return report


def _worth_workers(found_files: list[Found], settings: Settings) -> bool:
    """Enough to read for worker processes to pay for their start (~3 s each: a fresh
    interpreter importing the readers), where a nightly increment of a file or two reads here
    in a fraction of a second. An upper bound: files read before are skipped unread."""
    sizes = [
        f.path.stat().st_size
        for f in found_files
        if f.dataset is not None and f.problem is None and f.path.is_file()
    ]
    return len(sizes) >= 2 and sum(sizes) >= settings.parallel_read_min_bytes


def _done(
    item: tuple[Found, str, int, Future[list[tuple[str, Parsed | Rejection]]]],
) -> tuple[Found, str, int, list[tuple[str, Parsed | Rejection]]]:
    found, sha256, size, future = item
    return found, sha256, size, future.result()


def _record_duplicate(
    con: duckdb.DuckDBPyConnection,
    found: Found,
    dataset: str,
    sha256: str,
    size: int,
    report: LandingReport,
) -> None:
    store.record(
        con,
        dataset=dataset,
        origin="file",
        original_name=found.name,
        sha256=sha256,
        size_bytes=size,
        duplicate_of=store.delivery_id(dataset, sha256),
    )
    report.duplicates += 1


def _seen_before(
    con: duckdb.DuckDBPyConnection,
    found: Found,
    dataset: str,
    sha256: str,
    size: int,
    report: LandingReport,
) -> bool:
    """Bytes already read for this dataset: nothing to do, or a duplicate under a new name."""
    if not store.known(con, dataset, sha256):
        return False
    first = store.delivery_id(dataset, sha256)
    original = con.execute(
        "select original_name from raw.deliveries where delivery_id = ?", [first]
    ).fetchall()
    recorded = con.execute(
        "select 1 from raw.deliveries where duplicate_of = ? and original_name = ?",
        [first, found.name],
    ).fetchall()
    if original[0][0] != found.name and not recorded:
        _record_duplicate(con, found, dataset, sha256, size, report)
    else:
        report.unchanged += 1
    return True


class _Readers:
    """Reads deliveries in worker processes as they are found, so hashing and archiving the
    next file overlaps reading the previous ones. forkserver, not fork: the API pulls run in
    threads of this process, and forking a threaded process can copy a held lock."""

    def __init__(self, workers: int) -> None:
        self.workers = max(1, workers)
        self.pool: ProcessPoolExecutor | None = None

    def submit(
        self, job: tuple[str, str, int, int]
    ) -> Future[list[tuple[str, Parsed | Rejection]]]:
        if self.workers <= 1:
            done: Future[list[tuple[str, Parsed | Rejection]]] = Future()
            done.set_result(parse(job))
            return done
        if self.pool is None:
            log.info("reading deliveries in %d worker processes", self.workers)
            self.pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("forkserver")
            )
        return self.pool.submit(parse, job)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _record_read(
    found: Found,
    sha256: str,
    size: int,
    outcome: list[tuple[str, Parsed | Rejection]],
    con: duckdb.DuckDBPyConnection,
    report: LandingReport,
) -> None:
    for dataset, result in outcome:
        parsed = result if isinstance(result, Parsed) else None
        rejection = result if isinstance(result, Rejection) else None
        store.record(
            con,
            dataset=dataset,
            origin="file",
            original_name=found.name,
            sha256=sha256,
            size_bytes=size,
            hints=hints(dataset, found.name),
            parsed=parsed,
            rejection=rejection,
        )
        if rejection:
            report.rejected += 1
            log.warning("rejected %s (%s): %s", found.name, dataset, rejection)
        else:
            report.ingested += 1
            report.rows += parsed.rows if parsed else 0
            log.info("ingested %s (%s): %d rows", found.name, dataset, parsed.rows if parsed else 0)


def _reject_unread(
    con: duckdb.DuckDBPyConnection,
    found: Found,
    problem: Rejection,
    archive: Archive,
    report: LandingReport,
) -> None:
    """Reject a delivery before reading it; it is still archived (unless it is not a regular file)."""
    dataset = found.dataset or "unknown"
    # A link or other non-regular file is not read at all, not even to hash it.
    sha256, size = "not read", None
    if found.path.is_file() and not found.path.is_symlink():
        sha256, size = _sha_of(con, found, archive)
    seen = con.execute(
        "select 1 from raw.deliveries where dataset = ? and sha256 = ? and original_name = ?",
        [dataset, sha256, found.name],
    ).fetchall()
    if seen:
        report.unchanged += 1
        return
    parts = found.name.split("/")
    store.record(
        con,
        dataset=dataset,
        agency=parts[0] if len(parts) > 1 else "unknown",
        origin="file",
        original_name=found.name,
        sha256=sha256,
        size_bytes=size,
        rejection=problem,
        name_in_id=True,
    )
    report.rejected += 1
    log.warning("rejected %s: %s", found.name, problem)
