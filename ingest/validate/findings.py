"""Reading a validation's verdicts back from its throw-away work database.

File-level verdicts are ingest's own manifest rows (`raw.deliveries`: reason code, Thai and
English text, where). Row verdicts are the dbt models' (`int_delivered_rows`: what became of
every delivered row; the `quarantine` mart: the closest registry villages), with the Thai and
English texts of the `quarantine_reasons` seed. What validate adds is only where to look: the
delivered header each reason is about and the cells it read there.
"""

from __future__ import annotations

import json

import duckdb

from ingest.datasets import DATASETS, PERSONAL_COLUMNS, match_header
from ingest.validate.registry import REGISTRY_REASONS
from ingest.validate.report import Notice, Problem, Reason

# The raw columns each row reason is about (by dataset); a reason not listed is about the row.
REASON_COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "dopa/village_plans": {
        "missing_title": ("project_name",),
        "unparseable_amount": ("budget",),
        "negative_budget": ("budget",),
        "absurd_budget": ("budget",),
        "bad_fiscal_year": ("fiscal_year",),
        "duplicate_row": ("village_code", "fiscal_year", "seq"),
        "unknown_dimension": ("dimension_group",),
        "village_unresolved": ("village_code",),
    },
    "cdd/community_plans": {
        "missing_title": ("project_name",),
        "unparseable_amount": ("budget",),
        "negative_budget": ("budget",),
        "absurd_budget": ("budget",),
        "bad_fiscal_year": ("year",),
        "unknown_dimension": ("category",),
        "village_unresolved": ("district_name", "subdistrict_name", "moo", "village_name"),
        "village_inconsistent": ("moo", "village_name"),
    },
    "cdd/certification": {
        "village_unresolved": ("district_name", "subdistrict_name", "moo", "village_name"),
        "village_inconsistent": ("moo", "village_name"),
    },
}
# The staging model that carries a dataset's row warnings (e.g. formula_without_value).
WARNING_MODELS = {
    "dopa/village_plans": "staging.stg_dopa__village_plans",
    "cdd/community_plans": "staging.stg_cdd__community_plans",
    "cdd/certification": "staging.stg_cdd__certification",
}


def deliveries(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    """The manifest rows ingest wrote for the validated file (the registry's are not files)."""
    cursor = con.execute(
        "select * from raw.deliveries where origin = 'file' order by dataset, delivery_id"
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def file_problem(delivery: dict[str, object]) -> Problem:
    reason = Reason(
        str(delivery["reason_code"]), str(delivery["reason_th"]), str(delivery["reason_en"])
    )
    where = delivery["reason_where"]
    return Problem("file", str(delivery["dataset"]), (reason,), where=str(where) if where else None)


def skipped(con: duckdb.DuckDBPyConnection, delivery_id: str) -> dict[str, int]:
    rows = con.execute(
        "select reason, count(*) from raw.skipped_rows where delivery_id = ? group by reason",
        [delivery_id],
    ).fetchall()
    return dict(rows)


def headers(delivery: dict[str, object]) -> dict[str, str]:
    """Raw column -> the header text the agency's file gives it (else the agreed one)."""
    spec = DATASETS[str(delivery["dataset"])]
    cells = json.loads(str(delivery["header"])) if delivery["header"] else []
    positions = match_header(spec, cells).positions
    return {
        c.name: str(cells[positions[c.name]]) if c.name in positions else c.header
        for c in spec.columns
    }


def reason_texts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """code -> (Thai, English), from the `quarantine_reasons` seed the reports use too."""
    rows = con.execute(
        "select reason_code, reason_th, reason_en from reference.quarantine_reasons"
    ).fetchall()
    return {code: (th, en) for code, th, en in rows}


def row_problems(
    con: duckdb.DuckDBPyConnection, delivery: dict[str, object], *, with_registry: bool
) -> list[Problem]:
    """Every row of the delivery the warehouse would quarantine, with what it read there.
    Without a registry, the reasons only a registry can decide are left out."""
    dataset, delivery_id = str(delivery["dataset"]), str(delivery["delivery_id"])
    verdicts = _verdicts(con, delivery_id, () if with_registry else REGISTRY_REASONS)
    if not verdicts:
        return []
    texts = reason_texts(con)
    about = REASON_COLUMNS.get(dataset, {})
    wanted = sorted({c for cols in about.values() for c in cols} - PERSONAL_COLUMNS)
    cells = _raw_cells(con, DATASETS[dataset].table, delivery_id, list(verdicts), wanted)
    header = headers(delivery)
    problems = []
    for source_row, (codes, candidates) in verdicts.items():
        line, problem, values = cells.get(source_row, (None, None, {}))
        reasons = []
        for code in codes:
            columns = [c for c in about.get(code, ()) if c not in PERSONAL_COLUMNS]
            th, en = texts.get(code, (code, code))
            shown = {header[c]: values.get(c) for c in columns}
            reasons.append(Reason(code, th, en, tuple(shown), shown))
        detail = None
        if problem:
            # `expected 10 fields, found 9: <the row>`: the count only, never the row's cells
            detail = problem.split(":", 1)[0]
        elif candidates and set(codes) & set(REGISTRY_REASONS):
            # the closest registry villages (CDD), or why the code is not there (DOPA)
            detail = f"ทะเบียน/registry: {candidates}"
        problems.append(
            Problem(
                "row",
                dataset,
                tuple(reasons),
                source_row=source_row,
                source_line=line,
                detail=detail,
            )
        )
    return problems


def _verdicts(
    con: duckdb.DuckDBPyConnection, delivery_id: str, left_out: tuple[str, ...]
) -> dict[str, tuple[list[str], str | None]]:
    """source_row -> (reason codes, match candidates) of each row the warehouse quarantines:
    `int_delivered_rows` for every dataset, the `quarantine` mart for the candidates."""
    rows = con.execute(
        """
        select rows.source_row, rows.reasons, quarantine.match_candidates
        from intermediate.int_delivered_rows as rows
        left join marts.quarantine as quarantine
            on quarantine.delivery_id = rows.delivery_id and quarantine.source_row = rows.source_row
        where rows.delivery_id = ? and rows.outcome = 'quarantined'
        order by try_cast(rows.source_row as bigint), rows.source_row
        """,
        [delivery_id],
    ).fetchall()
    verdicts = {}
    for source_row, codes, candidates in rows:
        kept = [c for c in codes if c not in left_out]
        if kept:
            verdicts[source_row] = (kept, candidates)
    return verdicts


def _raw_cells(
    con: duckdb.DuckDBPyConnection,
    table: str,
    delivery_id: str,
    source_rows: list[str],
    columns: list[str],
) -> dict[str, tuple[int | None, str | None, dict[str, str | None]]]:
    """source_row -> (physical line, ingest's problem, {raw column: delivered cell})."""
    selected = "".join(f', "{c}"' for c in columns)
    rows = con.execute(
        f"select _source_row, _source_line, _problem{selected} from raw.{table} "
        "where _delivery_id = ? and _source_row in (select unnest(?))",
        [delivery_id, source_rows],
    ).fetchall()
    return {row[0]: (row[1], row[2], dict(zip(columns, row[3:], strict=True))) for row in rows}


def row_warnings(con: duckdb.DuckDBPyConnection, delivery: dict[str, object]) -> list[Notice]:
    """Warnings staging records on delivered rows (e.g. a budget formula without a value)."""
    model = WARNING_MODELS.get(str(delivery["dataset"]))
    if model is None:
        return []
    rows = con.execute(
        f"""
        select code, list(source_row order by try_cast(source_row as bigint), source_row)
        from (select source_row, unnest(warnings) as code from {model} where delivery_id = ?)
        group by code order by code
        """,
        [delivery["delivery_id"]],
    ).fetchall()
    texts = reason_texts(con)
    return [
        Notice("warning", code, *texts.get(code, (code, code)), rows=tuple(map(str, found)))
        for code, found in rows
    ]
