"""The `muban` command line (see shared/design/warehouse.md for its public contract)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated

import typer

from muban import settings

settings.apply()

app = typer.Typer(
    name="muban",
    help="muban (หมู่บ้าน): integrates the MOI departments' village and community development plans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
log = logging.getLogger("muban")

WAREHOUSE = Path("warehouse")


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    settings.configure_logging(verbose)


@app.command()
def simulate(
    out: Annotated[
        Path | None, typer.Option(help="Landing folder to write the file deliveries to.")
    ] = None,
    provinces: Annotated[
        str | None, typer.Option(help="Province codes, comma-separated (e.g. 54,76).")
    ] = None,
    fiscal_year: Annotated[
        int, typer.Option(help="Fiscal year (BE) of the village and community plans.")
    ] = 2569,
    scale: Annotated[str, typer.Option(help="small | province | national")] = "small",
    seed: Annotated[int, typer.Option(help="Same seed, byte-identical deliveries.")] = 2569,
    truth: Annotated[
        Path | None, typer.Option(help="Folder for the ground truth (never inside --out).")
    ] = None,
    gazetteer: Annotated[
        Path | None, typer.Option(help="Use real villages from a th_admin-style gazetteer.")
    ] = None,
    defects: Annotated[str, typer.Option(help="none | default | harsh")] = "default",
    api_out: Annotated[
        Path | None, typer.Option(help="API store folder (default: <out>/../simulated_api).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Provinces generated in parallel.")] = 2,
    serve: Annotated[
        bool, typer.Option(help="Serve the DLA and CKAN APIs from the store on loopback.")
    ] = False,
    host: Annotated[str, typer.Option(help="Loopback address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve on (0: any free port).")] = 8765,
    fault: Annotated[
        list[str] | None,
        typer.Option(help="Inject an API fault, e.g. dla:rate_limit@3x2,retry_after=2"),
    ] = None,
    ckan_limit_cap: Annotated[int, typer.Option(help="CKAN's silent cap on `limit`.")] = 32000,
    list_defects: Annotated[
        bool, typer.Option(help="Print the defect catalogue and exit.")
    ] = False,
) -> None:
    """Write realistic deliveries of all four agencies (sources.md formats) with their ground truth."""
    from simulator.config import DefectProfile, Scale, SimulationConfig

    if list_defects:
        typer.echo(defect_table())
        return
    if out is None and not serve:
        raise typer.BadParameter("give --out (and/or --serve)", param_hint="--out")
    if out is not None:
        from simulator.run import simulate as run_simulation

        if truth is not None and truth.resolve().is_relative_to(out.resolve()):
            raise typer.BadParameter(
                "the truth must not sit inside the deliveries", param_hint="--truth"
            )
        config = SimulationConfig(
            out=out,
            provinces=tuple(p.strip() for p in provinces.split(",")) if provinces else None,
            fiscal_year=fiscal_year,
            scale=Scale(scale),
            seed=seed,
            truth=truth,
            api_out=api_out,
            gazetteer=gazetteer,
            defects=DefectProfile(defects),
            workers=workers,
        )
        summary = run_simulation(config)
        api_out = config.api_dir
        typer.echo(
            json.dumps(
                {
                    "provinces": summary.provinces,
                    "districts": summary.districts,
                    "villages": summary.villages,
                    "communities": summary.communities,
                    "laos": summary.laos,
                    "plan_rows": summary.plan_rows,
                    "rows": summary.rows,
                    "landing": str(out),
                    "api_store": str(api_out),
                    "truth": str(truth) if truth else None,
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    if serve:
        from simulator.server import parse_fault, serve_forever

        store = api_out if api_out is not None else WAREHOUSE / "simulated_api"
        serve_forever(store, host, port, [parse_fault(f) for f in fault or []], ckan_limit_cap)


def defect_table() -> str:
    from simulator.defects import CATALOGUE

    lines = [
        "| code | what is wrong | datasets | per | default | harsh | outcome |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in CATALOGUE:
        outcome = f"{d.outcome} (`{d.reason}`)" if d.reason else d.outcome
        lines.append(
            f"| `{d.code}` | {d.what} | {', '.join(d.datasets)} | {d.per} | {d.default:g} | {d.harsh:g} | {outcome} |"
        )
    return "\n".join(lines)


@app.command()
def demo(
    warehouse: Annotated[Path, typer.Option(help="Warehouse folder.")] = WAREHOUSE,
) -> None:
    """Simulate a small data set and run on it: the newcomer's first command."""
    from simulator.config import SimulationConfig
    from simulator.run import simulate as run_simulation
    from simulator.server import ApiServer

    config = SimulationConfig(
        out=warehouse / "landing", truth=warehouse / "truth", api_out=warehouse / "simulated_api"
    )
    summary = run_simulation(config)
    typer.echo(
        f"simulated {summary.villages} villages and {summary.communities} communities "
        f"in {summary.districts} districts: {summary.plan_rows} plan rows"
    )
    for dataset, count in sorted(summary.rows.items()):
        typer.echo(f"  {dataset:28} {count:>8} rows")
    from muban.nightly import run_nightly

    # The agencies' APIs, played by the simulator on loopback for the length of the run.
    with ApiServer(config.api_dir) as api:
        typer.echo(f"DLA and CKAN APIs simulated on {api.base_url}")
        outcome = run_nightly(
            warehouse=warehouse,
            landing=config.out,
            dla_base_url=api.base_url,
            ckan_base_url=api.base_url,
        )
    typer.echo(outcome.summary)
    raise typer.Exit(code=0 if outcome.success else 1)


@app.command()
def run(
    landing: Annotated[
        Path | None, typer.Option(help="Landing folder (default <warehouse>/landing).")
    ] = None,
    warehouse: Annotated[Path, typer.Option(help="Warehouse folder.")] = WAREHOUSE,
    config: Annotated[Path | None, typer.Option(help="A muban.toml config file.")] = None,
) -> None:
    """The nightly job, in-process: ingest, transform, check, publish, report."""
    from muban.nightly import run_nightly

    outcome = run_nightly(warehouse=warehouse, landing=landing, config=config)
    typer.echo(outcome.summary)
    raise typer.Exit(code=0 if outcome.success else 1)


@app.command()
def ingest(
    landing: Annotated[
        Path | None, typer.Option(help="Landing folder (default <warehouse>/landing).")
    ] = None,
    warehouse: Annotated[Path, typer.Option(help="Warehouse folder.")] = WAREHOUSE,
    config: Annotated[Path | None, typer.Option(help="A muban.toml config file.")] = None,
    dla_base_url: Annotated[
        str | None, typer.Option(help="DLA API base URL (or MUBAN_DLA_BASE_URL).")
    ] = None,
    ckan_base_url: Annotated[
        str | None, typer.Option(help="CKAN base URL (or MUBAN_CKAN_BASE_URL).")
    ] = None,
) -> None:
    """Only the first stage: every new delivery (landing folder and APIs) into the raw archive."""
    from ingest.run import ingest_all
    from ingest.settings import Settings

    settings = Settings.load(
        config,
        warehouse=warehouse,
        landing=landing,
        dla_base_url=dla_base_url,
        ckan_base_url=ckan_base_url,
    )
    report = ingest_all(settings)
    landing_report = report.landing
    typer.echo(
        f"landing: {landing_report.ingested} ingested, {landing_report.rejected} rejected, "
        f"{landing_report.duplicates} duplicates, {landing_report.unchanged} unchanged, {landing_report.rows} rows"
    )
    for dataset, outcome in report.api.items():
        typer.echo(f"{dataset}: {outcome}")


@app.command()
def rollback(
    warehouse: Annotated[Path, typer.Option(help="Warehouse folder.")] = WAREHOUSE,
) -> None:
    """Put the previous publication back in place (atomically)."""
    from publish.publication import PublicationError
    from publish.publication import rollback as roll_back

    try:
        previous = roll_back(warehouse)
    except PublicationError as error:
        typer.echo(f"muban rollback: {error}", err=True)
        raise typer.Exit(code=1) from error
    typer.echo(f"rolled back: publication {previous.publication_id} is published again")


@app.command()
def validate(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, metavar="FILE", help="The file to check."
        ),
    ],
    dataset: Annotated[
        str,
        typer.Option(
            help="Dataset the file is for: dopa/villages, dopa/village_plans, "
            "cdd/community_plans (also cdd/certification), dla/laos."
        ),
    ],
    warehouse: Annotated[
        Path,
        typer.Option(
            help="Published warehouse folder: its village registry identifies the villages."
        ),
    ] = WAREHOUSE,
    output: Annotated[
        str, typer.Option("--format", help="text (for people) | json (a list of problems).")
    ] = "text",
    config: Annotated[
        Path | None, typer.Option(help="A muban.toml config file (size limits).")
    ] = None,
) -> None:
    """What an agency runs before it sends a file: the same reader, the same checks and the
    same Thai reasons as the nightly run, with row and column positions; nothing is written.

    Exit 0 when the warehouse would take every row (warnings allowed), 1 when it would reject
    the file or quarantine rows, 2 on a usage error, 3 when the checks could not run."""
    from ingest.validate import NotValidatable, RowChecksFailed, validate_file

    if output not in ("text", "json"):
        raise typer.BadParameter("text or json", param_hint="--format")
    try:
        report = validate_file(file, dataset, warehouse=warehouse, config=config)
    except NotValidatable as error:
        raise typer.BadParameter(str(error), param_hint="--dataset") from error
    except RowChecksFailed as error:
        typer.echo(f"muban validate: the row checks could not run: {error}", err=True)
        raise typer.Exit(code=3) from error
    typer.echo(report.to_json() if output == "json" else report.to_text())
    raise typer.Exit(code=report.exit_code)


@app.command()
def score(
    truth: Annotated[
        Path, typer.Option(help="Ground-truth folder written by `muban simulate --truth`.")
    ],
    warehouse: Annotated[Path, typer.Option(help="Warehouse folder.")] = WAREHOUSE,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
    ] = None,
    top: Annotated[int, typer.Option(help="How many of the worst confusions to show.")] = 10,
) -> None:
    """How well the warehouse recovered the simulator's ground truth.

    Reads <warehouse>/village_plans.duckdb if published, else the work database <warehouse>/work/work.duckdb (schema marts), read-only.

    Village match, over the truth's data rows of the DOPA, CDD and DLA plan datasets: a row's predicted villages are those of its plan items (none if it is quarantined for its village, or missing); rows quarantined only for other reasons are left out. Precision and recall over (row, village) pairs; truth community keys are mapped to ours by municipality (else subdistrict) and name.

    Duplicate pairs, over published plan items of different delivered rows: a true pair when both rows are the same truth project and both items sit in the project's fiscal year; a predicted pair when they share integrated_project_id. Precision, recall and F1 per agency pair and overall; true pairs lost because a side is not published are counted apart.

    Targets: village precision >= 0.995, recall >= 0.98; pair precision >= 0.95, recall >= 0.90. Exit 0 whenever it could score (it is a measurement), 2 when the warehouse or the truth is missing.
    """
    from muban.score import ScoreError, render_text, score_warehouse

    try:
        result = score_warehouse(warehouse, truth, top=top)
    except ScoreError as error:
        typer.echo(f"muban score: {error}", err=True)
        raise typer.Exit(code=2) from error
    typer.echo(render_text(result))
    if json_file is not None:
        json_file.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))


@app.command()
def bench(
    stage: Annotated[
        str,
        typer.Argument(
            help="What to measure: simulate | ingest | readers | dbt | expectations | accuracy."
        ),
    ] = "simulate",
    scale: Annotated[str, typer.Option(help="small | province | national")] = "national",
    out: Annotated[Path, typer.Option(help="Scratch folder for the benchmark's data.")] = WAREHOUSE
    / "bench",
    results: Annotated[Path | None, typer.Option(help="Write the figures as JSON here.")] = None,
    seeds: Annotated[
        str, typer.Option(help="accuracy: the simulator seeds to measure, comma-separated.")
    ] = "1,2,3",
) -> None:
    """The performance benchmark: wall time and peak memory of a stage, against its target.
    `accuracy` measures the reconciliation instead (village match, duplicate pairs) over
    several seeds at --scale (province recommended)."""
    from muban.bench import measure_accuracy, run_benchmark

    reports = (
        measure_accuracy([int(s) for s in seeds.split(",")], scale, out)
        if stage == "accuracy"
        else run_benchmark(stage, scale, out)
    )
    typer.echo(json.dumps(reports, ensure_ascii=False, indent=1))
    if results is not None:
        results.write_text(json.dumps(reports, ensure_ascii=False, indent=1))
    if not all(r.get("within_target", True) for r in reports):
        raise typer.Exit(code=1)
