"""The agency API simulator, over real HTTP on loopback: paging, filters, the clock, faults."""

from __future__ import annotations

import functools
import json
import math
import os
import re
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.server import (
    CKAN_PATH,
    DEFAULT_RESOURCE_ID,
    DLA_MAX_PER_PAGE,
    ApiServer,
    Fault,
    parse_fault,
)

BANGKOK = timezone(timedelta(hours=7))
CURRENT = "2566-2570"
PREVIOUS = "2561-2565"
LAOS = ("5401001", "5401002", "7601003", "7601004")
DIMENSIONS = ("สุขภาพ", "ความเป็นอยู่", "การศึกษา", "รายได้", "การเข้าถึงบริการรัฐ")
EDITIONS = ("ฉบับแรก", "เพิ่มเติม ครั้งที่ 1", "เปลี่ยนแปลง ครั้งที่ 1")
# First editions are dated from this day; later editions 200 and 400 days on.
FIRST_EDITION_DAY = datetime(2023, 3, 1, 9, 0, tzinfo=BANGKOK)


@dataclass(frozen=True)
class Store:
    path: Path
    dla: list[dict[str, Any]]  # in API order
    ops: list[dict[str, Any]]  # in API order, without _id


def _stamp(moment: datetime, index: int) -> str:
    """Alternate Thai offsets and UTC 'Z' so filters must compare instants, not text."""
    if index % 2:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(BANGKOK).isoformat()


def _dla_records() -> list[dict[str, Any]]:
    records = []
    for lao_code in LAOS:
        for period in (PREVIOUS, CURRENT):
            for number in range(1, 26):
                project_id = f"{lao_code}-{period[:4]}-{number:03d}"
                editions = EDITIONS[: 1 + (number % 5 == 0) + (number % 10 == 0)]
                for rank, edition in enumerate(editions):
                    moment = FIRST_EDITION_DAY + timedelta(days=200 * rank, hours=number)
                    records.append(
                        {
                            "lao_code": lao_code,
                            "period": period,
                            "edition": edition,
                            "project_id": project_id,
                            "strategy": "ยุทธศาสตร์การพัฒนาด้านโครงสร้างพื้นฐาน",
                            "program": "แผนงานเคหะและชุมชน",
                            "project_name": f"โครงการก่อสร้างถนนคอนกรีต หมู่ที่ {number % 9 + 1}",
                            "objective": "เพื่อให้ประชาชนสัญจรได้สะดวก",
                            "target": f"ม.{number % 9 + 1}-{number % 9 + 2}",
                            "budget": {"2566": "500,000", "2567": "-", "2568": "๑๕๐,๐๐๐"},
                            "kpi": "ร้อยละ 80",
                            "expected_result": "ถนนได้มาตรฐาน",
                            "responsible_unit": "กองช่าง",
                            "updated_at": _stamp(moment, len(records)),
                        }
                    )
    return records


def _ops_records() -> list[dict[str, Any]]:
    records = []
    for village in range(60):
        code = f"{54010101 + village}"
        for dimension in DIMENSIONS:
            records.append(
                {
                    # Some arrive as JSON numbers, as a spreadsheet export would give them.
                    "village_code": int(code) if len(records) % 7 == 0 else code,
                    "survey_year": 2568,
                    "dimension": dimension,
                    "households_surveyed": 100 + village,
                    "households_in_need": village % 40,
                }
            )
    return records


def _write_jsonl(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    path.write_text("".join(lines), encoding="utf-8")


def _write_store(root: Path, dla: list[dict[str, Any]], ops: list[dict[str, Any]]) -> Path:
    # Several files per dataset, so the API order must follow the sorted file names.
    for lao_code in LAOS:
        part = [r for r in dla if r["lao_code"] == lao_code]
        _write_jsonl(root / "dla" / "plan_projects" / f"plan_projects_{lao_code}.jsonl", part)
    _write_jsonl(root / "opsmoi" / "household_needs" / "household_needs_1.jsonl", ops[:170])
    _write_jsonl(root / "opsmoi" / "household_needs" / "household_needs_2.jsonl", ops[170:])
    return root


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    dla, ops = _dla_records(), _ops_records()
    return Store(_write_store(tmp_path_factory.mktemp("api"), dla, ops), dla, ops)


@pytest.fixture
def api(store: Store) -> Iterator[ApiServer]:
    with ApiServer(store.path) as server:
        yield server


@functools.cache
def _tls() -> ssl.SSLContext:
    # Shared: each new httpx client would otherwise load the CA bundle again (0.2 s).
    return ssl.create_default_context()


def _http(timeout: float) -> httpx.Client:
    return httpx.Client(timeout=timeout, verify=_tls())


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with _http(5) as http:
        yield http


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _dla_pull(
    client: httpx.Client, api: ApiServer, per_page: int, **params: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page of a listing: the records and each page's meta."""
    records, metas, page = [], [], 1
    while True:
        response = client.get(api.dla_url, params={**params, "page": page, "per_page": per_page})
        assert response.status_code == 200, response.text
        body = response.json()
        records += body["data"]
        metas.append(body["meta"])
        if page >= body["meta"]["pages"]:
            return records, metas
        page += 1


# --------------------------------------------------------------------------- DLA


def test_dla_pages_cover_the_period_exactly_once(
    api: ApiServer, client: httpx.Client, store: Store
) -> None:
    expected = [r for r in store.dla if r["period"] == CURRENT]
    records, metas = _dla_pull(client, api, per_page=37, period=CURRENT)

    assert records == expected  # same records, same (store) order, nothing twice
    assert len({(r["project_id"], r["edition"]) for r in records}) == len(expected)
    assert [m["page"] for m in metas] == list(range(1, math.ceil(len(expected) / 37) + 1))
    for meta in metas:
        assert meta == {**meta, "per_page": 37, "total": len(expected)}
        assert meta["pages"] == math.ceil(len(expected) / 37)


def test_dla_answer_shape_and_thai_text_unescaped(api: ApiServer, client: httpx.Client) -> None:
    response = client.get(api.dla_url, params={"period": CURRENT, "per_page": 2})
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "ฉบับแรก".encode() in response.content  # not \\u0e09... escapes
    body = response.json()
    assert set(body) == {"data", "meta"}
    assert set(body["data"][0]) == {
        "lao_code",
        "period",
        "edition",
        "project_id",
        "strategy",
        "program",
        "project_name",
        "objective",
        "target",
        "budget",
        "kpi",
        "expected_result",
        "responsible_unit",
        "updated_at",
    }


def test_dla_without_period_lists_every_record_across_files(
    api: ApiServer, client: httpx.Client, store: Store
) -> None:
    records, metas = _dla_pull(client, api, per_page=DLA_MAX_PER_PAGE)
    assert records == store.dla
    assert metas == [{"page": 1, "per_page": 500, "total": len(store.dla), "pages": 1}]


def test_dla_page_size_limits(api: ApiServer, client: httpx.Client, store: Store) -> None:
    current = [r for r in store.dla if r["period"] == CURRENT]
    default = client.get(api.dla_url, params={"period": CURRENT}).json()
    assert default["meta"] == {
        "page": 1,
        "per_page": 100,
        "total": len(current),
        "pages": math.ceil(len(current) / 100),
    }
    assert default["data"] == current[:100]

    for bad in ({"per_page": 501}, {"per_page": 0}, {"per_page": "ten"}, {"page": 0}):
        response = client.get(api.dla_url, params={"period": CURRENT, **bad})
        assert response.status_code == 400, bad
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"]["code"] == 400


def test_dla_page_beyond_the_last_is_empty_with_true_meta(
    api: ApiServer, client: httpx.Client, store: Store
) -> None:
    total = sum(r["period"] == PREVIOUS for r in store.dla)
    body = client.get(api.dla_url, params={"period": PREVIOUS, "page": 99, "per_page": 50}).json()
    assert body == {
        "data": [],
        "meta": {"page": 99, "per_page": 50, "total": total, "pages": math.ceil(total / 50)},
    }
    unknown = client.get(api.dla_url, params={"period": "2571-2575"}).json()
    assert unknown["meta"]["total"] == 0 and unknown["meta"]["pages"] == 0


def test_dla_updated_since_compares_instants(
    api: ApiServer, client: httpx.Client, store: Store
) -> None:
    # A stored record written in UTC ("Z"): the same instant in Thai time is not "since".
    pivot = next(r for r in store.dla if r["updated_at"].endswith("Z") and r["period"] == CURRENT)
    pivot_thai = _instant(pivot["updated_at"]).astimezone(BANGKOK).isoformat()
    expected = [
        r
        for r in store.dla
        if r["period"] == CURRENT and _instant(r["updated_at"]) > _instant(pivot["updated_at"])
    ]
    assert 0 < len(expected) < sum(r["period"] == CURRENT for r in store.dla)

    records, metas = _dla_pull(client, api, per_page=40, period=CURRENT, updated_since=pivot_thai)
    assert records == expected
    assert pivot not in records
    assert metas[0]["total"] == len(expected)

    # '+' sent unencoded arrives as a space: the API refuses it rather than guess.
    raw = f"{api.dla_url}?period={CURRENT}&updated_since={pivot_thai}"
    for bad_url in (raw, f"{api.dla_url}?updated_since=yesterday"):
        response = client.get(bad_url)
        assert response.status_code == 400
        assert "updated_since" in response.json()["error"]["message"]


def test_clock_then_published_edition_then_incremental_pull(
    api: ApiServer, client: httpx.Client, store: Store
) -> None:
    current = [r for r in store.dla if r["period"] == CURRENT]
    cutoff = FIRST_EDITION_DAY + timedelta(days=100)  # after every first edition only
    api.set_clock(cutoff.isoformat())
    first_pull, _ = _dla_pull(client, api, per_page=30, period=CURRENT)
    assert first_pull == [r for r in current if _instant(r["updated_at"]) <= cutoff]
    assert {r["edition"] for r in first_pull} == {"ฉบับแรก"}

    # A new edition of a project that was at the start of the listing.
    project = first_pull[0]
    later = cutoff + timedelta(days=500)
    edition = {**project, "edition": "แก้ไข ครั้งที่ 1", "updated_at": later.isoformat()}
    api.publish_dla(edition)
    assert _dla_pull(client, api, per_page=30, period=CURRENT)[0] == first_pull  # not yet

    api.set_clock(later.isoformat())
    since = max(_instant(r["updated_at"]) for r in first_pull).isoformat()
    increment, metas = _dla_pull(client, api, per_page=30, period=CURRENT, updated_since=since)
    hidden_until_now = [r for r in current if _instant(r["updated_at"]) > cutoff]
    assert {(r["project_id"], r["edition"]) for r in increment} == {
        (r["project_id"], r["edition"]) for r in [*hidden_until_now, edition]
    }
    assert metas[0]["total"] == len(hidden_until_now) + 1

    # The published edition sits after the project's other editions: later pages shift.
    api.set_clock(None)
    everything, _ = _dla_pull(client, api, per_page=500, period=CURRENT)
    position = everything.index(edition)
    assert everything[position - 1]["project_id"] == project["project_id"]
    assert everything[position + 1]["project_id"] != project["project_id"]
    assert everything[:position] + everything[position + 1 :] == current


def test_publish_refuses_a_record_the_api_cannot_filter(api: ApiServer, store: Store) -> None:
    with pytest.raises(ValueError, match="updated_at"):
        api.publish_dla({**store.dla[0], "updated_at": None})
    with pytest.raises(ValueError):
        api.publish_dla({**store.dla[0], "updated_at": "last Tuesday"})
    with pytest.raises(ValueError):
        api.set_clock("soon")


# --------------------------------------------------------------------------- CKAN


def _ckan_expected(store: Store) -> list[dict[str, Any]]:
    return [{"_id": number, **record} for number, record in enumerate(store.ops, start=1)]


def test_ckan_answer_shape(api: ApiServer, client: httpx.Client, store: Store) -> None:
    response = client.get(api.ckan_url, params={"resource_id": api.resource_id})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["success"] is True
    assert body["help"].endswith("/api/3/action/help_show?name=datastore_search")
    result = body["result"]
    assert result["resource_id"] == DEFAULT_RESOURCE_ID == api.resource_id
    assert result["fields"] == [
        {"id": "_id", "type": "int"},
        {"id": "village_code", "type": "text"},
        {"id": "survey_year", "type": "int"},
        {"id": "dimension", "type": "text"},
        {"id": "households_surveyed", "type": "int"},
        {"id": "households_in_need", "type": "int"},
    ]
    assert (result["total"], result["limit"], result["offset"]) == (len(store.ops), 100, 0)
    assert result["records"] == _ckan_expected(store)[:100]
    assert isinstance(result["records"][0]["village_code"], int)  # kept as delivered
    assert isinstance(result["records"][1]["village_code"], str)
    assert result["_links"] == {
        "start": f"{CKAN_PATH}?resource_id={DEFAULT_RESOURCE_ID}&limit=100",
        "next": f"{CKAN_PATH}?resource_id={DEFAULT_RESOURCE_ID}&limit=100&offset=100",
    }


def test_ckan_caps_limit_silently_and_pages_by_links(store: Store, client: httpx.Client) -> None:
    with ApiServer(store.path, ckan_limit_cap=50) as api:
        first = client.get(api.ckan_url, params={"resource_id": api.resource_id, "limit": 1000})
        result = first.json()["result"]
        assert result["limit"] == 50 and len(result["records"]) == 50
        rows = list(result["records"])
        while len(rows) < result["total"]:
            result = client.get(api.base_url + result["_links"]["next"]).json()["result"]
            assert result["limit"] == 50
            assert result["records"], "ran out of records before total"
            rows += result["records"]
        assert rows == _ckan_expected(store)
        assert len({row["_id"] for row in rows}) == result["total"] == len(store.ops)
        last = client.get(api.base_url + result["_links"]["next"]).json()["result"]
        assert last["records"] == [] and last["offset"] == len(store.ops)


def test_ckan_accepts_a_json_post(api: ApiServer, client: httpx.Client, store: Store) -> None:
    response = client.post(
        api.ckan_url, json={"resource_id": api.resource_id, "limit": 5, "offset": 10}
    )
    assert response.status_code == 200
    result = response.json()["result"]
    assert result["records"] == _ckan_expected(store)[10:15]
    assert (result["limit"], result["offset"]) == (5, 10)


def test_ckan_errors(api: ApiServer, client: httpx.Client) -> None:
    unknown = client.get(api.ckan_url, params={"resource_id": "no-such-resource"})
    assert unknown.status_code == 404
    assert unknown.json()["success"] is False
    assert unknown.json()["error"] == {
        "__type": "Not Found Error",
        "message": "Not found: Resource was not found.",
    }
    missing = client.get(api.ckan_url)
    assert missing.status_code == 409
    assert missing.json()["error"]["resource_id"] == ["Missing value"]
    negative = client.get(api.ckan_url, params={"resource_id": api.resource_id, "limit": -1})
    assert negative.status_code == 409
    assert negative.json()["error"]["__type"] == "Validation Error"


def test_anything_else_is_404(api: ApiServer, client: httpx.Client) -> None:
    for path in ("/", "/api/v1/plan-projects/", "/api/3/action/package_show", "/api/v2/x"):
        assert client.get(api.base_url + path).status_code == 404, path


def test_manifest_names_the_resource_and_period(tmp_path: Path, store: Store) -> None:
    root = _write_store(tmp_path, store.dla[:10], store.ops[:10])
    manifest = {"dla_period": CURRENT, "ckan_resource_id": "abc-123"}
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with ApiServer(root) as api, _http(5) as client:
        assert (api.resource_id, api.dla_period) == ("abc-123", CURRENT)
        ok = client.get(api.ckan_url, params={"resource_id": "abc-123"})
        assert ok.json()["result"]["total"] == 10
        default = client.get(api.ckan_url, params={"resource_id": DEFAULT_RESOURCE_ID})
        assert default.status_code == 404


def test_store_quirks(tmp_path: Path, store: Store) -> None:
    # A code delivered as a number and blank lines still load; the order is kept.
    records = [{**store.dla[0], "lao_code": 5401001}, store.dla[1]]
    folder = tmp_path / "dla" / "plan_projects"
    folder.mkdir(parents=True)
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
    (folder / "a.jsonl").write_text(text + "\n\n", encoding="utf-8")
    with ApiServer(tmp_path) as api, _http(5) as client:
        assert client.get(api.dla_url).json()["data"] == records
        assert (
            client.get(api.ckan_url, params={"resource_id": api.resource_id}).json()["result"][
                "total"
            ]
            == 0
        )

    (folder / "b.jsonl").write_text('{"lao_code": "1"}\n["not", "an", "object"]\n')
    with pytest.raises(ValueError, match=r"b\.jsonl: record 2 is not a JSON object"):
        ApiServer(tmp_path)


def test_serves_on_loopback_only(store: Store) -> None:
    for host in ("0.0.0.0", "192.168.1.10", "example.org"):
        with pytest.raises(ValueError, match="loopback"):
            ApiServer(store.path, host=host)


# --------------------------------------------------------------------------- faults


def _dla_page(client: httpx.Client, api: ApiServer, page: int = 1, **kw: Any) -> httpx.Response:
    return client.get(api.dla_url, params={"period": CURRENT, "page": page, "per_page": 20}, **kw)


def _ckan_page(client: httpx.Client, api: ApiServer, offset: int = 0) -> httpx.Response:
    params = {"resource_id": api.resource_id, "limit": 50, "offset": offset}
    return client.get(api.ckan_url, params=params)


def test_rate_limit_for_consecutive_requests_then_stops(
    api: ApiServer, client: httpx.Client
) -> None:
    api.set_faults([parse_fault("dla:rate_limit@2x2,retry_after=3")])
    statuses = [_dla_page(client, api) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 429, 429, 200]
    assert statuses[1].headers["retry-after"] == "3"
    assert statuses[2].headers["retry-after"] == "3"
    assert "retry-after" not in statuses[3].headers
    assert [entry.fault for entry in api.request_log] == [None, "rate_limit", "rate_limit", None]


def test_server_errors(api: ApiServer, client: httpx.Client) -> None:
    api.set_faults(
        [
            Fault("server_error", "dla"),
            Fault("unavailable", "dla", at_request=2),
            Fault("server_error", "ckan"),
            Fault("unavailable", "ckan", at_request=2),
        ]
    )
    assert _dla_page(client, api).status_code == 500
    assert _dla_page(client, api).status_code == 503
    assert _ckan_page(client, api).status_code == 500
    unavailable = _ckan_page(client, api)
    assert unavailable.status_code == 503
    assert "Unavailable" in unavailable.text
    assert _dla_page(client, api).status_code == _ckan_page(client, api).status_code == 200


def test_slow_answer_times_a_short_client_out(api: ApiServer) -> None:
    api.set_faults([Fault("slow", "dla", delay=0.6)])
    with _http(0.15) as impatient, pytest.raises(httpx.ReadTimeout):
        _dla_page(impatient, api)
    with _http(5) as patient:
        assert _dla_page(patient, api).status_code == 200  # fault is spent
    api.set_faults([Fault("slow", "ckan", delay=0.2)])
    with _http(5) as patient:
        started = datetime.now(UTC)
        assert _ckan_page(patient, api).json()["success"] is True  # slow, but a real answer
        assert datetime.now(UTC) - started >= timedelta(seconds=0.2)


def test_short_page_keeps_meta(api: ApiServer, client: httpx.Client, store: Store) -> None:
    full_dla = _dla_page(client, api).json()
    full_ckan = _ckan_page(client, api).json()["result"]
    api.set_faults([Fault("short_page", "dla"), Fault("short_page", "ckan")])

    short = _dla_page(client, api).json()
    assert short["meta"] == full_dla["meta"] and short["meta"]["pages"] > 1
    assert 0 < len(short["data"]) < 20
    assert short["data"] == full_dla["data"][: len(short["data"])]

    result = _ckan_page(client, api).json()["result"]
    assert 0 < len(result["records"]) < result["limit"] == 50
    assert result["total"] == full_ckan["total"] == len(store.ops)
    assert result["_links"] == full_ckan["_links"]  # following `next` would skip rows


def test_truncated_body_has_matching_length_but_broken_json(
    api: ApiServer, client: httpx.Client
) -> None:
    full = _dla_page(client, api).content
    api.set_faults([Fault("truncated", "dla"), Fault("truncated", "ckan")])
    cut = _dla_page(client, api)
    assert cut.status_code == 200
    assert int(cut.headers["content-length"]) == len(cut.content) < len(full)
    assert full.startswith(cut.content)
    with pytest.raises(json.JSONDecodeError):
        cut.json()
    with pytest.raises(json.JSONDecodeError):
        _ckan_page(client, api).json()


def test_html_error_page_with_status_200(api: ApiServer, client: httpx.Client) -> None:
    api.set_faults([Fault("html_200", "dla"), Fault("html_200", "ckan")])
    for response in (_dla_page(client, api), _ckan_page(client, api)):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert "Service Temporarily Unavailable" in response.text
        assert response.text.lstrip().startswith("<html>")


def test_total_change_while_paging_dla(api: ApiServer, client: httpx.Client, store: Store) -> None:
    api.set_faults([parse_fault("dla:total_change@2")])
    page_1 = _dla_page(client, api, 1).json()
    page_2 = _dla_page(client, api, 2).json()
    assert page_2["meta"]["total"] == page_1["meta"]["total"] + 1
    assert page_2["data"][0] == page_1["data"][-1]  # everything after the insert moved down

    again = _dla_page(client, api, 1).json()["data"]
    added = next(r for r in again if r not in page_1["data"])
    first = page_1["data"][0]
    assert added["project_id"] == first["project_id"]
    assert added["edition"] == "แก้ไข ครั้งที่ 9"
    latest = max(_instant(r["updated_at"]) for r in store.dla)
    assert _instant(added["updated_at"]) > latest


def test_total_change_while_paging_ckan(api: ApiServer, client: httpx.Client) -> None:
    api.set_faults([parse_fault("ckan:total_change@2")])
    first = _ckan_page(client, api, 0).json()["result"]
    second = _ckan_page(client, api, 50).json()["result"]
    assert second["total"] == first["total"] + 1
    assert second["records"][0] == first["records"][-1]
    again = _ckan_page(client, api, 0).json()["result"]["records"]
    assert again[1]["_id"] == first["total"] + 1  # a new row, near the start
    assert again[1]["survey_year"] == first["records"][0]["survey_year"] + 1


@pytest.mark.parametrize("status", [200, 409])
def test_success_false(api: ApiServer, client: httpx.Client, status: int) -> None:
    api.set_faults([parse_fault(f"ckan:success_false@1,status={status}")])
    response = _ckan_page(client, api)
    assert response.status_code == status
    body = response.json()
    assert body["success"] is False
    assert body["error"]["__type"] == "Validation Error"
    assert body["error"]["message"]
    assert "result" not in body
    assert _ckan_page(client, api).json()["success"] is True


def test_faults_count_requests_per_endpoint(api: ApiServer, client: httpx.Client) -> None:
    api.set_faults([Fault("server_error", "dla", at_request=2)])
    assert _ckan_page(client, api).status_code == 200  # CKAN traffic does not count for DLA
    assert _ckan_page(client, api).status_code == 200
    assert _dla_page(client, api).status_code == 200
    assert _dla_page(client, api).status_code == 500
    api.set_faults([Fault("server_error", "dla", at_request=2)])  # counting starts again
    assert [_dla_page(client, api).status_code for _ in range(3)] == [200, 500, 200]
    assert api.request_counts == {"dla": 5, "ckan": 2}
    entry = api.request_log[-2]
    assert (entry.method, entry.path, entry.status, entry.endpoint) == (
        "GET",
        "/api/v1/plan-projects",
        500,
        "dla",
    )
    assert entry.query == {"period": CURRENT, "page": "1", "per_page": "20"}


@pytest.mark.parametrize(
    ("spec", "fault"),
    [
        ("dla:rate_limit@3x2,retry_after=2", Fault("rate_limit", "dla", 3, 2, retry_after=2)),
        ("ckan:success_false@1,status=409", Fault("success_false", "ckan", 1, status=409)),
        ("dla:slow,delay=0.5", Fault("slow", "dla", delay=0.5)),
        ("ckan:truncated@4", Fault("truncated", "ckan", 4)),
        (" dla:html_200 , at_request=2, times=3", Fault("html_200", "dla", 2, 3)),
    ],
)
def test_parse_fault(spec: str, fault: Fault) -> None:
    assert parse_fault(spec) == fault


@pytest.mark.parametrize(
    "spec",
    [
        "dla:success_false",  # a CKAN-only answer
        "ftp:rate_limit",
        "dla:explode",
        "dla:rate_limit@0",
        "dla:rate_limit@1x",
        "dla:rate_limit,colour=red",
        "dla:slow,delay=soon",
        "ckan:success_false,status=500",
        "rate_limit",
    ],
)
def test_parse_fault_refuses(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_fault(spec)


def test_serve_forever_stops_on_sigterm(store: Store) -> None:
    # The CLI path (`muban simulate --serve`): logs its URLs, serves, exits 0 on SIGTERM.
    script = (
        "import logging, sys; from pathlib import Path; "
        "from simulator.server import serve_forever, parse_fault; "
        "logging.basicConfig(level=logging.INFO, stream=sys.stdout); "
        "faults = [parse_fault('dla:server_error@1')]; "
        "serve_forever(Path(sys.argv[1]), '127.0.0.1', 0, faults, 32000)"
    )
    root = Path(__file__).resolve().parents[2]
    with subprocess.Popen(
        [sys.executable, "-c", script, str(store.path)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            output = []
            for line in process.stdout:
                output.append(line)
                if "DLA plan projects:" in line:
                    break
            dla_url = re.search(r"(http://\S+/api/v1/plan-projects)", "".join(output))
            assert dla_url, "".join(output)
            with _http(5) as client:
                assert client.get(dla_url[1]).status_code == 500  # the fault from the CLI
                assert client.get(dla_url[1]).json()["meta"]["total"] == len(store.dla)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
            assert "stopping the API simulator" in process.stdout.read()
        finally:
            if process.poll() is None:
                process.kill()
