"""One ingest run: the landing folder, then the two APIs, into the work database."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ingest import store
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
        report.landing = ingest_landing(settings, con)
        from ingest.api import ingest_apis

        report.api = ingest_apis(settings, con)
    finally:
        con.close()
    return report
