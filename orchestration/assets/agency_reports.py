"""What each agency receives after a publication: its quality report (report/), written under
`<warehouse>/reports/<publication>/<agency>/` and mailed to its contact (or left in the
outbox as .eml when SMTP is not configured)."""

import dagster as dg

from orchestration.assets.publish import PUBLISHED
from orchestration.assets.raw import WORK_DB_POOL
from orchestration.resources import MubanWarehouse
from publish.publication import PUBLISHED_FILE

AGENCY_REPORTS = dg.AssetKey(["reports", "agency_reports"])


@dg.asset(
    key=AGENCY_REPORTS,
    deps=[PUBLISHED],
    group_name="reports",
    kinds={"html", "email"},
    # reads only the published file; in the pool so that it reports on the publication its
    # run made, not on one a concurrent run swapped in
    pool=WORK_DB_POOL,
    description="Each agency's quality report on what it delivered: HTML, CSV and XLSX, "
    "mailed to its contact or left in the outbox.",
)
def agency_reports(
    context: dg.AssetExecutionContext, muban: MubanWarehouse
) -> dg.MaterializeResult:
    from report import deliver_reports, write_reports

    settings = muban.settings()
    reports = write_reports(
        settings.warehouse / PUBLISHED_FILE, settings.reports_dir, keep=settings.keep_publications
    )
    deliveries = deliver_reports(reports, settings)
    mailed = [
        f"{d.agency}: {d.status}"
        + (f" to {d.recipient}" if d.recipient else "")
        + (f" ({d.path})" if d.path else "")
        + (f": {d.detail}" if d.detail else "")
        for d in deliveries
    ]
    for line, delivery in zip(mailed, deliveries, strict=True):
        (context.log.warning if delivery.status == "failed" else context.log.info)(line)
    folder = reports[0].directory.parent if reports else settings.reports_dir
    return dg.MaterializeResult(
        metadata={
            "folder": dg.MetadataValue.path(str(folder)),
            "summary": "\n".join(
                [
                    *(
                        f"{r.agency}: {r.rows_accepted:,} rows accepted, "
                        f"{r.rows_rejected:,} rejected, {r.deliveries_rejected} files rejected"
                        for r in reports
                    ),
                    *mailed,
                ]
            ),
        }
    )
