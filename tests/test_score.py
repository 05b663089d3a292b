"""`muban score` on a hand-built warehouse and truth with known right and wrong matches and merges.

The scenario (P = truth project, I = integrated_project_id, every project in FY 2569):
- DOPA rows 1, CDD 5 and DLA L2 plan P1, all merged in I1: three correct pairs.
- DOPA 2 and CDD 7 plan P2 but stay apart: a missed dopa-cdd pair.
- DOPA 3 (wrong village) and DLA L3 plan P3, but DLA's item is in FY 2570: merging them in I3
  is a false dopa-dla pair.
- CDD 6 and DLA L4 plan the community P7 (truth key C354010101, ours K0001): a correct cdd-dla pair.
- DOPA 8 (P11) and CDD 11 (P12) merged in I11: a false dopa-cdd pair.
- DOPA 7 (P6) is quarantined for its village, CDD 10 (P6) published: a true pair lost to quarantine;
  CDD 8 (P8) is missing altogether, DLA L5 (P8) published: another.
- DOPA 4 names no real village and is quarantined village_unresolved (exact: nothing on both sides);
  DOPA 6 is quarantined for a negative budget only (out of scope); DOPA 5 is a re-exported
  duplicate and DLA L1:ฉบับแรก a superseded edition (neither is scored).
- DLA L1:แก้ไข targets two villages in two fiscal years; the warehouse found one of the villages.
- CDD 9's community (C354010102) maps to ours only through the subdistrict fallback; CDD 12 is
  quarantined for a village inconsistency and a negative budget (in scope, unresolved).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from muban.cli import app
from muban.score import TARGETS, Check, Score, ScoreError, checks, locate, score_warehouse

DOPA_FILE = "village_plans_2569_54.csv"
CDD_FILE = "community_plans_2569_54.xlsx"
API = "/api/v1/plan-projects"

TRUTH_SCHEMA = pa.schema(
    [
        ("dataset", pa.string()),
        ("source_file", pa.string()),
        ("source_row", pa.int64()),
        ("record_id", pa.string()),
        ("row_kind", pa.string()),
        ("village_keys", pa.list_(pa.string())),
        ("project_id", pa.string()),
        ("defects", pa.list_(pa.string())),
    ]
)

# (source_row or record_id, row_kind, village_keys, project_id)
DOPA_TRUTH = [
    (1, "data", ["54010101"], "P1"),
    (2, "data", ["54010102"], "P2"),
    (3, "data", ["54010103"], "P3"),
    (4, "data", [], "P4"),
    (5, "duplicate", ["54010101"], "P1"),
    (6, "data", ["54010105"], "P5"),
    (7, "data", ["54010106"], "P6"),
    (8, "data", ["54010108"], "P11"),
]
CDD_TRUTH = [
    (5, "data", ["54010101"], "P1"),
    (6, "data", ["C354010101"], "P7"),
    (7, "data", ["54010102"], "P2"),
    (8, "data", ["54010107"], "P8"),
    (9, "data", ["C354010102"], "P10"),
    (10, "data", ["54010106"], "P6"),
    (11, "data", ["54010108"], "P12"),
    (12, "data", ["54010109"], "P13"),
    (13, "blank", [], None),
]
DLA_TRUTH = [
    ("L1:ฉบับแรก", "superseded", ["54010101", "54010102"], "P9"),
    ("L1:แก้ไข ครั้งที่ 1", "data", ["54010101", "54010102"], "P9"),
    ("L2:ฉบับแรก", "data", ["54010101"], "P1"),
    ("L3:ฉบับแรก", "data", ["54010103"], "P3"),
    ("L4:ฉบับแรก", "data", ["C354010101"], "P7"),
    ("L5:ฉบับแรก", "data", ["54010107"], "P8"),
]
PROJECTS = ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13"]

# plan_item_id, source, source_file, source_row, fiscal_year, village_code, title, budget, ipid
ITEMS = [
    (1, "dopa", f"dopa/village_plans/{DOPA_FILE}", "1", 2569, "54010101", "ถนน ม.1", 100, "I1"),
    (2, "dopa", DOPA_FILE, "2", 2569, "54010102", "ประปา ม.2", 200, "I2"),
    (3, "dopa", DOPA_FILE, "3", 2569, "54010104", "ฝาย ม.3", 500_000, "I3"),
    (4, "dopa", DOPA_FILE, "8", 2569, "54010108", "ศาลา ม.8", 100_000, "I11"),
    (5, "cdd", CDD_FILE, "5", 2569, "54010101", "ถนน คสล. ม.1", 110, "I1"),
    (6, "cdd", CDD_FILE, "6", 2569, "K0001", "ลานกีฬา ชุมชนวัดกลาง", 300, "I7"),
    (7, "cdd", CDD_FILE, "7", 2569, "54010102", "ประปาหมู่บ้าน", 210, "I2b"),
    (8, "cdd", CDD_FILE, "9", 2569, "K0002", "ท่อระบายน้ำ", 400, "I10"),
    (9, "cdd", CDD_FILE, "10", 2569, "54010106", "อบรมอาชีพ", 50, "I6"),
    (10, "cdd", CDD_FILE, "11", 2569, "54010108", "ศาลา", 90_000, "I11"),
    (11, "dla", API, "L1:ฉบับแรก", 2569, None, "ถนน ม.1-2", 700, "I9"),
    (12, "dla", API, "L1:แก้ไข ครั้งที่ 1", 2569, None, "ถนน ม.1-2", 700, "I9"),
    (13, "dla", API, "L1:แก้ไข ครั้งที่ 1", 2570, None, "ถนน ม.1-2", 700, "I9"),
    (14, "dla", API, "L2:ฉบับแรก", 2569, "54010101", "โครงการถนน หมู่ที่ 1", 120, "I1"),
    (15, "dla", API, "L3:ฉบับแรก", 2570, "54010103", "โครงการฝาย หมู่ที่ 3", 450_000, "I3"),
    (16, "dla", API, "L4:ฉบับแรก", 2569, None, "ลานกีฬา", 310, "I7"),
    (17, "dla", API, "L5:ฉบับแรก", 2569, "54010107", "ถนน ม.7", 80, "I8"),
]
# The bridge: every targeted village; DLA L5 is left to fct_plan_item.village_code on purpose.
BRIDGE = [(i[0], i[5]) for i in ITEMS if i[5] and i[0] != 17] + [
    (11, "54010101"),
    (12, "54010101"),
    (13, "54010101"),
    (16, "K0001"),
]
QUARANTINE = [
    ("dopa", "dopa/village_plans", DOPA_FILE, "4", ["village_unresolved"]),
    ("dopa", "dopa/village_plans", DOPA_FILE, "5", ["duplicate_row"]),
    ("dopa", "dopa/village_plans", f"dopa/village_plans/{DOPA_FILE}", "6", ["negative_budget"]),
    ("dopa", "dopa/village_plans", DOPA_FILE, "7", ["village_unresolved"]),
    ("cdd", "cdd/community_plans", CDD_FILE, "12", ["negative_budget", "village_inconsistent"]),
    # the certification sheet shares the workbook: its rows must not be taken for plan rows
    ("cdd", "cdd/certification", CDD_FILE, "8", ["village_unresolved"]),
]
DIM_VILLAGE = [
    ("54010101", "village", "บ้านม่วง", "540101", "3540101", True),
    ("54010103", "village", "บ้านหาดเก่า", "540101", "3540101", True),
    ("54010104", "village", "บ้านหาดใหม่", "540101", "3540101", True),
    # Thai digits on one side, Arabic on the other: still the same community
    ("K0001", "community", "ชุมชน เทศบาล 1", "540101", "3540101", True),
    # wrong LAO on our side: found only through (subdistrict, name)
    ("K0002", "community", "ท่าน้ำ", "540101", "9999999", True),
]
COMMUNITIES = [
    ("C354010101", "3540101", "540101", "ชุมชนเทศบาล ๑"),
    ("C354010102", "3540101", "540101", "ชุมชนท่าน้ำ"),
    ("C354010103", "3540101", "540101", "ชุมชนไม่มีในคลัง"),
]


def write_truth(root: Path) -> Path:
    def part(dataset: str, rows: list[dict]) -> None:
        folder = root / "deliveries" / dataset.replace("/", "__")
        folder.mkdir(parents=True)
        pq.write_table(pa.Table.from_pylist(rows, TRUTH_SCHEMA), folder / "54.parquet")

    def row(dataset: str, file: str, key: int | str, kind: str, keys: list, project: str | None):
        api = isinstance(key, str)
        return {
            "dataset": dataset,
            "source_file": file,
            "source_row": None if api else key,
            "record_id": key if api else None,
            "row_kind": kind,
            "village_keys": keys,
            "project_id": project,
            "defects": None,
        }

    part("dopa/village_plans", [row("dopa/village_plans", DOPA_FILE, *r) for r in DOPA_TRUTH])
    part("cdd/community_plans", [row("cdd/community_plans", CDD_FILE, *r) for r in CDD_TRUTH])
    part("dla/plan_projects", [row("dla/plan_projects", API, *r) for r in DLA_TRUTH])
    world = root / "world"
    world.mkdir()
    pq.write_table(
        pa.table({"project_id": PROJECTS, "fiscal_year": pa.array([2569] * 13, pa.int32())}),
        world / "projects_54.parquet",
    )
    pq.write_table(
        pa.table(
            dict(
                zip(
                    ("community_key", "lao_code", "subdistrict_code", "name_th"),
                    zip(*COMMUNITIES, strict=True),
                    strict=True,
                )
            )
        ),
        world / "communities_54.parquet",
    )
    pq.write_table(
        pa.table({"village_code": ["54010103"], "name_th": ["บ้านหาดเก่า"]}),
        world / "villages_54.parquet",
    )
    return root


def write_warehouse(database: Path, schema: str, raw: bool = True, merged: bool = True) -> None:
    database.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(database)) as con:
        con.execute(f"create schema if not exists {schema}; use {schema}")
        con.execute("""
            create table fct_plan_item (
                plan_item_id bigint, source varchar, source_file varchar, source_row varchar,
                fiscal_year integer, village_code varchar, title varchar,
                budget_thb decimal(18, 2), integrated_project_id varchar)
        """)
        items = ITEMS if merged else [(*i[:8], f"alone{i[0]}") for i in ITEMS]
        con.executemany("insert into fct_plan_item values (?, ?, ?, ?, ?, ?, ?, ?, ?)", items)
        con.execute(
            "create table bridge_plan_item_village (plan_item_id bigint, village_code varchar)"
        )
        con.executemany("insert into bridge_plan_item_village values (?, ?)", BRIDGE)
        con.execute("""
            create table dim_village (village_code varchar, kind varchar, name_th varchar,
                subdistrict_code varchar, lao_code varchar, is_current boolean)
        """)
        con.executemany("insert into dim_village values (?, ?, ?, ?, ?, ?)", DIM_VILLAGE)
        con.execute("""
            create table quarantine (agency varchar, dataset varchar, source_file varchar,
                source_row varchar, reason_codes varchar[])
        """)
        con.executemany("insert into quarantine values (?, ?, ?, ?, ?)", QUARANTINE)
        if raw:
            con.execute("""
                create schema raw;
                create table raw.dopa__village_plans as
                select * from (values
                    ('54010104', 'ฝาย ม.3', 'dopa/village_plans/village_plans_2569_54.csv', '3'),
                    ('5401O106', 'ถนน ม.6', 'dopa/village_plans/village_plans_2569_54.csv', '7')
                ) as t(village_code, project_name, _source_file, _source_row)
            """)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The scenario: a work database (schema marts, with raw rows) and its truth."""
    root = tmp_path_factory.mktemp("score")
    warehouse = root / "warehouse"
    write_warehouse(warehouse / "work" / "work.duckdb", "marts")
    return warehouse, write_truth(root / "truth")


@pytest.fixture(scope="module")
def scored(setup: tuple[Path, Path]) -> Score:
    return score_warehouse(*setup)


def by_scope(figures: list) -> dict:
    return {f.scope: f for f in figures}


def test_village_match_per_agency_and_overall(scored: Score) -> None:
    village = by_scope(scored.village)
    dopa, cdd, dla, total = village["dopa"], village["cdd"], village["dla"], village["all"]
    # DOPA: 1, 2, 8 right, 3 wrong, 4 rightly unresolved, 7 unresolved; 6 out of scope
    assert (dopa.rows, dopa.exact, dopa.wrong, dopa.unresolved, dopa.out_of_scope) == (
        6,
        4,
        1,
        1,
        1,
    )
    assert (dopa.predicted_pairs, dopa.true_pairs, dopa.correct_pairs) == (4, 5, 3)
    assert (dopa.precision, dopa.recall) == (0.75, 0.6)
    # CDD: communities mapped (by LAO and by the subdistrict fallback), 8 missing, 12 unresolved
    assert (cdd.rows, cdd.exact, cdd.wrong, cdd.unresolved, cdd.missing) == (8, 6, 0, 2, 1)
    assert (cdd.precision, cdd.recall) == (1.0, 0.75)
    # DLA: the two-village record found one of them; the superseded edition is not scored
    assert (dla.rows, dla.exact, dla.wrong, dla.unresolved) == (5, 4, 1, 0)
    assert (dla.predicted_pairs, dla.true_pairs, dla.correct_pairs) == (5, 6, 5)
    assert total.rows == 19 and total.out_of_scope == 1 and total.missing == 1
    assert total.precision == pytest.approx(14 / 15)
    assert total.recall == pytest.approx(14 / 19)


def test_duplicate_pairs_per_agency_pair_and_overall(scored: Score) -> None:
    pairs = by_scope(scored.pairs)
    assert list(pairs) == ["dopa-cdd", "dopa-dla", "cdd-dla", "all"]
    figures = {s: (p.predicted, p.true, p.correct, p.unpublished_true) for s, p in pairs.items()}
    assert figures == {
        "dopa-cdd": (2, 2, 1, 1),
        "dopa-dla": (2, 1, 1, 0),
        "cdd-dla": (2, 2, 2, 1),
        "all": (6, 5, 4, 2),
    }
    assert (pairs["dopa-cdd"].precision, pairs["dopa-cdd"].recall, pairs["dopa-cdd"].f1) == (
        0.5,
        0.5,
        0.5,
    )
    assert pairs["dopa-dla"].f1 == pytest.approx(2 / 3)
    total = pairs["all"]
    assert total.precision == pytest.approx(4 / 6)
    assert total.recall == pytest.approx(0.8)
    assert total.f1 == pytest.approx(8 / 11)


def test_unscored_items_and_unmapped_communities(scored: Score) -> None:
    assert scored.unscored_items == {"superseded": 1}
    assert scored.unmapped_communities == 1


def test_worst_confusions_name_what_went_wrong(scored: Score) -> None:
    result = scored
    first = result.village_confusions[0]
    assert (first.agency, first.source_file, first.source_row) == ("dopa", DOPA_FILE, "3")
    assert first.predicted == ["54010104 บ้านหาดใหม่"]
    assert first.true == ["54010103 บ้านหาดเก่า"]
    assert first.delivered == "village_code 54010104"
    partial = result.village_confusions[1]
    assert (partial.source_file, partial.source_row) == (API, "L1:แก้ไข ครั้งที่ 1")
    assert partial.true == ["54010101 บ้านม่วง", "54010102"]  # named where a name is known
    assert len(result.village_confusions) == 5
    # a quarantined row gets its title and delivered code from the raw archive
    rows = result.village_confusions
    quarantined = next(v for v in rows if v.source_row == "7")
    assert (quarantined.status, quarantined.title) == ("village_quarantined", "ถนน ม.6")
    assert (quarantined.delivered, quarantined.predicted) == ("village_code 5401O106", [])
    assert next(v for v in rows if v.source_row == "8").status == "missing"
    merges = [(m.a.source_row, m.b.source_row, m.false_pairs) for m in result.false_merges]
    assert merges == [("3", "L3:ฉบับแรก", 1), ("8", "11", 1)]
    assert [(m.a.source_row, m.b.source_row) for m in result.missed_pairs] == [("2", "7")]
    assert result.missed_pairs[0].b.title == "ประปาหมู่บ้าน"


def test_the_published_file_is_preferred_to_the_work_database(
    setup: tuple[Path, Path], tmp_path: Path
) -> None:
    warehouse = tmp_path / "warehouse"
    shutil.copytree(setup[0], warehouse)
    # published: the same rows, but nothing merged
    write_warehouse(warehouse / "village_plans.duckdb", "main", raw=False, merged=False)
    inputs = locate(warehouse, setup[1])
    assert (inputs.database.name, inputs.schema) == ("village_plans.duckdb", "main")
    result = score_warehouse(warehouse, setup[1])
    assert (result.overall_pairs().predicted, result.overall_pairs().true) == (0, 5)
    # the raw rows still come from the work database beside it
    assert result.village_confusions[0].delivered == "village_code 54010104"


def test_missing_inputs_raise(tmp_path: Path, setup: tuple[Path, Path]) -> None:
    warehouse, truth = setup
    with pytest.raises(ScoreError, match="no warehouse"):
        locate(tmp_path / "nowhere", truth)
    with pytest.raises(ScoreError, match="no ground truth"):
        locate(warehouse, tmp_path / "nowhere")
    empty = tmp_path / "empty" / "work" / "work.duckdb"
    empty.parent.mkdir(parents=True)
    duckdb.connect(str(empty)).close()
    with pytest.raises(ScoreError, match="lacks fct_plan_item"):
        score_warehouse(empty.parent.parent, truth)


def test_checks_against_the_targets() -> None:
    assert TARGETS == {
        "village_precision": 0.995,
        "village_recall": 0.98,
        "pair_precision": 0.95,
        "pair_recall": 0.90,
    }

    class Figures:
        def __init__(self, precision: float | None, recall: float | None) -> None:
            self.precision, self.recall = precision, recall

    result = checks(Figures(0.995, 0.97), Figures(None, 0.9))  # type: ignore[arg-type]
    assert result == [
        Check("village_precision", 0.995, 0.995, True),
        Check("village_recall", 0.97, 0.98, False),
        Check("pair_precision", None, 0.95, False),
        Check("pair_recall", 0.9, 0.9, True),
    ]


def test_cli_prints_the_figures_and_writes_json(setup: tuple[Path, Path], tmp_path: Path) -> None:
    warehouse, truth = setup
    out = tmp_path / "score.json"
    args = ["score", "--truth", str(truth), "--warehouse", str(warehouse), "--json", str(out)]
    args += ["--top", "2"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(
        line.split()[:2] == ["all", "19"] and line.endswith("0.9333  0.7368") for line in lines
    )
    assert any(
        line.split() == ["dopa-cdd", "2", "2", "1", "0.5000", "0.5000", "0.5000", "1"]
        for line in lines
    )
    assert "village_precision   0.9333  target >= 0.995  FAIL" in result.output
    assert "pair_recall         0.8000  target >= 0.9    FAIL" in result.output
    assert "Worst village confusions (top 2)" in result.output
    assert "Worst false merges (top 2)" in result.output and "Missed pairs" in result.output
    figures = json.loads(out.read_text())
    assert figures["pairs"][-1] == {
        "scope": "all",
        "predicted": 6,
        "true": 5,
        "correct": 4,
        "unpublished_true": 2,
        "precision": pytest.approx(4 / 6),
        "recall": pytest.approx(0.8),
        "f1": pytest.approx(8 / 11),
    }
    assert figures["village"][0]["scope"] == "dopa"


def test_cli_exits_2_when_an_input_is_missing(tmp_path: Path, setup: tuple[Path, Path]) -> None:
    warehouse, truth = setup
    runner = CliRunner()
    result = runner.invoke(
        app, ["score", "--truth", str(tmp_path / "x"), "--warehouse", str(warehouse)]
    )
    assert result.exit_code == 2
    assert "no ground truth" in result.output
    result = runner.invoke(
        app, ["score", "--truth", str(truth), "--warehouse", str(tmp_path / "y")]
    )
    assert result.exit_code == 2
    assert "no warehouse" in result.output
