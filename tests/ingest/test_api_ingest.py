"""The API datasets into the raw layer: incremental DLA pulls, CKAN pulls not counted twice,
and a pull that fails recorded as a rejected delivery without stopping the other."""

from __future__ import annotations

import json

import pytest

from ingest import store
from ingest.api import ingest_apis
from ingest.settings import Settings
from simulator.server import ApiServer, Fault


def count(con, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


@pytest.fixture
def served(small, tmp_path):
    with ApiServer(small.api) as api:
        settings = Settings.load(
            warehouse=tmp_path / "warehouse",
            dla_base_url=api.base_url,
            ckan_base_url=api.base_url,
            http_max_attempts=2,
            http_initial_wait_seconds=0.01,
            http_max_wait_seconds=0.05,
        )
        with store.connect(settings.work_db) as con:
            yield api, settings, con


def test_pulls_once_then_only_what_changed(served, small) -> None:
    api, settings, con = served
    first = ingest_apis(settings, con)
    dla_rows = small.summary.rows["dla/plan_projects"]
    needs_rows = small.summary.rows["opsmoi/household_needs"]
    assert first == {
        "dla/plan_projects": f"{dla_rows} records",
        "opsmoi/household_needs": f"{needs_rows} records",
    }
    again = ingest_apis(settings, con)
    assert again == {
        "dla/plan_projects": "no new records",
        "opsmoi/household_needs": "unchanged since the last pull",
    }
    assert count(con, "select count(*) from raw.dla__plan_projects") == dla_rows
    assert count(con, "select count(*) from raw.opsmoi__household_needs") == needs_rows
    mark = store.get_state(con, "dla/plan_projects:2566-2570:high_water_mark")
    # A later edition of one project is published: the next pull brings only it.
    line = (small.api / "dla/plan_projects/54.jsonl").read_text(encoding="utf-8").splitlines()[0]
    record = json.loads(line) | {
        "edition": "แก้ไข ครั้งที่ 2",
        "updated_at": "2026-11-01T09:00:00+07:00",
    }
    api.publish_dla(record)
    third = ingest_apis(settings, con, {"dla/plan_projects"})
    assert third == {"dla/plan_projects": "1 records"}
    latest = con.execute(
        "select project_id, edition, _source_row from raw.dla__plan_projects where edition = 'แก้ไข ครั้งที่ 2'"
    ).fetchall()
    assert latest == [(record["project_id"], "แก้ไข ครั้งที่ 2", f"{record['project_id']}:แก้ไข ครั้งที่ 2")]
    assert (
        store.get_state(con, "dla/plan_projects:2566-2570:high_water_mark")
        == "2026-11-01T09:00:00+07:00"
        != mark
    )


def test_changed_needs_are_a_new_snapshot(served, small) -> None:
    api, settings, con = served
    ingest_apis(settings, con, {"opsmoi/household_needs"})
    # The portal adds a record: the page bytes differ, so the whole resource is pulled again.
    api.set_faults([Fault("total_change", "ckan", at_request=1)])
    outcome = ingest_apis(settings, con, {"opsmoi/household_needs"})
    needs_rows = small.summary.rows["opsmoi/household_needs"]
    assert outcome == {"opsmoi/household_needs": f"{needs_rows + 1} records"}
    deliveries = con.execute(
        "select rows_read from raw.deliveries where dataset = 'opsmoi/household_needs' order by received_at"
    ).fetchall()
    assert deliveries == [(needs_rows,), (needs_rows + 1,)]


def test_a_failing_api_is_a_rejected_delivery_and_the_other_goes_on(served, small) -> None:
    api, settings, con = served
    api.set_faults([Fault("unavailable", "dla", at_request=1, times=50)])
    outcome = ingest_apis(settings, con)
    assert outcome["dla/plan_projects"] == "rejected: api_unavailable"
    assert (
        outcome["opsmoi/household_needs"]
        == f"{small.summary.rows['opsmoi/household_needs']} records"
    )
    reason = con.execute(
        "select status, reason_code, reason_th from raw.deliveries where dataset = 'dla/plan_projects'"
    ).fetchall()
    assert reason[0][:2] == ("rejected", "api_unavailable") and "API" in reason[0][2]
    assert count(con, "select count(*) from raw.dla__plan_projects") == 0
    # The high-water mark is untouched: the next night pulls everything again.
    assert store.get_state(con, "dla/plan_projects:2566-2570:high_water_mark") is None
