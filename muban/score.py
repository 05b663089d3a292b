"""`muban score`: how well the warehouse recovered the simulator's ground truth (issue 4 §6).

Inputs
- The warehouse: `<warehouse>/village_plans.duckdb` (schema main) when it has been published,
  else the work database `<warehouse>/work/work.duckdb` (schema marts); opened read-only. It
  must hold `fct_plan_item`, `bridge_plan_item_village`, `dim_village` and `quarantine`.
- The truth written by `muban simulate --truth DIR`: `deliveries/<agency>__<dataset>/*.parquet`
  and `world/projects_*`, `world/communities_*`, `world/villages_*`.

A delivered row is keyed by agency, file name (the last path component, so a staged
`dopa/village_plans/x.csv` matches the truth's `x.csv`) and source row as text; a DLA record by its
record id `<project_id>:<edition>` alone.

Village match, over the truth rows of kind `data` of dopa/village_plans, cdd/community_plans
and dla/plan_projects:
- predicted villages of a row: the union of `bridge_plan_item_village` and `village_code` over its
  `fct_plan_item` rows; none when the row is not published and is quarantined for
  `village_unresolved` or `village_inconsistent`, or is neither published nor quarantined
  (`missing`). A row quarantined only for other reasons (negative budget, duplicate_row, …) is
  out of scope: left out of both sides.
- true villages: the row's `village_keys`; a truth community key (`C<lao><nn>`) is mapped to our
  own key through world/communities joined to `dim_village` (kind community) on (lao_code,
  normalised name), else (subdistrict_code, normalised name); the name is normalised by dropping
  all whitespace (zero-width included) and a leading `ชุมชน`. An unmapped key stays as it is, so
  it can only be missed.
- precision = correct (row, village) pairs / predicted pairs; recall = correct / true pairs.
  Rows are counted as exact (predicted set = true set, empty sets included), wrong (something
  predicted, but not exactly the true set), unresolved (nothing predicted for a row with a true
  village) and missing (neither published nor quarantined).

Duplicate pairs, over the `fct_plan_item` rows whose delivered row is a truth `data` row of a
plan dataset (items of superseded editions, re-exported duplicates or unknown rows are left out
and counted):
- a true pair: two items of different delivered rows of the same truth project, both in the
  project's own fiscal year (world/projects);
- a predicted pair: two items of different delivered rows with the same integrated_project_id;
- precision = |predicted ∩ true| / |predicted|, recall = |predicted ∩ true| / |true|, F1. Both
  sides only hold published items, so a quarantined row does not count against recall; the
  true pairs lost because a side is not published are counted apart (an upper bound where the
  unpublished side is a DLA record: its fiscal years are not in the truth).
- per agency pair (dopa-cdd, dopa-dla, cdd-dla; a same-agency pair such as dopa-dopa shows up
  only when it occurs) and overall. Pairs are counted from group sizes in DuckDB, never
  enumerated, so an oversized integrated project cannot blow the count up.

Worst confusions: the most frequent (true villages → predicted villages) confusions with an
example row; the integrated projects with the most false pairs, with an example pair; the missed
pairs with the largest budget (the money counted twice).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PLAN_DATASETS = {
    "dopa/village_plans": "dopa",
    "cdd/community_plans": "cdd",
    "dla/plan_projects": "dla",
}
AGENCIES = ("dopa", "cdd", "dla")
AGENCY_PAIRS = ("dopa-cdd", "dopa-dla", "cdd-dla")
VILLAGE_REASONS = ("village_unresolved", "village_inconsistent")
WAREHOUSE_TABLES = ("fct_plan_item", "bridge_plan_item_village", "dim_village", "quarantine")
TARGETS = {
    "village_precision": 0.995,
    "village_recall": 0.98,
    "pair_precision": 0.95,
    "pair_recall": 0.90,
}
# What an engineer needs to see of a delivered row, from the raw archive when it is at hand.
RAW_DELIVERED = {
    "dopa": ("dopa__village_plans", "concat_ws(' / ', 'village_code ' || village_code)"),
    "cdd": (
        "cdd__community_plans",
        "concat_ws(' / ', district_name, subdistrict_name, moo, village_name)",
    ),
    "dla": ("dla__plan_projects", "concat_ws(' / ', 'lao ' || lao_code, target)"),
}


class ScoreError(Exception):
    """The warehouse or the truth is missing or unreadable: nothing could be scored."""


@dataclass(frozen=True)
class VillageScore:
    scope: str  # an agency, or "all"
    rows: int  # truth data rows in scope
    exact: int
    wrong: int
    unresolved: int
    missing: int  # neither published nor quarantined (also counted as exact or unresolved)
    out_of_scope: int  # quarantined for reasons other than the village
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int
    precision: float | None
    recall: float | None


@dataclass(frozen=True)
class PairScore:
    scope: str  # an agency pair such as "dopa-cdd", or "all"
    predicted: int
    true: int
    correct: int
    unpublished_true: int  # true pairs lost because a side is quarantined or missing
    precision: float | None
    recall: float | None
    f1: float | None


@dataclass(frozen=True)
class Check:
    name: str
    value: float | None
    target: float
    passed: bool


@dataclass(frozen=True)
class VillageConfusion:
    agency: str
    rows: int  # rows with this same confusion
    status: str  # published | village_quarantined | missing (of the example row)
    source_file: str
    source_row: str
    title: str | None
    delivered: str | None
    predicted: list[str]
    true: list[str]


@dataclass(frozen=True)
class ItemRef:
    agency: str
    source_file: str
    source_row: str
    fiscal_year: int | None
    title: str | None
    budget_thb: float | None
    integrated_project_id: str | None
    project_id: str | None  # the truth's


@dataclass(frozen=True)
class PairConfusion:
    kind: str  # false_merge | missed
    false_pairs: int  # in the integrated project (false merges); 1 for a missed pair
    a: ItemRef
    b: ItemRef


@dataclass
class Score:
    database: str
    truth: str
    village: list[VillageScore]
    pairs: list[PairScore]
    checks: list[Check]
    unmapped_communities: int
    unscored_items: dict[str, int]
    village_confusions: list[VillageConfusion] = field(default_factory=list)
    false_merges: list[PairConfusion] = field(default_factory=list)
    missed_pairs: list[PairConfusion] = field(default_factory=list)

    def overall_village(self) -> VillageScore:
        return next(v for v in self.village if v.scope == "all")

    def overall_pairs(self) -> PairScore:
        return next(p for p in self.pairs if p.scope == "all")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Inputs:
    database: Path
    schema: str
    truth: Path


# ---------------------------------------------------------------- inputs


def locate(warehouse: Path, truth: Path) -> Inputs:
    """The published file if there is one, else the work database; and a usable truth folder."""
    published = warehouse / "village_plans.duckdb"
    work = warehouse / "work" / "work.duckdb"
    if published.is_file():
        database, schema = published, "main"
    elif work.is_file():
        database, schema = work, "marts"
    else:
        raise ScoreError(f"no warehouse in {warehouse}: neither {published} nor {work} exists")
    if not (truth / "deliveries").is_dir():
        raise ScoreError(f"no ground truth in {truth}: {truth / 'deliveries'} does not exist")
    if not _plan_truth_globs(truth):
        raise ScoreError(f"the truth in {truth} holds no plan datasets")
    if not list((truth / "world").glob("projects_*.parquet")):
        raise ScoreError(f"the truth in {truth} has no world/projects_*.parquet")
    return Inputs(database, schema, truth)


def _plan_truth_globs(truth: Path) -> list[str]:
    folders = [truth / "deliveries" / d.replace("/", "__") for d in PLAN_DATASETS]
    return [str(f / "*.parquet") for f in folders if list(f.glob("*.parquet"))]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list_lit(items: list[str]) -> str:
    return "[" + ", ".join(_lit(i) for i in items) + "]"


def connect(inputs: Inputs, scratch: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory session with the warehouse attached read-only and the truth loaded as temp
    tables keyed by an integer row id (string keys are joined once, on load)."""
    con = duckdb.connect()
    # The national scale does not fit comfortably in memory: let DuckDB spill, in any order.
    con.execute("set preserve_insertion_order = false")
    if scratch is not None:
        con.execute(f"set temp_directory = {_lit(str(scratch))}")
    try:
        con.execute(f"attach {_lit(str(inputs.database))} as wh (read_only)")
    except duckdb.Error as error:
        con.close()
        raise ScoreError(f"cannot open {inputs.database} read-only: {error}") from error
    present = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = 'wh' and table_schema = ?",
            [inputs.schema],
        ).fetchall()
    }
    missing = [t for t in WAREHOUSE_TABLES if t not in present]
    if missing:
        con.close()
        raise ScoreError(
            f"{inputs.database} (schema {inputs.schema}) lacks {', '.join(missing)}: "
            "build the warehouse first (muban run)"
        )
    for table in WAREHOUSE_TABLES:
        con.execute(f"create temp view w_{table} as select * from wh.{inputs.schema}.{table}")
    _define_macros(con)
    _load(con, inputs)
    return con


def _define_macros(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(r"""
        create temp macro file_key(f) as regexp_extract(f, '[^/]*$');
        create temp macro row_key(agency, f, r) as
            agency || chr(31) || case when agency = 'dla' then '' else file_key(f) end
            || chr(31) || r;
        create temp macro display_file(agency, f) as
            case when agency = 'dla' then f else file_key(f) end;
        -- Thai digits read as Arabic: the truth names ชุมชนเทศบาล ๑, the warehouse ชุมชนเทศบาล 1
        create temp macro norm_name(s) as regexp_replace(
            regexp_replace(translate(s, '๐๑๒๓๔๕๖๗๘๙', '0123456789'),
                '[\s\p{Z}\x{200B}-\x{200D}\x{FEFF}]', '', 'g'), '^ชุมชน', '');
        create temp macro agency_rank(a) as
            case a when 'dopa' then 0 when 'cdd' then 1 when 'dla' then 2 else 3 end;
        -- each unordered pair of items once: agencies in the order dopa, cdd, dla, then row ids
        create temp macro pair_order(a_agency, a_rid, b_agency, b_rid) as
            agency_rank(a_agency) < agency_rank(b_agency)
            or (a_agency = b_agency and a_rid < b_rid);
    """)


def _load(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> None:
    world = inputs.truth / "world"
    agency_of = " ".join(f"when {_lit(d)} then {_lit(a)}" for d, a in PLAN_DATASETS.items())
    con.execute(f"""
        create temp table truth_rows as
        with t as (
            select *, case dataset {agency_of} end as agency
            from read_parquet({_list_lit(_plan_truth_globs(inputs.truth))}, union_by_name = true)
        ), keyed as (
            select *, case when agency = 'dla' then record_id else source_row::varchar end as key_row
            from t where agency is not null
        )
        select (row_number() over ())::integer as rid, row_key(agency, source_file, key_row) as row_key,
            agency, display_file(agency, source_file) as source_file, key_row as source_row,
            row_kind, row_kind = 'data' as is_data, village_keys, project_id
        from keyed
    """)
    con.execute(f"""
        create temp table projects as
        select project_id, any_value(fiscal_year) as fiscal_year
        from read_parquet({_lit(str(world / "projects_*.parquet"))}, union_by_name = true)
        group by 1
    """)
    _load_communities(con, world)
    _load_names(con, world)
    # rid is null for an item whose delivered row the truth does not know
    con.execute("""
        create temp table items as
        select f.plan_item_id, f.source as agency, f.fiscal_year, f.village_code,
            f.budget_thb::double as budget_thb, f.integrated_project_id::varchar as ipid, r.rid
        from (
            select *, row_key(source, source_file, source_row::varchar) as row_key
            from w_fct_plan_item
        ) f
        left join truth_rows r using (row_key)
    """)
    con.execute("""
        create temp table predicted_villages as
        select i.rid, b.village_code
        from w_bridge_plan_item_village b join items i using (plan_item_id)
        where i.rid is not null and b.village_code is not null
        union
        select rid, village_code from items where rid is not null and village_code is not null
    """)
    # Quarantine rows carry their agency in the dataset; DLA year-level datasets count too.
    con.execute(f"""
        create temp table quarantined as
        select r.rid,
            bool_or(list_has_any(q.reason_codes, {_list_lit(list(VILLAGE_REASONS))})) as village_reason
        from w_quarantine q
        join truth_rows r
            on r.row_key = row_key(split_part(q.dataset, '/', 1), q.source_file, q.source_row::varchar)
        where list_contains({_list_lit(list(PLAN_DATASETS))}, q.dataset)
            or q.dataset like 'dla/plan_project%'
        group by 1
    """)


def _load_communities(con: duckdb.DuckDBPyConnection, world: Path) -> None:
    """Truth community key → our community key, on (LAO, name), else (subdistrict, name)."""
    theirs = (
        f"select community_key, lao_code, subdistrict_code, norm_name(name_th) as name_key "
        f"from read_parquet({_lit(str(world / 'communities_*.parquet'))}, union_by_name = true)"
        if list(world.glob("communities_*.parquet"))
        else "select null::varchar as community_key, null::varchar as lao_code, "
        "null::varchar as subdistrict_code, null::varchar as name_key where false"
    )
    con.execute(f"""
        create temp table community_map as
        with theirs as ({theirs}),
        ours as (
            select village_code, lao_code, subdistrict_code, norm_name(name_th) as name_key,
                coalesce(is_current, false) as is_current
            from w_dim_village where kind = 'community'
        ),
        by_lao as (
            select t.community_key,
                first(o.village_code order by o.is_current desc, o.village_code) as village_code
            from theirs t join ours o on o.lao_code = t.lao_code and o.name_key = t.name_key
            group by 1
        ),
        by_subdistrict as (
            select t.community_key,
                first(o.village_code order by o.is_current desc, o.village_code) as village_code
            from theirs t
            join ours o on o.subdistrict_code = t.subdistrict_code and o.name_key = t.name_key
            group by 1
        )
        select t.community_key, coalesce(l.village_code, s.village_code) as village_code
        from theirs t
        left join by_lao l using (community_key)
        left join by_subdistrict s using (community_key)
    """)
    con.execute("""
        create temp table truth_villages as
        select distinct k.rid, coalesce(m.village_code, k.village_key) as village_code
        from (select rid, unnest(village_keys) as village_key from truth_rows where is_data) k
        left join community_map m on m.community_key = k.village_key
    """)


def _load_names(con: duckdb.DuckDBPyConnection, world: Path) -> None:
    """Names to show beside codes: ours first, then the truth world's."""
    parts = [
        "select village_code as code, name_th, 0 as rank from w_dim_village where is_current",
        "select village_code, name_th, 1 from w_dim_village",
    ]
    for pattern, key in (
        ("villages_*.parquet", "village_code"),
        ("communities_*.parquet", "community_key"),
    ):
        if list(world.glob(pattern)):
            parts.append(
                f"select {key}, name_th, 2 "
                f"from read_parquet({_lit(str(world / pattern))}, union_by_name = true)"
            )
    con.execute(f"""
        create temp table names as
        select code, first(name_th order by rank) as name_th
        from ({" union all ".join(parts)}) group by 1
    """)


# ---------------------------------------------------------------- village match


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None or precision + recall == 0:
        return None
    return 2 * precision * recall / (precision + recall)


def _build_village_rows(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        create temp table village_rows as
        select r.rid, r.agency,
            case
                when p.rid is not null then 'published'
                when q.village_reason then 'village_quarantined'
                when q.rid is not null then 'out_of_scope'
                else 'missing'
            end as status
        from truth_rows r
        left join (select distinct rid from items where rid is not null) p using (rid)
        left join quarantined q using (rid)
        where r.is_data
    """)
    # Only a published row predicts villages; an out-of-scope row has no side at all.
    con.execute("""
        create temp table village_row_figures as
        with n_pred as (select rid, count(*) as n from predicted_villages group by 1),
        n_true as (select rid, count(*) as n from truth_villages group by 1),
        n_correct as (
            select rid, count(*) as n
            from predicted_villages join truth_villages using (rid, village_code)
            group by 1
        )
        select s.rid, s.agency, s.status,
            coalesce(p.n, 0) as n_pred,
            if(s.status = 'out_of_scope', 0, coalesce(t.n, 0)) as n_true,
            coalesce(c.n, 0) as n_correct
        from village_rows s
        left join n_pred p using (rid)
        left join n_true t using (rid)
        left join n_correct c using (rid)
    """)


def village_scores(con: duckdb.DuckDBPyConnection) -> list[VillageScore]:
    _build_village_rows(con)
    rows = con.execute("""
        with f as (
            select *, n_pred = n_correct and n_true = n_correct as is_exact
            from village_row_figures
        )
        select coalesce(agency, 'all') as scope,
            count(*) filter (where status <> 'out_of_scope'),
            count(*) filter (where status <> 'out_of_scope' and is_exact),
            count(*) filter (where status <> 'out_of_scope' and not is_exact and n_pred > 0),
            count(*) filter (where status <> 'out_of_scope' and n_pred = 0 and n_true > 0),
            count(*) filter (where status = 'missing'),
            count(*) filter (where status = 'out_of_scope'),
            coalesce(sum(n_pred), 0)::bigint,
            coalesce(sum(n_true), 0)::bigint,
            coalesce(sum(n_correct), 0)::bigint
        from f
        group by grouping sets ((agency), ())
    """).fetchall()
    by_scope = {r[0]: r for r in rows}
    result = []
    for scope in [*AGENCIES, "all"]:
        r = by_scope.get(scope, (scope, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        predicted, true, correct = r[7], r[8], r[9]
        result.append(
            VillageScore(
                scope,
                *r[1:7],
                predicted_pairs=predicted,
                true_pairs=true,
                correct_pairs=correct,
                precision=_ratio(correct, predicted),
                recall=_ratio(correct, true),
            )
        )
    return result


# ---------------------------------------------------------------- duplicate pairs


def _build_pair_items(con: duckdb.DuckDBPyConnection) -> None:
    # tkey: the true group of an item, only when it sits in its project's own fiscal year.
    con.execute("""
        create temp table pair_items as
        select i.plan_item_id, i.rid, r.agency, i.ipid, i.budget_thb, r.project_id,
            case when i.fiscal_year = p.fiscal_year then r.project_id end as tkey
        from items i
        join truth_rows r using (rid)
        left join projects p using (project_id)
        where r.is_data
    """)


LABELS = [(a, b) for i, a in enumerate(AGENCIES) for b in AGENCIES[i:]]


def _pair_groups(con: duckdb.DuckDBPyConnection, name: str, source: str, group: str) -> None:
    """Temp table `pairs_<name>`: per group of `source` (columns `group`, rid, agency), the pairs
    of items of different rows per agency pair (column p_<a>_<b>) and in all (`pairs`), from
    group sizes rather than enumerated pairs: n_a * n_b across agencies; within one agency,
    n(n-1)/2 less the pairs inside a single row (a DLA record's several years)."""
    sizes = ", ".join(
        f"coalesce(sum(n) filter (where agency = '{a}'), 0) as n_{a}, "
        f"coalesce(sum(n * (n - 1) // 2) filter (where agency = '{a}'), 0) as w_{a}"
        for a in AGENCIES
    )
    per_label = [
        f"n_{a} * (n_{a} - 1) // 2 - w_{a}" if a == b else f"n_{a} * n_{b}" for a, b in LABELS
    ]
    columns = ", ".join(
        f"({e})::bigint as p_{a}_{b}" for e, (a, b) in zip(per_label, LABELS, strict=True)
    )
    con.execute(f"""
        create temp table pairs_{name} as
        with per_row as (select {group}, rid, agency, count(*) as n from ({source}) group by all),
        per_group as (select {group}, {sizes} from per_row group by all)
        select {group}, {columns}, ({" + ".join(per_label)})::bigint as pairs from per_group
    """)


def _pair_totals(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, int]:
    sums = ", ".join(f"coalesce(sum(p_{a}_{b}), 0)::bigint" for a, b in LABELS)
    figures = con.execute(f"select {sums} from pairs_{name}").fetchall()[0]
    return {f"{a}-{b}": n for (a, b), n in zip(LABELS, figures, strict=True) if n}


def _unpublished_true_pairs(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """True pairs of truth rows lost because a side has no published item: per project, the pairs
    of the rows that could pair (unpublished, or published in the project's year) less the pairs
    of the published ones. A truth row is one delivered row, so no pair lies inside one."""
    counts = ", ".join(
        f"count(*) filter (where agency = '{a}' and (not published or eligible)) as k_{a}, "
        f"count(*) filter (where agency = '{a}' and eligible) as e_{a}"
        for a in AGENCIES
    )
    sums = ", ".join(
        f"sum(k_{a} * (k_{a} - 1) // 2 - e_{a} * (e_{a} - 1) // 2)::bigint"
        if a == b
        else f"sum(k_{a} * k_{b} - e_{a} * e_{b})::bigint"
        for a, b in LABELS
    )
    figures = con.execute(f"""
        with rows as (
            select t.agency, t.project_id,
                p.rid is not null as published, coalesce(p.eligible, false) as eligible
            from truth_rows t
            left join (
                select rid, bool_or(tkey is not null) as eligible from pair_items group by 1
            ) p using (rid)
            where t.is_data and t.project_id is not null
        ), per_project as (select project_id, {counts} from rows group by 1)
        select {sums} from per_project
    """).fetchall()[0]
    return {f"{a}-{b}": n for (a, b), n in zip(LABELS, figures, strict=True) if n}


def pair_scores(con: duckdb.DuckDBPyConnection) -> list[PairScore]:
    _build_pair_items(con)
    _pair_groups(con, "predicted", "select * from pair_items where ipid is not null", "ipid")
    _pair_groups(con, "true", "select * from pair_items where tkey is not null", "tkey")
    _pair_groups(
        con,
        "correct",
        "select * from pair_items where ipid is not null and tkey is not null",
        "ipid, tkey",
    )
    predicted, true = _pair_totals(con, "predicted"), _pair_totals(con, "true")
    correct = _pair_totals(con, "correct")
    unpublished = _unpublished_true_pairs(con)
    others = sorted({*predicted, *true, *unpublished} - set(AGENCY_PAIRS))
    scores = [
        _pair_score(s, predicted, true, correct, unpublished) for s in [*AGENCY_PAIRS, *others]
    ]
    totals = [{"all": sum(f.values())} for f in (predicted, true, correct, unpublished)]
    scores.append(_pair_score("all", *totals))
    return scores


def _pair_score(
    scope: str,
    predicted: dict[str, int],
    true: dict[str, int],
    correct: dict[str, int],
    unpublished: dict[str, int],
) -> PairScore:
    p, t, c = predicted.get(scope, 0), true.get(scope, 0), correct.get(scope, 0)
    precision, recall = _ratio(c, p), _ratio(c, t)
    return PairScore(
        scope, p, t, c, unpublished.get(scope, 0), precision, recall, _f1(precision, recall)
    )


def unscored_items(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Published items left out of the pair score, by the kind of their delivered row."""
    rows = con.execute("""
        select coalesce(r.row_kind, 'no truth row'), count(*)
        from items i left join truth_rows r using (rid)
        where not coalesce(r.is_data, false)
        group by 1 order by 1
    """).fetchall()
    return dict(rows)


def checks(village: VillageScore, pairs: PairScore) -> list[Check]:
    values = {
        "village_precision": village.precision,
        "village_recall": village.recall,
        "pair_precision": pairs.precision,
        "pair_recall": pairs.recall,
    }
    return [
        Check(name, values[name], target, values[name] is not None and values[name] >= target)
        for name, target in TARGETS.items()
    ]


# ---------------------------------------------------------------- worst confusions


def _label(con: duckdb.DuckDBPyConnection, codes: list[str]) -> list[str]:
    if not codes:
        return []
    names = dict(
        con.execute(
            "select code, name_th from names where list_contains(?, code)", [codes]
        ).fetchall()
    )
    return [f"{c} {names[c]}" if names.get(c) else c for c in codes]


def _delivered(
    con: duckdb.DuckDBPyConnection, raw: str | None, keys: dict[str, list[str]]
) -> dict[str, tuple[str | None, str | None]]:
    """Row key → (village fields, title) as delivered, from the raw archive (best effort: the
    published file alone has no raw rows). One scan per agency, for the few example rows."""
    found: dict[str, tuple[str | None, str | None]] = {}
    for agency, wanted in keys.items():
        if raw is None or agency not in RAW_DELIVERED:
            continue
        table, expression = RAW_DELIVERED[agency]
        try:
            rows = con.execute(
                f"""
                select key, any_value({expression}), any_value(project_name)
                from (select *, row_key({_lit(agency)}, _source_file, _source_row) as key
                      from {raw}.{table})
                where list_contains(?, key) group by key
                """,
                [wanted],
            ).fetchall()
        except duckdb.Error:
            continue
        found.update({key: (fields, title) for key, fields, title in rows})
    return found


def _raw_catalog(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> str | None:
    """Where the raw tables are: the warehouse itself (work database) or the work database beside
    the published file; None when neither can be opened."""
    has_raw = con.execute(
        "select count(*) from duckdb_schemas() where database_name = 'wh' and schema_name = 'raw'"
    ).fetchall()[0][0]
    if has_raw:
        return "wh.raw"
    work = inputs.database.parent / "work" / "work.duckdb"
    if inputs.schema == "marts" or not work.is_file():
        return None
    try:
        con.execute(f"attach {_lit(str(work))} as work (read_only)")
    except duckdb.Error:
        return None
    return "work.raw"


def village_confusions(
    con: duckdb.DuckDBPyConnection, top: int, raw: str | None
) -> list[VillageConfusion]:
    """The most frequent (agency, true villages → predicted villages) confusions."""
    rows = con.execute(
        """
        with bad as (
            select rid, agency, status, n_pred + n_true - 2 * n_correct as n_wrong
            from village_row_figures
            where status <> 'out_of_scope' and not (n_pred = n_correct and n_true = n_correct)
        ), pl as (
            select rid, list(village_code order by village_code) as codes
            from predicted_villages where rid in (select rid from bad) group by 1
        ), tl as (
            select rid, list(village_code order by village_code) as codes
            from truth_villages where rid in (select rid from bad) group by 1
        )
        select b.agency, coalesce(pl.codes, []) as pred, coalesce(tl.codes, []) as truth,
            count(*) as n_rows, min(b.rid) as example, arg_min(b.status, b.rid) as status
        from bad b left join pl using (rid) left join tl using (rid)
        group by b.agency, pred, truth
        order by n_rows desc, len(pred) > 0 desc, max(b.n_wrong) desc, example
        limit ?
        """,
        [top],
    ).fetchall()
    details = {
        rid: (row_key, source_file, source_row, title)
        for rid, row_key, source_file, source_row, title in con.execute(
            """
            select r.rid, r.row_key, r.source_file, r.source_row,
                (select any_value(f.title) from items i join w_fct_plan_item f using (plan_item_id)
                 where i.rid = r.rid) as title
            from truth_rows r where list_contains(?, r.rid)
            """,
            [[r[4] for r in rows]],
        ).fetchall()
    }
    examples: dict[str, list[str]] = {}
    for agency, *_, example, _status in rows:
        examples.setdefault(agency, []).append(details[example][0])
    delivered = _delivered(con, raw, examples)
    result = []
    for agency, pred, truth, n_rows, example, status in rows:
        row_key, source_file, source_row, title = details[example]
        fields, raw_title = delivered.get(row_key, (None, None))
        result.append(
            VillageConfusion(
                agency=agency,
                rows=n_rows,
                status=status,
                source_file=source_file,
                source_row=source_row,
                title=title or raw_title,
                delivered=fields,
                predicted=_label(con, pred),
                true=_label(con, truth),
            )
        )
    return result


def _item_refs(con: duckdb.DuckDBPyConnection, ids: list[Any]) -> dict[Any, ItemRef]:
    rows = con.execute(
        """
        select f.plan_item_id, r.agency, r.source_file, r.source_row, f.fiscal_year, f.title,
            f.budget_thb::double, f.integrated_project_id::varchar, r.project_id
        from w_fct_plan_item f join items i using (plan_item_id) join truth_rows r using (rid)
        where list_contains(?, f.plan_item_id)
        """,
        [ids],
    ).fetchall()
    return {r[0]: ItemRef(*r[1:]) for r in rows}


def _pair_confusions(
    con: duckdb.DuckDBPyConnection, kind: str, rows: list[tuple[Any, Any, int]]
) -> list[PairConfusion]:
    refs = _item_refs(con, [i for a, b, _ in rows for i in (a, b)])
    return [PairConfusion(kind, n, refs[a], refs[b]) for a, b, n in rows]


def false_merges(con: duckdb.DuckDBPyConnection, top: int) -> list[PairConfusion]:
    """The integrated projects with the most false pairs, each with one example pair."""
    rows = con.execute(
        """
        with correct as (
            select ipid, sum(pairs) as pairs from pairs_correct group by 1
        ), worst as (
            select p.ipid, (p.pairs - coalesce(c.pairs, 0))::bigint as false_pairs
            from pairs_predicted p left join correct c using (ipid)
            where p.pairs > coalesce(c.pairs, 0)
        ), ranked as (
            select w.ipid, w.false_pairs, max(i.budget_thb) as budget
            from worst w join pair_items i using (ipid) group by all
            order by false_pairs desc, budget desc nulls last, ipid limit ?
        ), candidates as (
            -- a bounded sample of each group: an example needs no more
            select i.* from pair_items i join ranked using (ipid)
            qualify row_number() over (partition by ipid order by rid, plan_item_id) <= 200
        )
        select a.plan_item_id, b.plan_item_id, w.false_pairs
        from ranked w
        join candidates a on a.ipid = w.ipid
        join candidates b on b.ipid = w.ipid and a.rid <> b.rid
            and pair_order(a.agency, a.rid, b.agency, b.rid)
            and (a.tkey is null or b.tkey is null or a.tkey <> b.tkey)
        qualify row_number() over (
            partition by w.ipid
            order by greatest(a.budget_thb, b.budget_thb) desc nulls last, a.rid, b.rid
        ) = 1
        order by w.false_pairs desc, w.budget desc nulls last, w.ipid
        """,
        [top],
    ).fetchall()
    return _pair_confusions(con, "false_merge", rows)


def missed_pairs(con: duckdb.DuckDBPyConnection, top: int) -> list[PairConfusion]:
    """True pairs the warehouse left apart, the largest budget first (the money counted twice)."""
    rows = con.execute(
        """
        select a.plan_item_id, b.plan_item_id, 1
        from pair_items a
        join pair_items b on a.tkey = b.tkey and a.rid <> b.rid
            and pair_order(a.agency, a.rid, b.agency, b.rid)
        where a.ipid is null or b.ipid is null or a.ipid <> b.ipid
        order by greatest(a.budget_thb, b.budget_thb) desc nulls last, a.rid, b.rid
        limit ?
        """,
        [top],
    ).fetchall()
    return _pair_confusions(con, "missed", rows)


# ---------------------------------------------------------------- the whole score


def score_warehouse(warehouse: Path, truth: Path, top: int = 10) -> Score:
    """Score the warehouse against the truth (raises ScoreError when either is missing)."""
    inputs = locate(warehouse, truth)
    with tempfile.TemporaryDirectory(prefix="muban-score-") as scratch:
        con = connect(inputs, Path(scratch))
        try:
            village = village_scores(con)
            pairs = pair_scores(con)
            unmapped = con.execute(
                "select count(*) from community_map where village_code is null"
            ).fetchall()[0][0]
            return Score(
                database=f"{inputs.database} (schema {inputs.schema})",
                truth=str(inputs.truth),
                village=village,
                pairs=pairs,
                checks=checks(village[-1], pairs[-1]),
                unmapped_communities=unmapped,
                unscored_items=unscored_items(con),
                village_confusions=village_confusions(con, top, _raw_catalog(con, inputs)),
                false_merges=false_merges(con, top),
                missed_pairs=missed_pairs(con, top),
            )
        finally:
            con.close()


# ---------------------------------------------------------------- text


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.4f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        padded = (
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )
        return "  ".join(padded).rstrip()

    return [line(header), *(line(r) for r in rows)]


def _item_text(item: ItemRef) -> str:
    budget = "" if item.budget_thb is None else f", {item.budget_thb:,.0f} THB"
    return (
        f"{item.agency} {item.source_file}#{item.source_row} FY{item.fiscal_year}{budget}: "
        f"{item.title!r} [integrated {item.integrated_project_id}, true {item.project_id}]"
    )


def render_text(score: Score) -> str:
    out = [f"warehouse: {score.database}", f"truth:     {score.truth}", ""]
    out.append("Village match (truth data rows of the plan datasets; pairs = row × village)")
    out += _table(
        [
            "agency",
            "rows",
            "exact",
            "wrong",
            "unresolved",
            "missing",
            "out of scope",
            "precision",
            "recall",
        ],
        [
            [
                v.scope,
                str(v.rows),
                str(v.exact),
                str(v.wrong),
                str(v.unresolved),
                str(v.missing),
                str(v.out_of_scope),
                _fmt(v.precision),
                _fmt(v.recall),
            ]
            for v in score.village
        ],
    )
    out += [
        "",
        "Duplicate pairs (items of different delivered rows; true = same project, in its year)",
    ]
    out += _table(
        ["pair", "predicted", "true", "correct", "precision", "recall", "F1", "true, unpublished"],
        [
            [
                p.scope,
                str(p.predicted),
                str(p.true),
                str(p.correct),
                _fmt(p.precision),
                _fmt(p.recall),
                _fmt(p.f1),
                str(p.unpublished_true),
            ]
            for p in score.pairs
        ],
    )
    out += ["", "Targets (overall)"]
    for c in score.checks:
        out.append(
            f"  {c.name:18} {_fmt(c.value):>7}  target >= {c.target:<5}  {'pass' if c.passed else 'FAIL'}"
        )
    notes = [f"{kind} {n}" for kind, n in score.unscored_items.items()]
    out += [
        "",
        f"truth communities not found in dim_village: {score.unmapped_communities}",
        f"items left out of the pair score: {', '.join(notes) if notes else 'none'}",
    ]
    if score.village_confusions:
        out += ["", f"Worst village confusions (top {len(score.village_confusions)})"]
        for n, v in enumerate(score.village_confusions, 1):
            title = f": {v.title!r}" if v.title else ""
            out.append(
                f"{n:3}. {v.rows}x {v.agency} {v.source_file}#{v.source_row} ({v.status}){title}"
            )
            if v.delivered:
                out.append(f"       delivered: {v.delivered}")
            out.append(f"       predicted: {'; '.join(v.predicted) or '-'}")
            out.append(f"       true:      {'; '.join(v.true) or '- (no such village)'}")
    if score.false_merges:
        out += ["", f"Worst false merges (top {len(score.false_merges)})"]
        for n, m in enumerate(score.false_merges, 1):
            out.append(
                f"{n:3}. integrated project {m.a.integrated_project_id}: {m.false_pairs} false pair(s)"
            )
            out += [f"       {_item_text(m.a)}", f"       {_item_text(m.b)}"]
    if score.missed_pairs:
        out += ["", f"Missed pairs, largest budget first (top {len(score.missed_pairs)})"]
        for n, m in enumerate(score.missed_pairs, 1):
            out.append(f"{n:3}. project {m.a.project_id}")
            out += [f"       {_item_text(m.a)}", f"       {_item_text(m.b)}"]
    return "\n".join(out)
