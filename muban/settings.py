"""Process-wide defaults: offline, no telemetry. Applied before any tool is imported."""

from __future__ import annotations

import logging
import os

OFFLINE_ENVIRONMENT = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",  # dbt otherwise looks up a usage-stats host
    "DO_NOT_TRACK": "1",
    "PYTHAINLP_OFFLINE": "1",  # never try to download a corpus at run time
}


def apply() -> None:
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
