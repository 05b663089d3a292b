"""The DLA and OPS MOI API pulls, over real HTTP against the loopback simulator.

Every fault the agencies' APIs show is injected in turn; a pull either returns exactly the
store's records or is rejected with the reason a clerk reads.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.archive import Archive
from ingest.dla.plan_projects import COLUMNS as DLA_COLUMNS
from ingest.dla.plan_projects import pull_plan_projects
from ingest.http import (
    ApiPull,
    RetryPolicy,
    _parse_retry_after,
    as_text,
    make_client,
)
from ingest.opsmoi.household_needs import COLUMNS as CKAN_COLUMNS
from ingest.opsmoi.household_needs import pull_household_needs
from ingest.reasons import Rejection
from simulator.server import ApiServer, Fault, parse_instant

# Small waits keep the file fast; the policy is the same code as in production.
FAST = RetryPolicy(max_attempts=6, initial_wait=0.05, max_wait=0.2)
# Pages small enough that every fault lands mid-pull and there is a page after it.
DLA_PAGE = 500
CKAN_CAP = 500
LITERAL = json.JSONDecoder(parse_int=str, parse_float=str)


@dataclass(frozen=True)
class Store:
    path: Path
    period: str
    resource_id: str
    dla: list[dict[str, Any]]  # in API order, numbers as their literal text
    ckan: list[dict[str, Any]]  # in API order, without _id, numbers as their literal text


def _read_store(folder: Path) -> list[dict[str, Any]]:
    return [
        LITERAL.decode(line)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8-sig").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def store(small: Any) -> Store:
    """The API store of the session's small simulated delivery (conftest `small`)."""
    api_dir = Path(small.api)
    manifest = json.loads((api_dir / "manifest.json").read_text(encoding="utf-8"))
    dla = _read_store(api_dir / "dla" / "plan_projects")
    ckan = _read_store(api_dir / "opsmoi" / "household_needs")
    assert len(dla) > 2 * DLA_PAGE and len(ckan) > 2 * CKAN_CAP  # faults land mid-pull
    return Store(api_dir, manifest["dla_period"], manifest["ckan_resource_id"], dla, ckan)


@pytest.fixture
def api(store: Store) -> Iterator[ApiServer]:
    with ApiServer(store.path, ckan_limit_cap=CKAN_CAP) as server:
        yield server


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(timeout=5) as http:
        yield http


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path / "archive")


def _pull_dla(
    client: httpx.Client, api: ApiServer, store: Store, archive: Archive, **options: Any
) -> ApiPull:
    options.setdefault("policy", FAST)
    return pull_plan_projects(client, api.base_url, store.period, archive, **options)


def _pull_ckan(
    client: httpx.Client, api: ApiServer, store: Store, archive: Archive, **options: Any
) -> ApiPull:
    options.setdefault("policy", FAST)
    return pull_household_needs(client, api.base_url, store.resource_id, archive, **options)


def _dla_id(record: dict[str, Any]) -> str:
    return f"{record['project_id']}:{record['edition']}"


def _expected_dla_row(record: dict[str, Any], budget_text: str) -> dict[str, Any]:
    row = {name: record.get(name) for name in DLA_COLUMNS}
    row["budget"] = budget_text
    row["_source_row"] = _dla_id(record)
    return row


def _instant(text: str) -> datetime:
    return parse_instant(text)


def _assert_dla_equals(pull: ApiPull, expected: list[dict[str, Any]]) -> None:
    rows = pull.records.to_pylist()
    assert pull.total == len(rows) == len(expected)
    assert len({row["_source_row"] for row in rows}) == len(rows)  # no duplicates
    by_id = {row["_source_row"]: row for row in rows}
    assert set(by_id) == {_dla_id(record) for record in expected}
    for record in expected:
        row = by_id[_dla_id(record)]
        assert json.loads(row["budget"]) == record["budget"]  # the object round-trips
        assert {k: v for k, v in row.items() if k != "_page"} == _expected_dla_row(
            record, row["budget"]
        )


def _assert_ckan_equals(pull: ApiPull, expected: list[dict[str, Any]]) -> None:
    rows = pull.records.to_pylist()
    assert pull.total == len(rows) == len(expected)
    assert [row["_id"] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    for row, record in zip(rows, expected, strict=True):
        assert {k: row[k] for k in record} == record
        assert row["_source_row"] == row["_id"]


# --------------------------------------------------------------------------- complete pulls


def test_dla_complete_pull_equals_the_store(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    pull = _pull_dla(client, api, store, archive)

    assert (pull.dataset, pull.endpoint) == ("dla/plan_projects", api.dla_url)
    assert pull.records.column_names == [*DLA_COLUMNS, "_source_row", "_page"]
    assert all(str(field.type) == "string" for field in pull.records.schema)
    _assert_dla_equals(pull, store.dla)
    assert (pull.restarts, pull.retries) == (0, 0)
    # Text exactly as delivered: Thai unescaped, the budget's own keys and amounts.
    first = pull.records.slice(0, 1).to_pylist()[0]
    assert first["budget"] == json.dumps(
        store.dla[0]["budget"], ensure_ascii=False, separators=(",", ":")
    )
    latest = max(store.dla, key=lambda r: _instant(r["updated_at"]))["updated_at"]
    assert pull.high_water_mark == latest

    queries = [entry.query for entry in api.request_log]
    assert [q["page"] for q in queries] == [str(p) for p in range(1, len(pull.pages) + 1)]
    assert all(int(q["per_page"]) <= 500 for q in queries)
    assert all(q["period"] == store.period and "updated_since" not in q for q in queries)


def test_dla_per_page_is_never_above_500(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    with pytest.raises(ValueError, match="per_page"):
        _pull_dla(client, api, store, archive, per_page=501)
    pull = _pull_dla(client, api, store, archive, per_page=120)
    _assert_dla_equals(pull, store.dla)
    assert {entry.query["per_page"] for entry in api.request_log} == {"120"}
    assert [page.records for page in pull.pages[:-1]] == [120] * (len(pull.pages) - 1)


def test_every_page_is_archived_as_received(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    pull = _pull_dla(client, api, store, archive)
    rows = pull.records.to_pylist()
    assert sum(page.records for page in pull.pages) == len(rows)
    for page in pull.pages:
        data = archive.get(page.sha256)
        assert hashlib.sha256(data).hexdigest() == page.sha256
        assert (len(data), page.status) == (page.size, 200)
        assert page.url.startswith(api.dla_url + "?") and f"page={page.page}&" in page.url
        document = json.loads(data)
        assert document["meta"]["page"] == page.page
        on_page = [row["_source_row"] for row in rows if row["_page"] == str(page.page)]
        assert [_dla_id(record) for record in document["data"]] == on_page


def test_ckan_complete_pull_keeps_numbers_as_their_literal_text(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    pull = _pull_ckan(client, api, store, archive, limit=CKAN_CAP)
    assert (pull.dataset, pull.endpoint) == ("opsmoi/household_needs", api.ckan_url)
    assert pull.records.column_names == [*CKAN_COLUMNS, "_source_row", "_page"]
    _assert_ckan_equals(pull, store.ckan)
    codes = set(pull.records.column("village_code").to_pylist())
    assert any(code.endswith(".0") for code in codes)  # a spreadsheet export's float
    assert pull.high_water_mark is None
    for page in pull.pages:
        result = json.loads(archive.get(page.sha256))["result"]
        assert len(result["records"]) == page.records


def test_ckan_limit_cap_pages_by_the_limit_the_server_returns(
    store: Store, client: httpx.Client, archive: Archive
) -> None:
    with ApiServer(store.path, ckan_limit_cap=100) as api:
        pull = _pull_ckan(client, api, store, archive, limit=32000)
        log = api.request_log
    _assert_ckan_equals(pull, store.ckan)
    assert [page.records for page in pull.pages[:-1]] == [100] * (len(pull.pages) - 1)
    assert len(pull.pages) == -(-len(store.ckan) // 100)
    assert [entry.query["offset"] for entry in log] == [
        str(100 * n) for n in range(len(pull.pages))
    ]
    assert {entry.query["limit"] for entry in log} == {"32000"}


def test_a_published_number_stays_its_literal_text(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    latest = max(_instant(r["updated_at"]) for r in store.dla)
    record = {
        **store.dla[0],
        "edition": "แก้ไข ครั้งที่ 5",
        "budget": {"2566": 500000, "2567": 150000.5, "2568": "-", "2569": None},
        "updated_at": (latest + timedelta(hours=1)).isoformat(),
    }
    api.publish_dla(record)
    pull = _pull_dla(client, api, store, archive)
    row = next(r for r in pull.records.to_pylist() if r["_source_row"] == _dla_id(record))
    assert row["budget"] == '{"2566":500000,"2567":150000.5,"2568":"-","2569":null}'
    assert pull.high_water_mark == record["updated_at"]


def test_as_text() -> None:
    document = json.JSONDecoder(parse_int=str).decode('{"a": true, "b": [1, "x"], "c": null}')
    assert as_text(document["a"]) == "true"
    assert as_text(document["c"]) is None
    assert as_text("๑๕๐,๐๐๐") == "๑๕๐,๐๐๐"


# --------------------------------------------------------------------------- incremental


def test_incremental_pull_returns_only_what_was_published_since(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    instants = sorted({_instant(r["updated_at"]) for r in store.dla})
    cut, later = instants[len(instants) // 2], instants[-1] + timedelta(days=1)
    api.set_clock(cut.isoformat())
    first = _pull_dla(client, api, store, archive)
    seen = [r for r in store.dla if _instant(r["updated_at"]) <= cut]
    _assert_dla_equals(first, seen)
    assert first.high_water_mark is not None and _instant(first.high_water_mark) == cut

    published = {**store.dla[0], "edition": "แก้ไข ครั้งที่ 7", "updated_at": later.isoformat()}
    api.publish_dla(published)
    assert _pull_dla(client, api, store, archive, updated_since=first.high_water_mark).total == 0

    api.set_clock(later.isoformat())
    increment = _pull_dla(client, api, store, archive, updated_since=first.high_water_mark)
    seen_ids = {_dla_id(r) for r in seen}
    since = [r for r in store.dla if _dla_id(r) not in seen_ids]
    _assert_dla_equals(increment, [*since, published])
    assert increment.high_water_mark == published["updated_at"]
    assert api.request_log[-1].query["updated_since"] == first.high_water_mark


# --------------------------------------------------------------------------- faults

RECOVERABLE = ("server_error", "unavailable", "short_page", "truncated", "html_200")


@pytest.mark.parametrize("kind", RECOVERABLE)
@pytest.mark.parametrize("endpoint", ["dla", "ckan"])
def test_a_transient_fault_is_retried_and_the_pull_is_whole(
    api: ApiServer,
    client: httpx.Client,
    store: Store,
    archive: Archive,
    kind: Any,
    endpoint: Any,
) -> None:
    api.set_faults([Fault(kind, endpoint, at_request=2, times=2)])
    if endpoint == "dla":
        pull = _pull_dla(client, api, store, archive)
        _assert_dla_equals(pull, store.dla)
    else:
        pull = _pull_ckan(client, api, store, archive, limit=CKAN_CAP)
        _assert_ckan_equals(pull, store.ckan)
    assert (pull.retries, pull.restarts) == (2, 0)
    assert [entry.fault for entry in api.request_log][:4] == [None, kind, kind, None]
    assert pull.pages[1].attempts == 3
    # Only pages that parsed are archived; each page once.
    assert all(archive.has(page.sha256) for page in pull.pages)


def test_rate_limit_honours_retry_after(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    # Backoff alone would wait ≤ 0.1 s: only Retry-After explains a 1 s pause.
    api.set_faults([Fault("rate_limit", "dla", at_request=2, retry_after=1)])
    started = time.monotonic()
    pull = _pull_dla(client, api, store, archive)
    assert time.monotonic() - started >= 1.0
    _assert_dla_equals(pull, store.dla)
    limited, retried = api.request_log[1:3]
    assert (limited.status, limited.fault, retried.status) == (429, "rate_limit", 200)
    assert retried.at - limited.at >= 1.0
    assert pull.retries == 1


def test_a_slow_answer_times_out_and_is_asked_again(
    api: ApiServer, store: Store, archive: Archive
) -> None:
    api.set_faults([Fault("slow", "dla", at_request=2, delay=1.5)])
    with make_client(timeout=0.5) as impatient:
        pull = _pull_dla(impatient, api, store, archive)
    _assert_dla_equals(pull, store.dla)
    assert pull.retries == 1
    # Counted on arrival: the slow answer's log entry only lands when its delay is over.
    assert api.request_counts["dla"] == len(pull.pages) + 1


def test_dla_total_change_restarts_from_the_first_page(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    api.set_faults([Fault("total_change", "dla", at_request=2)])
    pull = _pull_dla(client, api, store, archive)
    assert pull.restarts == 1
    added = [r for r in pull.records.to_pylist() if r["edition"] == "แก้ไข ครั้งที่ 9"]
    assert len(added) == 1 and added[0]["project_id"] == store.dla[0]["project_id"]
    added_record = {**store.dla[0], "edition": added[0]["edition"]}
    added_record["updated_at"] = added[0]["updated_at"]
    _assert_dla_equals(pull, [*store.dla, added_record])
    assert pull.high_water_mark == added[0]["updated_at"]
    assert [entry.query["page"] for entry in api.request_log][:3] == ["1", "2", "1"]
    assert [page.page for page in pull.pages] == list(range(1, len(pull.pages) + 1))


def test_ckan_total_change_restarts_from_offset_0(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    api.set_faults([Fault("total_change", "ckan", at_request=2)])
    pull = _pull_ckan(client, api, store, archive, limit=CKAN_CAP)
    assert pull.restarts == 1
    rows = pull.records.to_pylist()
    assert pull.total == len(rows) == len(store.ckan) + 1
    assert len({row["_id"] for row in rows}) == len(rows)
    assert rows[1]["_id"] == str(len(store.ckan) + 1)  # the new row, near the start
    assert [entry.query["offset"] for entry in api.request_log][:3] == ["0", str(CKAN_CAP), "0"]


def test_a_total_that_keeps_changing_is_rejected(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    api.set_faults([Fault("total_change", "dla", at_request=2, times=50)])
    with pytest.raises(Rejection) as caught:
        _pull_dla(client, api, store, archive, max_restarts=2)
    assert caught.value.code == "api_incomplete"
    assert "ไม่ตรงกับจำนวนที่แจ้ง" in caught.value.thai
    assert [entry.query["page"] for entry in api.request_log].count("1") == 3


@pytest.mark.parametrize("status", [200, 409])
def test_ckan_success_false_is_retried(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive, status: int
) -> None:
    api.set_faults([Fault("success_false", "ckan", at_request=2, status=status)])
    pull = _pull_ckan(client, api, store, archive, limit=CKAN_CAP)
    _assert_ckan_equals(pull, store.ckan)
    assert pull.retries == 1
    assert api.request_log[1].status == status


@pytest.mark.parametrize("status", [200, 409])
def test_ckan_success_false_every_time_is_an_api_error(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive, status: int
) -> None:
    api.set_faults([Fault("success_false", "ckan", times=10, status=status)])
    policy = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.05)
    with pytest.raises(Rejection) as caught:
        _pull_ckan(client, api, store, archive, policy=policy)
    rejection = caught.value
    assert rejection.code == "api_error"
    assert rejection.details["detail"] == "Search failed: the datastore is busy, try again later"
    assert rejection.thai.startswith("API แจ้งข้อผิดพลาด: Search failed")
    assert len(api.request_log) == 3
    assert not any(archive.root.rglob("*"))  # nothing parsed OK, nothing archived


@pytest.mark.parametrize(
    ("fault", "detail"),
    [
        (Fault("server_error", "dla", at_request=2, times=10), "HTTP 500"),
        (Fault("unavailable", "ckan", at_request=2, times=10), "HTTP 503"),
        (Fault("rate_limit", "dla", at_request=2, times=10, retry_after=0), "HTTP 429"),
        (Fault("html_200", "dla", at_request=2, times=10), "HTML"),
        (Fault("truncated", "ckan", at_request=2, times=10), "invalid JSON"),
        (Fault("short_page", "dla", at_request=2, times=10), "short page"),
        (Fault("slow", "dla", at_request=2, times=10, delay=1.5), "timed out"),
    ],
    ids=lambda value: value.kind if isinstance(value, Fault) else None,
)
def test_exhausted_attempts_reject_the_pull(
    api: ApiServer, store: Store, archive: Archive, fault: Fault, detail: str
) -> None:
    api.set_faults([fault])
    policy = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.05)
    pull = _pull_dla if fault.endpoint == "dla" else _pull_ckan
    with make_client(timeout=0.5) as http, pytest.raises(Rejection) as caught:
        pull(http, api, store, archive, policy=policy)
    rejection = caught.value
    assert rejection.code == "api_unavailable"
    assert rejection.details["attempts"] == 3
    assert detail in str(rejection.details["detail"])
    assert "ดึงข้อมูลจาก API ไม่สำเร็จหลังลองซ้ำ 3 ครั้ง" in rejection.thai
    assert rejection.where is not None
    # The good first page, then the bounded attempts (counted on arrival: see slow).
    assert api.request_counts[fault.endpoint] == 1 + 3


def test_a_bad_request_is_not_retried(
    api: ApiServer, client: httpx.Client, store: Store, archive: Archive
) -> None:
    with pytest.raises(Rejection) as caught:
        _pull_dla(client, api, store, archive, updated_since="yesterday")
    assert caught.value.code == "api_error"
    assert "HTTP 400" in caught.value.english and "updated_since" in caught.value.english
    assert len(api.request_log) == 1


def test_retry_after_as_seconds_or_http_date() -> None:
    assert _parse_retry_after("3") == 3.0
    assert _parse_retry_after(None) is None and _parse_retry_after("soon") is None
    when = datetime.now().astimezone() + timedelta(seconds=30)
    assert 25 <= (_parse_retry_after(format_datetime(when, usegmt=False)) or 0) <= 31


def test_a_missing_field_is_null_and_an_extra_one_is_reported(
    api: ApiServer,
    client: httpx.Client,
    store: Store,
    archive: Archive,
    caplog: pytest.LogCaptureFixture,
) -> None:
    latest = max(_instant(r["updated_at"]) for r in store.dla)
    record = {k: v for k, v in store.dla[0].items() if k != "kpi"}
    record |= {"edition": "แก้ไข ครั้งที่ 6", "remark": "ทดสอบ", "updated_at": latest.isoformat()}
    api.publish_dla(record)
    with caplog.at_level("WARNING", logger="ingest.dla.plan_projects"):
        pull = _pull_dla(client, api, store, archive)
    row = next(r for r in pull.records.to_pylist() if r["_source_row"] == _dla_id(record))
    assert row["kpi"] is None and "remark" not in row
    assert row["target"] == record["target"]
    assert "remark" in caplog.text
    assert pull.total == len(store.dla) + 1
