"""Real-world projects and how each agency plans them.

A village's (or municipal community's) real-world projects for the fiscal year are drawn
first; each is then planned by one, two or three agencies, each wording and costing it its
own way. DLA's five-year plans add projects in other years, projects that target several
villages, and the LAO projects that fund the community-plan process itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.rng import stream
from simulator.textformat import join, lookup, strings, where
from simulator.vocabulary import (
    FESTIVALS,
    PLANNING_PROCESS_TITLES,
    PRODUCTS,
    TEMPLATES,
    VILLAGE_NAME_HEADS,
    VILLAGE_NAME_TAILS,
)

DIMENSIONS = ("ECO", "INF", "HLT", "EDU", "SOC", "ENV", "GOV")
# How often a village's plans touch each dimension at all (the circular's complaint is gaps).
DIMENSION_PLANNED = {
    "INF": 0.95,
    "ECO": 0.85,
    "HLT": 0.7,
    "EDU": 0.75,
    "SOC": 0.6,
    "ENV": 0.55,
    "GOV": 0.6,
}
DIMENSION_WEIGHT = {
    "INF": 3.0,
    "ECO": 1.6,
    "HLT": 1.0,
    "EDU": 1.0,
    "SOC": 0.8,
    "ENV": 0.8,
    "GOV": 0.8,
}
IMPLEMENTATIONS = ("self", "joint", "support")
N_VARIANTS = 3  # every template has three wordings

TEMPLATE_DIMENSION = np.array([DIMENSIONS.index(t.dimension) for t in TEMPLATES])
TEMPLATE_DETAIL = np.array([t.detail for t in TEMPLATES])
TEMPLATE_IMPLEMENTATION = np.array([IMPLEMENTATIONS.index(t.implementation) for t in TEMPLATES])
TEMPLATE_BUDGET = np.array([(t.budget_min, t.budget_max) for t in TEMPLATES], dtype=np.float64)
CORES = pa.array([core for t in TEMPLATES for core in t.cores])
assert all(len(t.cores) == N_VARIANTS for t in TEMPLATES)


@dataclass(frozen=True)
class Wording:
    """How an agency words its plan titles (shares of each variant, per title)."""

    p_prefix: float  # "โครงการ" in front
    variant_weights: tuple[float, float, float]  # which of the template's three wordings
    moo_style_weights: tuple[
        float, float, float, float, float
    ]  # none, หมู่ที่ n, ม.n, หมู่ n, village name


WORDING = {
    "dopa": Wording(0.4, (0.5, 0.3, 0.2), (0.5, 0.2, 0.15, 0.05, 0.1)),
    "cdd": Wording(0.2, (0.4, 0.35, 0.25), (0.7, 0.1, 0.1, 0.05, 0.05)),
    "dla": Wording(0.85, (0.6, 0.3, 0.1), (0.05, 0.55, 0.2, 0.05, 0.15)),
}


@dataclass(frozen=True)
class Plans:
    units: pa.Table  # planning units: villages and communities
    projects: pa.Table  # real-world projects (the truth)
    dopa: pa.Table  # one row per DOPA plan record (canonical values + truth columns)
    cdd: pa.Table
    dla: pa.Table  # one row per (project, edition)


def planning_units(villages: pa.Table, village_lao: pa.Table, communities: pa.Table) -> pa.Table:
    current = villages.filter(pc.not_equal(villages.column("change"), "dissolved"))
    lao = dict(
        zip(
            village_lao.column("village_code").to_pylist(),
            village_lao.column("lao_code").to_pylist(),
            strict=True,
        )
    )
    n_c = communities.num_rows
    return pa.table(
        {
            "unit_key": pa.concat_arrays(
                [
                    strings(current.column("village_code")),
                    strings(communities.column("community_key")),
                ]
            ),
            "kind": pa.array(["village"] * current.num_rows + ["community"] * n_c),
            "village_code": pa.concat_arrays(
                [strings(current.column("village_code")), pa.nulls(n_c, pa.string())]
            ),
            "moo": pa.concat_arrays(
                [current.column("moo").combine_chunks(), pa.nulls(n_c, pa.int32())]
            ),
            "name_th": pa.concat_arrays(
                [strings(current.column("name_th")), strings(communities.column("name_th"))]
            ),
            "name_unique": pa.concat_arrays(
                [current.column("name_unique").combine_chunks(), pa.array([True] * n_c)]
            ),
            "subdistrict_code": pa.concat_arrays(
                [
                    strings(current.column("subdistrict_code")),
                    strings(communities.column("subdistrict_code")),
                ]
            ),
            "district_code": pa.concat_arrays(
                [
                    strings(current.column("district_code")),
                    strings(communities.column("district_code")),
                ]
            ),
            "lao_code": pa.concat_arrays(
                [
                    lookup(lao, current.column("village_code")),
                    strings(communities.column("lao_code")),
                ]
            ),
            "households": pa.concat_arrays(
                [
                    current.column("households").combine_chunks(),
                    pa.array(np.full(n_c, 300, np.int32)),
                ]
            ),
        }
    )


def _pick(rng: np.random.Generator, words: tuple[str, ...], n: int) -> pa.Array:
    return pa.array(words).take(pa.array(rng.integers(0, len(words), n)))


def _details(rng: np.random.Generator, template: np.ndarray, unit_names: pa.Array) -> pa.Array:
    """What tells two projects of one kind in one village apart (a road, a lane, a temple…)."""
    n = len(template)
    kind = TEMPLATE_DETAIL[template]
    own = pc.utf8_slice_codeunits(unit_names, 0, 40)
    other = join("บ้าน", _pick(rng, VILLAGE_NAME_HEADS, n), _pick(rng, VILLAGE_NAME_TAILS, n))
    lane = pc.cast(pa.array(rng.integers(1, 16, n)), pa.string())
    length = pc.cast(pa.array(rng.integers(4, 41, n) * 50), pa.string())
    out = pa.array(np.full(n, ""), pa.string())
    out = where(kind == "road", join("สาย", own, "-", other), out)
    out = where(kind == "lane", join("ซอย ", lane), out)
    out = where(
        kind == "temple",
        join("วัด", _pick(rng, VILLAGE_NAME_HEADS, n), _pick(rng, VILLAGE_NAME_TAILS, n)),
        out,
    )
    out = where(kind == "length", join("ยาว ", length, " เมตร"), out)
    out = where(kind == "product", join("แปรรูป", _pick(rng, PRODUCTS, n)), out)
    return where(kind == "festival", _pick(rng, FESTIVALS, n), out)


def word(
    rng: np.random.Generator,
    template: np.ndarray,
    detail: pa.Array,
    moo: pa.Array,
    unit_name: pa.Array,
    wording: Wording,
) -> pa.Array:
    """One agency's wording of each project: with or without โครงการ, its own abbreviations,
    and its own way of naming the village (หมู่ที่ 3, ม.3, บ้าน…)."""
    n = len(template)
    variant = rng.choice(N_VARIANTS, size=n, p=wording.variant_weights)
    core = CORES.take(pa.array(template * N_VARIANTS + variant))
    prefix = where(
        rng.random(n) < wording.p_prefix, pa.array(np.full(n, "โครงการ")), pa.array(np.full(n, ""))
    )
    # Lanes are also written ซ.3 and lengths ระยะทาง … ม.
    short_lane = rng.random(n) < 0.3
    detail = where(short_lane, pc.replace_substring(detail, "ซอย ", "ซ."), detail)
    detail = where(
        short_lane,
        pc.replace_substring(pc.replace_substring(detail, "ยาว ", "ระยะทาง "), " เมตร", " ม."),
        detail,
    )
    moo_text = pc.cast(moo, pa.string())
    style = rng.choice(5, size=n, p=wording.moo_style_weights)
    suffix = pa.array(np.full(n, ""), pa.string())
    suffix = where(style == 1, join(" หมู่ที่ ", moo_text), suffix)
    suffix = where(style == 2, join(" ม.", moo_text), suffix)
    suffix = where(style == 3, join(" หมู่ ", moo_text), suffix)
    suffix = where(style == 4, join(" ", unit_name), suffix)
    suffix = pc.fill_null(suffix, "")  # communities have no หมู่
    spaced = pc.not_equal(detail, "")
    return join(
        prefix,
        core,
        where(np.asarray(spaced), pa.array(np.full(n, " ")), pa.array(np.full(n, ""))),
        detail,
        suffix,
    )


def _budgets(rng: np.random.Generator, template: np.ndarray) -> np.ndarray:
    low, high = TEMPLATE_BUDGET[template, 0], TEMPLATE_BUDGET[template, 1]
    raw = np.exp(rng.uniform(np.log(low), np.log(high)))
    step = np.where(raw >= 100_000, 10_000, 1_000)
    return (np.round(raw / step) * step).astype(np.int64)


def _vary(rng: np.random.Generator, budget: np.ndarray, share: float, spread: float) -> np.ndarray:
    """The same project costed slightly differently by another agency."""
    factor = np.where(
        rng.random(len(budget)) < share, rng.uniform(1 - spread, 1 + spread, len(budget)), 1.0
    )
    return (np.round(budget * factor / 1_000) * 1_000).astype(np.int64)


def plan(
    units: pa.Table,
    lao_area: pa.Table,
    province_code: str,
    fiscal_year: int,
    period: tuple[int, int],
    seed: int,
) -> Plans:
    rng = stream(seed, "projects", province_code, units.num_rows)
    n_units = units.num_rows
    is_village = np.asarray(pc.equal(units.column("kind"), "village"))
    # Which dimensions each unit plans at all; a few units plan nothing.
    planned = np.stack([rng.random(n_units) < DIMENSION_PLANNED[d] for d in DIMENSIONS], axis=1)
    has_plan = rng.random(n_units) >= 0.03
    counts = np.where(has_plan, rng.poisson(28, n_units), 0)
    unit_of = np.repeat(np.arange(n_units), counts)
    n = len(unit_of)
    weights = planned[unit_of] * np.array([DIMENSION_WEIGHT[d] for d in DIMENSIONS])
    weights[weights.sum(axis=1) == 0, DIMENSIONS.index("INF")] = 1.0
    cumulative = np.cumsum(weights, axis=1)
    dimension = (rng.random(n)[:, None] * cumulative[:, -1:] > cumulative).sum(axis=1)
    template = np.empty(n, dtype=np.int64)
    for d in range(len(DIMENSIONS)):
        members = np.flatnonzero(d == TEMPLATE_DIMENSION)
        rows = dimension == d
        template[rows] = members[rng.integers(0, len(members), rows.sum())]
    unit_names = units.column("name_th").take(pa.array(unit_of))
    detail = _details(rng, template, unit_names)
    budget = _budgets(rng, template)
    usual = TEMPLATE_IMPLEMENTATION[template]
    implementation = np.where(rng.random(n) < 0.75, usual, rng.integers(0, 3, n))
    village_row = is_village[unit_of]
    support = implementation == 2
    in_dopa = village_row & (rng.random(n) < 0.6)
    in_cdd = rng.random(n) < np.where(village_row, 0.5, 0.65)
    in_dla = rng.random(n) < np.where(support, 0.3, 0.06)
    orphan = ~(in_dopa | in_cdd | in_dla)
    in_dopa |= orphan & village_row
    in_cdd |= orphan & ~village_row
    prefix = f"P{province_code}-{fiscal_year}-"
    project_id = join(prefix, pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), 7, "0"))
    moo = units.column("moo").take(pa.array(unit_of))
    canonical = join(CORES.take(pa.array(template * N_VARIANTS)), " ", detail)
    projects = pa.table(
        {
            "project_id": project_id,
            "unit_key": units.column("unit_key").take(pa.array(unit_of)),
            "subdistrict_code": units.column("subdistrict_code").take(pa.array(unit_of)),
            "lao_code": units.column("lao_code").take(pa.array(unit_of)),
            "fiscal_year": pa.array(np.full(n, fiscal_year, np.int32)),
            "dimension_code": pa.array(np.array(DIMENSIONS)[dimension]),
            "title": pc.utf8_trim_whitespace(canonical),
            "budget_thb": pa.array(budget),
            "implementation": pa.array(np.array(IMPLEMENTATIONS)[implementation]),
            "in_dopa": pa.array(in_dopa),
            "in_cdd": pa.array(in_cdd),
            "in_dla": pa.array(in_dla),
        }
    )
    base = {
        "project_id": project_id,
        "unit_row": pa.array(unit_of),
        "template": pa.array(template),
        "dimension": pa.array(dimension),
        "implementation": pa.array(implementation),
    }

    def records(mask: np.ndarray, title: pa.Array, amount: np.ndarray) -> pa.Table:
        keep = pa.array(mask)
        table = pa.table({**base, "title": title, "budget": pa.array(amount)})
        return table.filter(keep)

    dopa = records(
        in_dopa,
        word(rng, template, detail, moo, unit_names, WORDING["dopa"]),
        budget,
    )
    cdd = records(
        in_cdd,
        word(rng, template, detail, moo, unit_names, WORDING["cdd"]),
        _vary(rng, budget, 0.3, 0.1),
    )
    dla_village = records(
        in_dla,
        word(rng, template, detail, moo, unit_names, WORDING["dla"]),
        _vary(rng, budget, 0.5, 0.12),
    )
    dla = _dla_records(
        rng, units, lao_area, dla_village, projects, fiscal_year, period, province_code
    )
    return Plans(
        units=units,
        projects=pa.concat_tables([projects, dla.projects], promote_options="default"),
        dopa=dopa,
        cdd=cdd,
        dla=dla.records,
    )


@dataclass(frozen=True)
class _Dla:
    records: pa.Table
    projects: pa.Table


def _dla_records(
    rng: np.random.Generator,
    units: pa.Table,
    lao_area: pa.Table,
    village_items: pa.Table,
    projects: pa.Table,
    fiscal_year: int,
    period: tuple[int, int],
    province_code: str,
) -> _Dla:
    """DLA plan projects: per LAO, five-year plans; the same project may sit in another year."""
    years = np.arange(period[0], period[1] + 1)
    n = village_items.num_rows
    # The year DLA plans a village project for: usually the village's year, sometimes the next.
    shift = np.where(rng.random(n) < 0.15, rng.choice([-1, 1], n), 0)
    year = np.clip(fiscal_year + shift, period[0], period[1])
    unit_row = village_items.column("unit_row").to_numpy()
    own = pa.table(
        {
            "project_id": village_items.column("project_id"),
            "unit_row": village_items.column("unit_row"),
            "template": village_items.column("template"),
            "dimension": village_items.column("dimension"),
            "title": village_items.column("title"),
            "first_year": pa.array(year.astype(np.int32)),
            "n_years": pa.array(np.ones(n, np.int32)),
            "budget": village_items.column("budget"),
            "targets": pa.array(
                units.column("unit_key").take(pa.array(unit_row)).to_pylist(), pa.string()
            ),
            "target_kind": pa.array(np.full(n, "unit")),
        }
    )
    # Village projects in the plan's other years: planned by DLA only.
    n_units = units.num_rows
    other_counts = rng.poisson(2.6, n_units)
    other_unit = np.repeat(np.arange(n_units), other_counts)
    m = len(other_unit)
    other_template = rng.integers(0, len(TEMPLATES), m)
    other_template = np.where(rng.random(m) < 0.6, _infrastructure(rng, m), other_template)
    other_years = years[years != fiscal_year]
    other_year = other_years[rng.integers(0, len(other_years), m)]
    names = units.column("name_th").take(pa.array(other_unit))
    detail = _details(rng, other_template, names)
    moo = units.column("moo").take(pa.array(other_unit))
    other_title = word(rng, other_template, detail, moo, names, WORDING["dla"])
    other_ids = join(
        f"P{province_code}-D-", pc.utf8_lpad(pc.cast(pa.array(np.arange(m)), pa.string()), 7, "0")
    )
    other = pa.table(
        {
            "project_id": other_ids,
            "unit_row": pa.array(other_unit),
            "template": pa.array(other_template),
            "dimension": pa.array(TEMPLATE_DIMENSION[other_template]),
            "title": other_title,
            "first_year": pa.array(other_year.astype(np.int32)),
            "n_years": pa.array(np.ones(m, np.int32)),
            "budget": pa.array(_budgets(rng, other_template)),
            "targets": units.column("unit_key").take(pa.array(other_unit)),
            "target_kind": pa.array(np.full(m, "unit")),
        }
    )
    multi, multi_projects = _multi_village(rng, units, lao_area, years, province_code)
    all_items = pa.concat_tables([own, other, multi], promote_options="default")
    truth_projects = pa.concat_tables(
        [
            pa.table(
                {
                    "project_id": other_ids,
                    "unit_key": units.column("unit_key").take(pa.array(other_unit)),
                    "subdistrict_code": units.column("subdistrict_code").take(pa.array(other_unit)),
                    "lao_code": units.column("lao_code").take(pa.array(other_unit)),
                    "fiscal_year": pa.array(other_year.astype(np.int32)),
                    "dimension_code": pa.array(
                        np.array(DIMENSIONS)[TEMPLATE_DIMENSION[other_template]]
                    ),
                    "title": pc.utf8_trim_whitespace(
                        join(CORES.take(pa.array(other_template * N_VARIANTS)), " ", detail)
                    ),
                    "budget_thb": other.column("budget"),
                    "implementation": pa.array(np.full(m, "support")),
                    "in_dopa": pa.array(np.zeros(m, bool)),
                    "in_cdd": pa.array(np.zeros(m, bool)),
                    "in_dla": pa.array(np.ones(m, bool)),
                }
            ),
            multi_projects,
        ],
        promote_options="default",
    )
    return _Dla(records=all_items, projects=truth_projects)


def _infrastructure(rng: np.random.Generator, n: int) -> np.ndarray:
    members = np.flatnonzero(DIMENSIONS.index("INF") == TEMPLATE_DIMENSION)
    return members[rng.integers(0, len(members), n)]


def _multi_village(
    rng: np.random.Generator,
    units: pa.Table,
    lao_area: pa.Table,
    years: np.ndarray,
    province_code: str,
) -> tuple[pa.Table, pa.Table]:
    """LAO projects that target several villages (หมู่ที่ 1-4,7; ทุกหมู่บ้าน), and the projects
    that fund the community-plan process (in some LAOs, not all)."""
    local = units.filter(pc.is_valid(units.column("lao_code")))
    by_lao: dict[str, list[tuple[str, int | None, str]]] = {}
    for key, moo, sub, lao in zip(
        local.column("unit_key").to_pylist(),
        local.column("moo").to_pylist(),
        local.column("subdistrict_code").to_pylist(),
        local.column("lao_code").to_pylist(),
        strict=True,
    ):
        by_lao.setdefault(lao, []).append((key, moo, sub))
    rows: dict[str, list] = {
        k: []
        for k in (
            "project_id",
            "lao_code",
            "template",
            "dimension",
            "title",
            "first_year",
            "n_years",
            "budget",
            "targets",
            "target_kind",
            "subdistrict_code",
        )
    }
    seq = 0
    for lao in sorted(by_lao):
        members = by_lao[lao]
        villages_only = [m for m in members if m[1] is not None]
        n_projects = int(rng.poisson(6))
        for _ in range(n_projects):
            template = (
                int(_infrastructure(rng, 1)[0])
                if rng.random() < 0.7
                else int(rng.integers(0, len(TEMPLATES)))
            )
            everyone = rng.random() < 0.3 or len(villages_only) < 2
            chosen = (
                members
                if everyone
                else [
                    villages_only[i]
                    for i in sorted(
                        rng.choice(
                            len(villages_only),
                            size=int(rng.integers(2, min(6, len(villages_only)) + 1)),
                            replace=False,
                        )
                    )
                ]
            )
            start = int(rng.integers(0, len(years)))
            span = int(rng.integers(1, 3))
            seq += 1
            rows["project_id"].append(f"P{province_code}-M-{seq:06d}")
            rows["lao_code"].append(lao)
            rows["template"].append(template)
            rows["dimension"].append(int(TEMPLATE_DIMENSION[template]))
            rows["title"].append(TEMPLATES[template].cores[int(rng.integers(0, N_VARIANTS))])
            rows["first_year"].append(int(years[start]))
            rows["n_years"].append(min(span, len(years) - start))
            rows["budget"].append(int(_budgets(rng, np.array([template]))[0]))
            rows["targets"].append(";".join(m[0] for m in chosen))
            rows["target_kind"].append("all" if everyone else "list")
            rows["subdistrict_code"].append(chosen[0][2])
        if rng.random() < 0.6:
            # The community-plan process, budgeted for three to five years of the plan.
            seq += 1
            span = int(rng.integers(3, len(years) + 1))
            rows["project_id"].append(f"P{province_code}-M-{seq:06d}")
            rows["lao_code"].append(lao)
            rows["template"].append(-1)
            rows["dimension"].append(DIMENSIONS.index("GOV"))
            rows["title"].append(
                PLANNING_PROCESS_TITLES[int(rng.integers(0, len(PLANNING_PROCESS_TITLES)))]
            )
            rows["first_year"].append(int(years[len(years) - span]))
            rows["n_years"].append(span)
            rows["budget"].append(int(rng.integers(2, 11)) * 10_000)
            rows["targets"].append(";".join(m[0] for m in members))
            rows["target_kind"].append("all")
            rows["subdistrict_code"].append(members[0][2])
    table = pa.table(
        {
            "project_id": pa.array(rows["project_id"], pa.string()),
            "lao_code": pa.array(rows["lao_code"], pa.string()),
            "template": pa.array(rows["template"], pa.int64()),
            "dimension": pa.array(rows["dimension"], pa.int64()),
            "title": pa.array(rows["title"], pa.string()),
            "first_year": pa.array(rows["first_year"], pa.int32()),
            "n_years": pa.array(rows["n_years"], pa.int32()),
            "budget": pa.array(rows["budget"], pa.int64()),
            "targets": pa.array(rows["targets"], pa.string()),
            "target_kind": pa.array(rows["target_kind"], pa.string()),
        }
    )
    truth = pa.table(
        {
            "project_id": table.column("project_id"),
            "unit_key": pa.nulls(table.num_rows, pa.string()),
            "subdistrict_code": pa.array(rows["subdistrict_code"], pa.string()),
            "lao_code": table.column("lao_code"),
            "fiscal_year": table.column("first_year"),
            "dimension_code": pa.array(
                np.array(DIMENSIONS)[np.array(rows["dimension"], dtype=np.int64)]
                if rows["dimension"]
                else [],
                pa.string(),
            ),
            "title": table.column("title"),
            "budget_thb": table.column("budget"),
            "implementation": pa.array(["support"] * table.num_rows, pa.string()),
            "in_dopa": pa.array([False] * table.num_rows),
            "in_cdd": pa.array([False] * table.num_rows),
            "in_dla": pa.array([True] * table.num_rows),
            "targets": table.column("targets"),
        }
    )
    return table, truth
