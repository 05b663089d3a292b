"""A bad re-delivery on top of the session's published warehouse, run through the nightly job
once refused and once let through: the publication gate's tests read what happened, and the
crash test compares its recovered publication with the one let through."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from publish.publication import PUBLISHED_FILE, Publication, current_publication, publications
from tests.conftest import clone_warehouse

MUBAN = Path(sys.executable).with_name("muban")


def muban_run(
    landing: Path, warehouse: Path, env: dict[str, str], timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    """`muban run`, a real process, with `env` over this process's environment."""
    return subprocess.run(
        [str(MUBAN), "run", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**{k: v for k, v in os.environ.items() if k != "MUBAN_MAX_ROW_DROP"}, **env},
    )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def truncate_dopa_plans(landing: Path, target: Path, keep_share: float = 0.05) -> Path:
    """The same delivery set, with DOPA's plan file re-exported truncated: the same name, the
    header and the first 5 % of its lines (an export filtered by mistake)."""
    shutil.copytree(landing, target)
    (plans,) = (target / "dopa" / "village_plans").glob("*.csv")
    lines = plans.read_bytes().splitlines(keepends=True)
    plans.write_bytes(b"".join(lines[: 1 + int(len(lines) * keep_share)]))
    return target


@dataclass(frozen=True)
class Redelivery:
    landing: Path  # the small set with DOPA's plans truncated
    warehouse: Path  # after both runs
    before: Publication  # the session's publication the runs started from
    digest_before: str
    refused: subprocess.CompletedProcess[str]  # the run without an override
    digest_after_refusal: str
    current_after_refusal: Publication | None
    publications_after_refusal: int
    refused_candidates: list[Path]  # `.next/` after the refusal
    accepted: subprocess.CompletedProcess[str]  # again, with MUBAN_MAX_ROW_DROP=1


@pytest.fixture(scope="session")
def truncated_redelivery(published_small, small, small_api, tmp_path_factory) -> Redelivery:
    root = tmp_path_factory.mktemp("redelivery")
    warehouse = clone_warehouse(published_small, root / "warehouse")
    landing = truncate_dopa_plans(small.landing, root / "landing")
    published = warehouse / PUBLISHED_FILE
    before, digest = current_publication(warehouse), sha256(published)
    assert before is not None

    refused = muban_run(landing, warehouse, small_api)
    after_refusal = (
        sha256(published),
        current_publication(warehouse),
        len(publications(warehouse)),
        sorted((warehouse / ".next").glob("*.duckdb")),
    )
    # the data engineer checks with DOPA that the smaller file is right, and lets it through
    accepted = muban_run(landing, warehouse, {**small_api, "MUBAN_MAX_ROW_DROP": "1"})
    return Redelivery(landing, warehouse, before, digest, refused, *after_refusal, accepted)
