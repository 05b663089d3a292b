"""The agencies' quality reports: HTML, CSV and XLSX per agency (and province), from the
published warehouse, delivered by SMTP or written to an outbox."""

from report.build import AgencyReport, write_reports
from report.mail import Delivery, deliver_reports

__all__ = ["AgencyReport", "Delivery", "deliver_reports", "write_reports"]
