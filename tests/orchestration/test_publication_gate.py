"""Write, audit, publish through the nightly job: a run whose blocking check fails publishes
nothing (the published file stays byte-identical), exits non-zero and names the check and why;
the publication records the checks it passed."""

from __future__ import annotations

import duckdb

from publish.publication import PUBLISHED_FILE, current_publication, publications
from tests.orchestration.conftest import Redelivery


def test_the_publication_records_its_checks(published_small) -> None:
    with duckdb.connect(str(published_small / PUBLISHED_FILE), read_only=True) as con:
        (checks,) = con.execute(
            "select checks from meta_publication order by publication_id desc limit 1"
        ).fetchone()  # type: ignore[misc]
        tables = {name for (name,) in con.execute("show tables").fetchall()}
    names = {check["name"] for check in checks}
    # the candidate's blocking checks, dbt's tests and the agencies' delivery suites
    assert {"rows_conserved", "plan_items_volume", "expectations_fct_plan_item"} <= names
    assert any(name.startswith("raw/dopa/village_plans:") for name in names)
    assert sum(name.startswith("marts/") or name.startswith("staging/") for name in names) > 100
    assert all(check["passed"] for check in checks if check["blocking"])
    assert {
        "fct_plan_item",
        "quarantine",
        "rpt_delivery_expectations",
        "meta_publication",
    } <= tables


def test_a_failed_blocking_check_publishes_nothing_and_says_why(
    truncated_redelivery: Redelivery,
) -> None:
    """DOPA re-delivers its plan file truncated (the same name): the volume check refuses the
    candidate, and nothing is published."""
    run = truncated_redelivery
    said = run.refused.stdout + run.refused.stderr
    assert run.refused.returncode == 1, said
    assert "CHECK FAILED: warehouse/candidate:plan_items_volume" in said
    assert "dopa plan items of fiscal year 2569 fell from" in said
    assert "NOT PUBLISHED" in said
    assert run.digest_after_refusal == run.digest_before
    assert run.current_after_refusal == run.before
    assert run.publications_after_refusal == 1
    # the refused candidate stays aside for the data engineer to look into
    (refused_file,) = run.refused_candidates
    assert f"refused candidate: {refused_file}" in said


def test_an_intended_drop_is_let_through_for_one_run(
    truncated_redelivery: Redelivery, small
) -> None:
    """The data engineer checks with DOPA that the smaller file is right and runs once with
    MUBAN_MAX_ROW_DROP=1: the smaller plan is published, the refused candidate is gone."""
    run = truncated_redelivery
    assert run.accepted.returncode == 0, run.accepted.stdout + run.accepted.stderr
    after = current_publication(run.warehouse)
    assert after is not None and after.publication_id > run.before.publication_id
    assert len(publications(run.warehouse)) == 2
    assert not (run.warehouse / ".next").exists()
    with duckdb.connect(str(run.warehouse / PUBLISHED_FILE), read_only=True) as con:
        dopa_items = con.execute(
            "select count(*) from fct_plan_item where source = 'dopa'"
        ).fetchone()[0]  # type: ignore[index]
    assert 0 < dopa_items < 0.1 * small.summary.rows["dopa/village_plans"]
