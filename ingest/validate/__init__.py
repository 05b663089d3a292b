"""`muban validate`: one file through the real ingest and the real dbt row checks, nothing
written. check.py runs it, registry.py brings the published village registry, row_checks.py
runs dbt, findings.py reads the verdicts back, report.py words them for the agency."""

from ingest.validate.check import NotValidatable, landing_folder, validate_file
from ingest.validate.report import Notice, Problem, Reason, Report
from ingest.validate.row_checks import RowChecksFailed

__all__ = [
    "NotValidatable",
    "Notice",
    "Problem",
    "Reason",
    "Report",
    "RowChecksFailed",
    "landing_folder",
    "validate_file",
]
