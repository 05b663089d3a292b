"""OPS MOI household needs by village, pulled from the CKAN datastore API (sources.md 4a).

CKAN silently caps `limit` (rows_max, 32,000 by default), so paging follows the `limit`
each answer reports, never the one asked for, and the rows are checked against `total`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import pyarrow as pa

from ingest.archive import Archive
from ingest.datasets import DATASETS
from ingest.http import (
    ApiPull,
    ApiReportedError,
    Check,
    PageRecord,
    PagingPass,
    RetryableError,
    RetryPolicy,
    archive_page,
    check_records,
    fetch_json,
    json_text,
    page_columns,
    page_number_column,
    page_with_restarts,
    whole_number,
)
from ingest.reasons import reject

log = logging.getLogger(__name__)

DATASET = "opsmoi/household_needs"
PATH = "/api/3/action/datastore_search"
DEFAULT_LIMIT = 32000  # CKAN's default cap: asking for more only gets capped
MAX_RESTARTS = 1

COLUMNS = tuple(
    DATASETS["opsmoi/household_needs"].column_names
)  # the agreed fields (ingest/datasets.py)
LINEAGE = ("_source_row", "_page")


def _error_message(error: Any) -> str:
    """CKAN's error: its `message`, else the field errors (`{"limit": ["Invalid integer"]}`)."""
    if isinstance(error, dict):
        if error.get("message"):
            return str(error["message"])
        fields = {key: value for key, value in error.items() if key != "__type"}
        if fields:
            return json_text(fields)
        if error.get("__type"):
            return str(error["__type"])
    return "success is false, with no error message"


def _check_page(offset: int, where: str) -> Check:
    def check(status: int, document: Any) -> None:
        if not isinstance(document, dict):
            raise RetryableError(f"{where}: the answer is not a JSON object")
        if document.get("success") is not True:
            message = _error_message(document.get("error"))
            if status in (200, 409):  # how CKAN says "busy" as well as "bad request"
                raise ApiReportedError(message, status=status)
            raise reject("api_error", where, detail=f"HTTP {status}: {message}")
        result = document.get("result")
        if not isinstance(result, dict):
            raise RetryableError(f"{where}: no `result` in the answer")
        total = whole_number(result, "total", where)
        limit = whole_number(result, "limit", where)
        if "offset" in result and whole_number(result, "offset", where) != offset:
            raise RetryableError(f"{where}: answered offset {result['offset']}, not {offset}")
        if limit < 1 and offset < total:
            raise reject("api_error", where, detail=f"the API pages by limit {limit}")
        records = check_records(result.get("records"), where)
        expected = max(0, min(limit, total - offset))
        if len(records) < expected:
            raise RetryableError(f"{where}: short page, {len(records)} of {expected} records")

    return check


def _page_table(records: list[dict[str, Any]], page: int) -> tuple[pa.Table, set[str]]:
    arrays, extra = page_columns(records, COLUMNS)
    arrays["_source_row"] = arrays["_id"]  # CKAN's row id is the record id
    arrays["_page"] = page_number_column(page, len(records))
    return pa.table(arrays), extra


def _one_pass(
    client: httpx.Client,
    endpoint: str,
    resource_id: str,
    limit: int,
    archive: Archive,
    policy: RetryPolicy,
) -> PagingPass:
    pages: list[PageRecord] = []
    tables: list[pa.Table] = []
    total: int | None = None
    retries = 0
    offset = 0
    page = 1
    warned: set[str] = set()
    while True:
        where = f"{DATASET} offset {offset:,}"
        params = {"resource_id": resource_id, "limit": limit, "offset": offset}
        fetched = fetch_json(
            client, endpoint, params, policy, _check_page(offset, where), where=where
        )
        retries += fetched.attempts - 1
        result = fetched.document["result"]
        records = result["records"]
        page_total = int(result["total"])
        record = archive_page(archive, page, fetched, len(records))
        if total is not None and page_total != total:
            log.info("%s: total was %d, now %d", where, total, page_total)
            return PagingPass(pages, tables, page_total, retries, total_changed=True)
        total = page_total
        table, extra = _page_table(records, page)
        if extra - warned:
            log.warning("%s: fields not in the agreed format: %s", where, sorted(extra))
            warned |= extra
        pages.append(record)
        tables.append(table)
        offset += int(result["limit"])  # the limit the server applied, not the one asked
        if offset >= total:
            return PagingPass(pages, tables, total, retries)
        page += 1


def pull_household_needs(
    client: httpx.Client,
    base_url: str,
    resource_id: str,
    archive: Archive,
    *,
    limit: int = DEFAULT_LIMIT,
    policy: RetryPolicy | None = None,
    max_restarts: int = MAX_RESTARTS,
) -> ApiPull:
    """Pull every row of the household-needs resource.

    Raises a Rejection (`api_unavailable`, `api_incomplete`, `api_error`) when the pull
    cannot be completed: a partial pull is never returned."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    policy = policy or RetryPolicy()
    endpoint = base_url.rstrip("/") + PATH
    started = time.perf_counter()
    done, restarts, retries = page_with_restarts(
        lambda: _one_pass(client, endpoint, resource_id, limit, archive, policy),
        max_restarts=max_restarts,
        where=DATASET,
    )
    records = pa.concat_tables(done.tables)
    log.info(
        "%s: %d rows in %d pages (%d retries, %d restarts) in %.1f s",
        DATASET,
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
        high_water_mark=None,  # the datastore has no change timestamp
        restarts=restarts,
        retries=retries,
    )
