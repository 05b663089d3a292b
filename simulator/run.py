"""Run a simulation: every province in parallel, national files assembled in province order."""

from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from simulator import defects as defect_catalogue
from simulator.agencies import cdd, dla, dopa, opsmoi
from simulator.agencies.common import TRUTH_SCHEMA, Delivery
from simulator.config import SimulationConfig
from simulator.defects import Injector
from simulator.geography import all_areas, scope, villages
from simulator.laos import laos
from simulator.projects import plan, planning_units
from simulator.rng import stream
from simulator.server import DEFAULT_RESOURCE_ID
from simulator.textformat import encode, lines_bytes

log = logging.getLogger(__name__)


@dataclass
class Summary:
    provinces: int = 0
    districts: int = 0
    villages: int = 0
    communities: int = 0
    laos: int = 0
    rows: dict[str, int] = field(default_factory=dict)  # delivered rows (records) per dataset
    files: list[str] = field(default_factory=list)

    def add(self, dataset: str, count: int) -> None:
        self.rows[dataset] = self.rows.get(dataset, 0) + count

    @property
    def plan_rows(self) -> int:
        return sum(
            v
            for k, v in self.rows.items()
            if k in ("dopa/village_plans", "cdd/community_plans", "dla/plan_projects")
        )


@dataclass
class _ProvinceResult:
    province_code: str
    registry: list[pa.Array]
    registry_truth: list[pa.Table]
    laos_lines: pa.Array
    laos_truth: pa.Table
    needs: int
    summary: Summary


def _dataset_dir(truth: Path, dataset: str) -> Path:
    return truth / "deliveries" / dataset.replace("/", "__")


def _write_truth(config: SimulationConfig, dataset: str, part: str, table: pa.Table) -> None:
    if config.truth is None:
        return
    folder = _dataset_dir(config.truth, dataset)
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / f"{part}.parquet")


def _province(task: tuple[SimulationConfig, str, list[str]]) -> _ProvinceResult:
    config, province_code, district_codes = task
    seed, profile, fy = config.seed, config.defects, config.fiscal_year
    summary = Summary(provinces=1, districts=len(district_codes))
    village_table = villages(province_code, district_codes, seed, config.gazetteer)
    lao_area, village_lao, communities = laos(
        province_code, district_codes, village_table, seed, config.gazetteer
    )
    units = planning_units(village_table, village_lao, communities)
    plans = plan(units, lao_area, province_code, fy, config.plan_period, seed)
    summary.villages = int(
        pc.sum(pc.not_equal(village_table.column("change"), "dissolved")).as_py() or 0
    )
    summary.communities = communities.num_rows
    summary.laos = len(set(lao_area.column("lao_code").to_pylist()))

    registry, registry_truth = [], []
    for snapshot in (1, 2):
        lines, truth = dopa.registry_lines(
            village_table, snapshot, fy - 2 + snapshot, seed, profile, province_code
        )
        registry.append(lines)
        registry_truth.append(truth)
    laos_lines, laos_truth = dla.laos_lines(lao_area, seed, profile, province_code)

    data, encoding, delivery, _ = dopa.village_plans(plans, fy, province_code, seed, profile)
    path = config.out / delivery.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(encode(data, encoding))
    deliveries: list[Delivery] = [delivery]
    province_name = (
        all_areas()
        .provinces.filter(pc.equal(all_areas().provinces.column("province_code"), province_code))
        .column("name_th")[0]
        .as_py()
    )
    deliveries += cdd.community_plans(
        plans, fy, province_code, province_name, seed, profile, config.out
    )
    for item in deliveries:
        summary.files.append(item.path)
        for dataset in sorted(set(item.truth.column("dataset").to_pylist())):
            part = item.truth.filter(pc.equal(item.truth.column("dataset"), dataset))
            data_rows = (
                pc.sum(pc.is_in(part.column("row_kind"), pa.array(["data", "duplicate"]))).as_py()
                or 0
            )
            summary.add(dataset, int(data_rows))
            _write_truth(config, dataset, province_code, part)

    project_lines, project_truth = dla.plan_project_lines(
        plans, config.plan_period, province_code, seed, profile
    )
    _write_lines(config.api_dir / "dla" / "plan_projects" / f"{province_code}.jsonl", project_lines)
    _write_truth(config, "dla/plan_projects", province_code, project_truth)
    summary.add("dla/plan_projects", len(project_lines))
    need_lines, need_truth = opsmoi.household_need_lines(units, fy, province_code, seed, profile)
    _write_lines(
        config.api_dir / "opsmoi" / "household_needs" / f"{province_code}.jsonl", need_lines
    )
    _write_truth(config, "opsmoi/household_needs", province_code, need_truth)
    summary.add("opsmoi/household_needs", len(need_lines))
    if config.truth is not None:
        folder = config.truth / "world"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            village_table.drop_columns(["headman", "phone"]),
            folder / f"villages_{province_code}.parquet",
        )
        pq.write_table(communities, folder / f"communities_{province_code}.parquet")
        pq.write_table(lao_area, folder / f"lao_area_{province_code}.parquet")
        pq.write_table(plans.projects, folder / f"projects_{province_code}.parquet")
    return _ProvinceResult(
        province_code, registry, registry_truth, laos_lines, laos_truth, len(need_lines), summary
    )


def _write_lines(path: Path, lines: pa.Array) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(lines_bytes(lines, "\n"))


def simulate(config: SimulationConfig) -> Summary:
    """Write every agency's deliveries for the configured area (and the truth, if asked)."""
    areas = scope(config)
    for folder in (config.out, config.api_dir, config.truth):
        if folder is not None and folder.exists():
            shutil.rmtree(folder)  # a simulation replaces the previous one entirely
    config.out.mkdir(parents=True, exist_ok=True)
    tasks = [(config, province, districts) for province, districts in areas.items()]
    summary = Summary()
    results: list[_ProvinceResult] = []
    workers = max(1, min(config.workers, len(tasks)))
    if workers == 1:
        results = [_province(t) for t in tasks]
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = list(pool.imap(_province, tasks))
    for result in results:
        summary.provinces += 1
        for key in ("districts", "villages", "communities", "laos"):
            setattr(summary, key, getattr(summary, key) + getattr(result.summary, key))
        for dataset, count in result.summary.rows.items():
            summary.add(dataset, count)
        summary.files += result.summary.files
    _national_files(config, results, summary)
    _number_ckan_records(config, results)
    (config.api_dir / "manifest.json").write_text(
        json.dumps(
            {
                "dla_period": "{}-{}".format(*config.plan_period),
                "ckan_resource_id": DEFAULT_RESOURCE_ID,
            },
            ensure_ascii=False,
            indent=1,
        )
    )
    if config.truth is not None:
        _write_catalogue(config, summary)
    summary.files.sort()
    return summary


def _national_files(
    config: SimulationConfig, results: list[_ProvinceResult], summary: Summary
) -> None:
    """The registry snapshots and the LAO registry cover the whole country: one file each."""
    fy = config.fiscal_year
    for snapshot, encoding in ((1, "cp874"), (2, "utf-8-sig")):
        # Older deliveries come from the TIS-620 system, newer ones in UTF-8 with a BOM.
        name = f"villages_{fy - 2 + snapshot}0115.txt"
        lines = pa.concat_arrays([r.registry[snapshot - 1] for r in results])
        header = "|".join(dopa.REGISTRY_HEADER) + "|"
        data = lines_bytes(pa.concat_arrays([pa.array([header]), lines]), "\r\n")
        _write(
            config.out / "dopa" / "villages" / name,
            encode(data, encoding),
            summary,
            "dopa/villages",
            len(lines),
        )
        truth = pa.concat_tables([r.registry_truth[snapshot - 1] for r in results])
        _write_truth(config, "dopa/villages", name.removesuffix(".txt"), _numbered(truth, name))
    name = f"laos_{fy - 1}1001.csv"
    lines = pa.concat_arrays([r.laos_lines for r in results])
    header = ",".join(dla.LAOS_HEADER)
    data = lines_bytes(pa.concat_arrays([pa.array([header]), lines]), "\r\n")
    probe = Injector(config.defects, config.seed, "dla/laos", "national", len(lines))
    encoding = "cp874" if probe.file("wrong_encoding") else "utf-8-sig"
    _write(
        config.out / "dla" / "laos" / name, encode(data, encoding), summary, "dla/laos", len(lines)
    )
    truth = pa.concat_tables([r.laos_truth for r in results])
    if encoding == "cp874":
        truth = truth.set_column(
            truth.schema.get_field_index("defects"),
            "defects",
            _with_defect(truth.column("defects"), "wrong_encoding"),
        )
    _write_truth(config, "dla/laos", name.removesuffix(".csv"), _numbered(truth, name))


def _write(path: Path, data: bytes, summary: Summary, dataset: str, rows: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    summary.files.append(str(path.relative_to(path.parents[2])))
    summary.add(dataset, rows)


def _numbered(truth: pa.Table, file_name: str) -> pa.Table:
    n = truth.num_rows
    truth = truth.set_column(
        truth.schema.get_field_index("source_file"),
        "source_file",
        pa.array(np.full(n, file_name), pa.string()),
    )
    return truth.set_column(
        truth.schema.get_field_index("source_row"),
        "source_row",
        pa.array(np.arange(1, n + 1), pa.int64()),
    )


def _with_defect(defects: pa.ChunkedArray, code: str) -> pa.Array:
    lists = defects.to_pylist()
    return pa.array([(d or []) + [code] for d in lists], pa.list_(pa.string()))


def _number_ckan_records(config: SimulationConfig, results: list[_ProvinceResult]) -> None:
    """CKAN numbers records `_id` 1..N in the store's order: give the truth the same ids."""
    if config.truth is None:
        return
    offset = 0
    folder = _dataset_dir(config.truth, "opsmoi/household_needs")
    for result in results:
        path = folder / f"{result.province_code}.parquet"
        truth = pq.read_table(path, schema=TRUTH_SCHEMA)
        ids = pc.cast(pa.array(np.arange(offset + 1, offset + truth.num_rows + 1)), pa.string())
        pq.write_table(
            truth.set_column(truth.schema.get_field_index("record_id"), "record_id", ids), path
        )
        offset += truth.num_rows


def _write_catalogue(config: SimulationConfig, summary: Summary) -> None:
    assert config.truth is not None
    catalogue = [
        {
            **asdict(d),
            "rate": d.rate(config.defects),
            "seed": int(stream(config.seed, "defect", d.code).integers(2**31)),
        }
        for d in defect_catalogue.CATALOGUE
    ]
    (config.truth / "defects.json").write_text(json.dumps(catalogue, ensure_ascii=False, indent=1))
    (config.truth / "run.json").write_text(
        json.dumps(
            {
                "seed": config.seed,
                "fiscal_year": config.fiscal_year,
                "plan_period": list(config.plan_period),
                "scale": str(config.scale),
                "defects": str(config.defects),
                "summary": asdict(summary),
            },
            ensure_ascii=False,
            indent=1,
        )
    )
