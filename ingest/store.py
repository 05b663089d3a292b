"""The work database's ingest side: the delivery manifest and one raw table per dataset.

DuckDB allows one writer: everything here runs in the one process that owns the work
database. Each delivery is written in one transaction (manifest row, raw rows, skipped rows),
so a run killed half-way leaves no half-ingested delivery behind.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow as pa

from ingest.datasets import DATASETS, Dataset
from ingest.parsed import LINEAGE, Parsed
from ingest.reasons import Rejection

MANIFEST_DDL = """
create schema if not exists raw;
create table if not exists raw.deliveries (
    delivery_id varchar primary key,     -- <agency>/<dataset>@<sha256>
    agency varchar not null,
    dataset varchar not null,
    origin varchar not null,             -- file | api
    original_name varchar,               -- landing path as delivered (escaped), or the API endpoint
    sha256 varchar not null,             -- of the file; of the pages' hashes for an API pull
    size_bytes bigint,
    received_at timestamptz not null,
    province_code varchar,               -- from the delivered name, when it carries one
    fiscal_year integer,
    snapshot_date varchar,
    period varchar,
    status varchar not null,             -- ingested | rejected | duplicate
    reason_code varchar,
    reason_th varchar,
    reason_en varchar,
    reason_where varchar,
    encoding varchar,
    evidence json,                       -- how the encoding was decided
    header json,                         -- the delivered header cells
    renamed_headers json,                -- delivered variant -> agreed header
    extra_columns json,
    notes json,
    rows_read bigint,                    -- data rows handed to staging
    rows_skipped bigint,                 -- blank, subtotal, title and header rows
    duplicate_of varchar
);
create table if not exists raw.skipped_rows (
    delivery_id varchar not null,
    source_row varchar not null,
    reason varchar not null,
    row_values varchar
);
create table if not exists raw.api_pages (
    delivery_id varchar not null,
    page integer not null,
    url varchar not null,
    sha256 varchar not null,
    size_bytes bigint,
    records integer
);
create table if not exists raw.landing_seen (
    path varchar primary key,
    size_bytes bigint,
    mtime_ns bigint,
    sha256 varchar
);
create table if not exists raw.ingest_state (key varchar primary key, value varchar);
"""


def raw_ddl(dataset: Dataset) -> str:
    columns = [f'"{c.name}" varchar' for c in dataset.columns]
    lineage = ['"_delivery_id" varchar not null', '"_source_file" varchar not null']
    lineage += [f'"{f.name}" {"bigint" if f.type == pa.int64() else "varchar"}' for f in LINEAGE]
    return f"create table if not exists raw.{dataset.table} ({', '.join(columns + lineage)})"


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(MANIFEST_DDL)
    for dataset in DATASETS.values():
        con.execute(raw_ddl(dataset))
    return con


def delivery_id(dataset: str, sha256: str) -> str:
    return f"{dataset}@{sha256}"


def known(con: duckdb.DuckDBPyConnection, dataset: str, sha256: str) -> bool:
    rows = con.execute(
        "select 1 from raw.deliveries where delivery_id = ? and status in ('ingested', 'rejected')",
        [delivery_id(dataset, sha256)],
    ).fetchall()
    return bool(rows)


def _json(value: object) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def record(
    con: duckdb.DuckDBPyConnection,
    *,
    dataset: str,
    origin: str,
    agency: str | None = None,
    original_name: str,
    sha256: str,
    size_bytes: int | None,
    hints: dict[str, str] | None = None,
    parsed: Parsed | None = None,
    rejection: Rejection | None = None,
    duplicate_of: str | None = None,
    pages: list[dict[str, object]] | None = None,
    received_at: dt.datetime | None = None,
    name_in_id: bool = False,
) -> str:
    """Write one delivery (manifest row + raw rows + skipped rows) in one transaction."""
    spec = DATASETS.get(dataset)
    hints = hints or {}
    identity = delivery_id(dataset, sha256)
    if duplicate_of is not None or name_in_id:
        identity = f"{identity}#{original_name}"
    status = "duplicate" if duplicate_of else "rejected" if rejection else "ingested"
    received = received_at or dt.datetime.now(dt.UTC)
    con.execute("begin transaction")
    try:
        con.execute(
            "insert into raw.deliveries values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                identity,
                spec.agency if spec else (agency or "unknown"),
                dataset,
                origin,
                original_name,
                sha256,
                size_bytes,
                received,
                hints.get("province"),
                int(hints["fiscal_year"]) if hints.get("fiscal_year") else None,
                hints.get("snapshot"),
                hints.get("period"),
                status,
                rejection.code if rejection else None,
                rejection.thai if rejection else None,
                rejection.english if rejection else None,
                rejection.where if rejection else None,
                parsed.encoding if parsed else None,
                _json(parsed.evidence) if parsed else None,
                _json(parsed.header) if parsed else None,
                _json(parsed.renamed) if parsed else None,
                _json(parsed.extra) if parsed else None,
                _json(parsed.notes) if parsed else None,
                parsed.rows if parsed else 0,
                len(parsed.skipped) if parsed else 0,
                duplicate_of,
            ],
        )
        if parsed is not None and spec is not None and status == "ingested":
            table = parsed.table
            n = table.num_rows
            table = table.append_column(
                "_delivery_id", pa.array([identity] * n, pa.string())
            ).append_column("_source_file", pa.array([original_name] * n, pa.string()))
            con.register("incoming", table)
            names = ", ".join(
                f'"{c}"'
                for c in [*spec.column_names, "_delivery_id", "_source_file", *LINEAGE.names]
            )
            con.execute(f"insert into raw.{spec.table} ({names}) select {names} from incoming")
            con.unregister("incoming")
            if parsed.skipped:
                skipped = pa.table(
                    {
                        "delivery_id": pa.array([identity] * len(parsed.skipped), pa.string()),
                        "source_row": pa.array([s.source_row for s in parsed.skipped], pa.string()),
                        "reason": pa.array([s.reason for s in parsed.skipped], pa.string()),
                        "row_values": pa.array([s.values for s in parsed.skipped], pa.string()),
                    }
                )
                con.register("skipped", skipped)
                con.execute("insert into raw.skipped_rows select * from skipped")
                con.unregister("skipped")
        for page in pages or []:
            con.execute(
                "insert into raw.api_pages values (?, ?, ?, ?, ?, ?)",
                [
                    identity,
                    page["page"],
                    page["url"],
                    page["sha256"],
                    page["size_bytes"],
                    page["records"],
                ],
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return identity


def get_state(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("select value from raw.ingest_state where key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_state(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute(
        "insert into raw.ingest_state values (?, ?) on conflict (key) do update set value = excluded.value",
        [key, value],
    )
