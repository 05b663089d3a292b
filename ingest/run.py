"""One ingest run: the landing folder, then the two APIs, into the work database."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ingest import store
from ingest.api import start_pulls
from ingest.landing import LandingReport, ingest_landing
from ingest.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    landing: LandingReport = field(default_factory=LandingReport)
    api: dict[str, str] = field(default_factory=dict)  # dataset -> what happened


def ingest_all(settings: Settings) -> IngestReport:
    report = IngestReport()
    con = store.connect(settings.work_db)
    try:
        # The API pulls wait on the network: they run in threads while the files are read.
        with ThreadPoolExecutor(2, thread_name_prefix="api-pull") as pool:
            pending = start_pulls(settings, con, pool)
            report.landing = ingest_landing(settings, con)
            report.api = {dataset: finish() for dataset, finish in pending.items()}
    finally:
        con.close()
    return report
