"""`python -m expectations --work-db FILE`: every delivery suite on every ingested delivery of the
work database, and every published suite on its marts (or on a publication file with
`--published FILE`). Prints one line per suite and the time taken; exits 1 when a published
suite fails (delivery suites measure agencies, they do not block). `muban bench expectations`
times this command at national scale."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import duckdb

from expectations.validate import (
    DELIVERY_SUITES,
    PUBLISHED_SUITES,
    SuiteOutcome,
    prepare,
    validate_deliveries,
    validate_published,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m expectations", description=__doc__)
    parser.add_argument("--work-db", type=Path, help="work database: raw deliveries (and marts)")
    parser.add_argument("--schema", default="marts", help="schema of the published tables")
    parser.add_argument("--published", type=Path, help="a publication file (default schema)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.work_db is None and args.published is None:
        parser.error("give --work-db and/or --published")

    start = time.perf_counter()
    figures: dict[str, object] = {}
    # Great Expectations: import and context, once per process (about 3 s with cached bytecode,
    # 12 s where Python may not cache it, PYTHONDONTWRITEBYTECODE=1).
    cpu = time.process_time()
    prepare()
    figures["great_expectations"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
    }
    failed_published: list[SuiteOutcome] = []
    if args.work_db is not None:
        with duckdb.connect(str(args.work_db), read_only=True) as con:
            for dataset in DELIVERY_SUITES:
                begun, cpu = time.perf_counter(), time.process_time()
                outcomes = validate_deliveries(con, dataset)
                failed = [o for o in outcomes if not o.success]
                figures[dataset] = {
                    "deliveries": len(outcomes),
                    "failed": len(failed),
                    "seconds": round(time.perf_counter() - begun, 2),
                    "cpu_seconds": round(time.process_time() - cpu, 2),
                }
                print(
                    f"{dataset:26} {len(outcomes):>4} deliveries, {len(failed)} failed", flush=True
                )
                for outcome in failed:
                    print(f"  {outcome.summary()}")
            if args.published is None:
                failed_published = _published(con, args.schema, figures)
    if args.published is not None:
        with duckdb.connect(str(args.published), read_only=True) as con:
            failed_published = _published(con, "main", figures)
    total = round(time.perf_counter() - start, 1)
    print(f"all suites: {total} s")
    if args.json is not None:
        args.json.write_text(json.dumps({"seconds": total, "suites": figures}, indent=1))
    return 1 if failed_published else 0


def _published(
    con: duckdb.DuckDBPyConnection, schema: str, figures: dict[str, object]
) -> list[SuiteOutcome]:
    failed = []
    for table in PUBLISHED_SUITES:
        cpu = time.process_time()
        outcome = validate_published(con, table, schema=schema)
        figures[f"warehouse/{table}"] = {
            "success": outcome.success,
            "seconds": outcome.seconds,
            "cpu_seconds": round(time.process_time() - cpu, 2),
        }
        print(outcome.summary(), flush=True)
        if not outcome.success:
            failed.append(outcome)
    return failed


if __name__ == "__main__":
    sys.exit(main())
