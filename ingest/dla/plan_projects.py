"""DLA local development plans (form ผ.02), pulled from the plan-projects API (sources.md 3b).

Every page is archived as received and every record kept as delivered text: one row per
(project, edition) the API returns. Choosing the latest edition is staging's job.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.compute as pc

from ingest.archive import Archive
from ingest.datasets import DATASETS
from ingest.http import (
    ApiPull,
    Check,
    Fetched,
    JsonNumber,
    PageRecord,
    PagingPass,
    RetryableError,
    RetryPolicy,
    archive_page,
    check_records,
    fetch_json,
    latest_instant,
    page_columns,
    page_number_column,
    page_with_restarts,
    whole_number,
)
from ingest.reasons import reject

log = logging.getLogger(__name__)

DATASET = "dla/plan_projects"
PATH = "/api/v1/plan-projects"
MAX_PER_PAGE = 500  # the API's limit
MAX_RESTARTS = 3

COLUMNS = tuple(
    DATASETS["dla/plan_projects"].column_names
)  # the agreed fields (ingest/datasets.py)
LINEAGE = ("_source_row", "_page")


def _page_table(fetched: Fetched, page: int) -> tuple[pa.Table, set[str]]:
    records, meta = fetched.document["data"], fetched.document["meta"]
    # Numbers outside `meta` are rare (the format has none): only then does a nested
    # object (the budget) need the slow, literal-keeping encoder.
    numbers_inside = fetched.numbers > sum(isinstance(v, JsonNumber) for v in meta.values())
    arrays, extra = page_columns(records, COLUMNS, numbers_inside=numbers_inside)
    # The API's record id: a project keeps its id across editions.
    arrays["_source_row"] = pc.binary_join_element_wise(
        arrays["project_id"], arrays["edition"], ":", null_handling="replace"
    )
    arrays["_page"] = page_number_column(page, len(records))
    return pa.table(arrays), extra


def _check_page(page: int, per_page: int, where: str) -> Check:
    def check(status: int, document: Any) -> None:
        if status != 200:
            error = document.get("error") if isinstance(document, dict) else None
            message = error.get("message") if isinstance(error, dict) else None
            raise reject("api_error", where, detail=f"HTTP {status}: {message or document!r}")
        if not isinstance(document, dict) or not isinstance(document.get("meta"), dict):
            raise RetryableError(f"{where}: no `meta` in the answer")
        meta = document["meta"]
        total = whole_number(meta, "total", where)
        whole_number(meta, "pages", where)
        size = whole_number(meta, "per_page", where) if "per_page" in meta else per_page
        if size < 1:
            raise RetryableError(f"{where}: meta.per_page is {size}")
        records = check_records(document.get("data"), where)
        # Every page but the last is full; the last holds the rest. Fewer is a page that
        # ended early: asking again gets the whole page.
        expected = max(0, min(size, total - (page - 1) * size))
        if len(records) < expected:
            raise RetryableError(f"{where}: short page, {len(records)} of {expected} records")

    return check


def _one_pass(
    client: httpx.Client,
    endpoint: str,
    query: dict[str, Any],
    per_page: int,
    archive: Archive,
    policy: RetryPolicy,
) -> PagingPass:
    pages: list[PageRecord] = []
    tables: list[pa.Table] = []
    total: int | None = None
    last_page = 1
    retries = 0
    page = 1
    warned: set[str] = set()
    while True:
        where = f"{DATASET} page {page}"
        params = {**query, "page": page, "per_page": per_page}
        fetched: Fetched = fetch_json(
            client, endpoint, params, policy, _check_page(page, per_page, where), where=where
        )
        retries += fetched.attempts - 1
        meta, records = fetched.document["meta"], fetched.document["data"]
        page_total = int(meta["total"])
        record = archive_page(archive, page, fetched, len(records))
        if total is not None and page_total != total:
            log.info("%s: total was %d, now %d", where, total, page_total)
            return PagingPass(pages, tables, page_total, retries, total_changed=True)
        if total is None:
            total = page_total
            # Page until meta.pages, but never past the last page that can hold a record:
            # a wrong `pages` must not have us asking for empty pages for ever.
            size = int(meta.get("per_page") or per_page)
            last_page = min(int(meta["pages"]), max(1, math.ceil(total / size)))
        table, extra = _page_table(fetched, page)
        if extra - warned:
            # Kept in the archived page; the table has the agreed columns only.
            log.warning("%s: fields not in the agreed format: %s", where, sorted(extra))
            warned |= extra
        pages.append(record)
        tables.append(table)
        if page >= last_page:
            return PagingPass(pages, tables, total, retries)
        page += 1


def pull_plan_projects(
    client: httpx.Client,
    base_url: str,
    period: str,
    archive: Archive,
    *,
    updated_since: str | None = None,
    per_page: int = MAX_PER_PAGE,
    policy: RetryPolicy | None = None,
    max_restarts: int = MAX_RESTARTS,
) -> ApiPull:
    """Pull every plan project of `period` (those changed after `updated_since`, an ISO
    8601 instant such as a previous pull's high-water mark, when given).

    Raises a Rejection (`api_unavailable`, `api_incomplete`, `api_error`) when the pull
    cannot be completed: a partial pull is never returned."""
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}, not {per_page}")
    policy = policy or RetryPolicy()
    endpoint = base_url.rstrip("/") + PATH
    query: dict[str, Any] = {"period": period}
    if updated_since:
        query["updated_since"] = updated_since
    started = time.perf_counter()

    done, restarts, retries = page_with_restarts(
        lambda: _one_pass(client, endpoint, query, per_page, archive, policy),
        max_restarts=max_restarts,
        where=DATASET,
    )
    records = pa.concat_tables(done.tables)
    high_water_mark = latest_instant(records.column("updated_at").unique().to_pylist())
    log.info(
        "%s %s: %d records in %d pages (%d retries, %d restarts) in %.1f s",
        DATASET,
        period,
        records.num_rows,
        len(done.pages),
        retries,
        restarts,
        time.perf_counter() - started,
    )
    return ApiPull(
        dataset=DATASET,
        endpoint=endpoint,
        pages=done.pages,
        records=records,
        total=done.total,
        high_water_mark=high_water_mark,
        restarts=restarts,
        retries=retries,
    )
