"""Pull the two API datasets into the raw layer: DLA plan projects (incrementally, from a
stored high-water mark) and OPS MOI household needs (whole each time; a pull identical to
the last one is not counted twice)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import duckdb
import httpx
import pyarrow as pa

from ingest import store
from ingest.archive import Archive
from ingest.datasets import DATASETS
from ingest.http import ApiPull, RetryPolicy, make_client
from ingest.parsed import Parsed
from ingest.reasons import Rejection
from ingest.settings import Settings

log = logging.getLogger(__name__)
PLAN_PROJECTS, HOUSEHOLD_NEEDS = "dla/plan_projects", "opsmoi/household_needs"


def _parsed(pull: ApiPull, notes: dict[str, object]) -> Parsed:
    spec = DATASETS[pull.dataset]
    records = pull.records
    n = records.num_rows
    columns = {
        c.name: records.column(c.name)
        if c.name in records.column_names
        else pa.nulls(n, pa.string())
        for c in spec.columns
    }
    columns["_source_row"] = records.column("_source_row")
    columns["_source_line"] = pa.nulls(n, pa.int64())
    columns["_problem"] = pa.nulls(n, pa.string())
    columns["_flags"] = pa.nulls(n, pa.string())
    table = pa.table(columns)
    return Parsed(
        dataset=pull.dataset,
        table=table,
        header=spec.column_names,
        notes={**notes, "total": pull.total, "restarts": pull.restarts, "retries": pull.retries},
    )


def _pull_sha(pull: ApiPull) -> str:
    return hashlib.sha256("\n".join(p.sha256 for p in pull.pages).encode()).hexdigest()


def _pages(pull: ApiPull) -> list[dict[str, object]]:
    return [
        {
            "page": p.page,
            "url": p.url,
            "sha256": p.sha256,
            "size_bytes": p.size,
            "records": p.records,
        }
        for p in pull.pages
    ]


def _record_failure(
    con: duckdb.DuckDBPyConnection, dataset: str, endpoint: str, rejection: Rejection
) -> str:
    """A pull that could not complete is a rejected delivery of its own, with its reason."""
    stamp = dt.datetime.now(dt.UTC).isoformat()
    sha = hashlib.sha256(f"{endpoint}|{stamp}".encode()).hexdigest()
    store.record(
        con,
        dataset=dataset,
        origin="api",
        original_name=endpoint,
        sha256=sha,
        size_bytes=None,
        rejection=rejection,
    )
    log.warning("%s: pull rejected: %s", dataset, rejection)
    return f"rejected: {rejection.code}"


def retry_policy(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.http_max_attempts,
        initial_wait=settings.http_initial_wait_seconds,
        max_wait=settings.http_max_wait_seconds,
    )


def _endpoint(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def pull_plan_projects_since(settings: Settings, since: str | None) -> ApiPull | Rejection:
    """The network half (no database): safe to run in a thread beside the landing ingest."""
    from ingest.dla.plan_projects import pull_plan_projects

    assert settings.dla_base_url
    with make_client(timeout=settings.http_timeout_seconds) as client:
        try:
            return pull_plan_projects(
                client,
                settings.dla_base_url,
                settings.dla_period,
                Archive(settings.archive_dir),
                updated_since=since,
                policy=retry_policy(settings),
            )
        except Rejection as rejection:
            return rejection


def last_pull_pages(con: duckdb.DuckDBPyConnection, dataset: str) -> list[tuple[str, str]]:
    """(url, sha256) of the pages of the dataset's latest ingested API pull."""
    return [
        (url, sha)
        for url, sha in con.execute(
            """
            select p.url, p.sha256 from raw.api_pages p
            where p.delivery_id = (
                select delivery_id from raw.deliveries
                where dataset = ? and status = 'ingested' and origin = 'api'
                order by received_at desc limit 1
            )
            order by p.page
            """,
            [dataset],
        ).fetchall()
    ]


def _same_pages(client: httpx.Client, pages: list[tuple[str, str]]) -> bool:
    """Whether every page of the last pull comes back byte for byte: then nothing changed and
    nothing needs parsing. Any doubt (an error, a different byte) means a full pull."""
    if not pages:
        return False
    for url, sha in pages:
        try:
            response = client.get(url)
        except httpx.HTTPError:
            return False
        if response.status_code != 200 or hashlib.sha256(response.content).hexdigest() != sha:
            return False
    return True


UNCHANGED = "unchanged since the last pull"


def pull_household_needs_now(
    settings: Settings, previous: list[tuple[str, str]]
) -> ApiPull | Rejection | str:
    from ingest.opsmoi.household_needs import pull_household_needs

    assert settings.ckan_base_url
    with make_client(timeout=settings.http_timeout_seconds) as client:
        if _same_pages(client, previous):
            return UNCHANGED
        try:
            return pull_household_needs(
                client,
                settings.ckan_base_url,
                settings.ckan_resource_id,
                Archive(settings.archive_dir),
                policy=retry_policy(settings),
            )
        except Rejection as rejection:
            return rejection


def high_water_key(settings: Settings) -> str:
    return f"{PLAN_PROJECTS}:{settings.dla_period}:high_water_mark"


def record_plan_projects(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    pulled: ApiPull | Rejection,
    since: str | None,
) -> str:
    assert settings.dla_base_url
    if isinstance(pulled, Rejection):
        return _record_failure(
            con, PLAN_PROJECTS, _endpoint(settings.dla_base_url, "/api/v1/plan-projects"), pulled
        )
    if pulled.records.num_rows == 0:
        log.info("%s: nothing changed since %s", PLAN_PROJECTS, since)
        return "no new records"
    sha = _pull_sha(pulled)
    if not store.known(con, PLAN_PROJECTS, sha):
        store.record(
            con,
            dataset=PLAN_PROJECTS,
            origin="api",
            original_name=pulled.endpoint,
            sha256=sha,
            size_bytes=sum(p.size for p in pulled.pages),
            hints={"period": settings.dla_period},
            parsed=_parsed(pulled, {"updated_since": since}),
            pages=_pages(pulled),
        )
    if pulled.high_water_mark:
        store.set_state(con, high_water_key(settings), pulled.high_water_mark)
    log.info("%s: %d records (since %s)", PLAN_PROJECTS, pulled.records.num_rows, since)
    return f"{pulled.records.num_rows} records"


def record_household_needs(
    settings: Settings, con: duckdb.DuckDBPyConnection, pulled: ApiPull | Rejection | str
) -> str:
    assert settings.ckan_base_url
    if isinstance(pulled, str):
        return pulled
    if isinstance(pulled, Rejection):
        endpoint = _endpoint(settings.ckan_base_url, "/api/3/action/datastore_search")
        return _record_failure(con, HOUSEHOLD_NEEDS, endpoint, pulled)
    sha = _pull_sha(pulled)
    if store.known(con, HOUSEHOLD_NEEDS, sha):
        return UNCHANGED
    store.record(
        con,
        dataset=HOUSEHOLD_NEEDS,
        origin="api",
        original_name=pulled.endpoint,
        sha256=sha,
        size_bytes=sum(p.size for p in pulled.pages),
        hints={},
        parsed=_parsed(pulled, {"resource_id": settings.ckan_resource_id}),
        pages=_pages(pulled),
    )
    return f"{pulled.records.num_rows} records"


def start_pulls(
    settings: Settings,
    con: duckdb.DuckDBPyConnection,
    pool: ThreadPoolExecutor,
    datasets: set[str] | None = None,
) -> dict[str, Callable[[], str]]:
    """Start the configured API pulls in threads; each returned callable waits for its pull
    and records it (in the calling thread, the database's one writer)."""
    pending: dict[str, Callable[[], str]] = {}
    if datasets is None or PLAN_PROJECTS in datasets:
        if settings.dla_base_url:
            since = store.get_state(con, high_water_key(settings))
            future = pool.submit(pull_plan_projects_since, settings, since)
            pending[PLAN_PROJECTS] = lambda: record_plan_projects(
                settings, con, future.result(), since
            )
        else:
            pending[PLAN_PROJECTS] = lambda: "not configured (MUBAN_DLA_BASE_URL)"
    if datasets is None or HOUSEHOLD_NEEDS in datasets:
        if settings.ckan_base_url:
            previous = last_pull_pages(con, HOUSEHOLD_NEEDS)
            needs = pool.submit(pull_household_needs_now, settings, previous)
            pending[HOUSEHOLD_NEEDS] = lambda: record_household_needs(settings, con, needs.result())
        else:
            pending[HOUSEHOLD_NEEDS] = lambda: "not configured (MUBAN_CKAN_BASE_URL)"
    return pending


def ingest_apis(
    settings: Settings, con: duckdb.DuckDBPyConnection, datasets: set[str] | None = None
) -> dict[str, str]:
    with ThreadPoolExecutor(2, thread_name_prefix="api-pull") as pool:
        pending = start_pulls(settings, con, pool, datasets)
        return {dataset: finish() for dataset, finish in pending.items()}
