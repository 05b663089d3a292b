"""Deliver each agency's report: by SMTP (STARTTLS) where mail is configured, else as an `.eml`
file in the outbox folder, which any mail client opens and an operator can forward.

One message per agency, to the one contact the contacts file gives it (TOML):

    [contacts]
    dopa = "plan@dopa.example"
    [contacts.cdd]
    email = "plan@cdd.example"
    name = "กองแผนงาน กรมการพัฒนาชุมชน"

The SMTP user and password are read from the environment (`MUBAN_SMTP_USER`,
`MUBAN_SMTP_PASSWORD`) and never leave this module: not in a log line, not in an error. They
are never sent without STARTTLS. A message that cannot be sent is kept in the outbox and the
other agencies are still tried.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import smtplib
import ssl
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, make_msgid, parseaddr
from html import escape
from pathlib import Path

from ingest.settings import Settings
from report.build import AgencyReport
from report.labels import agency_en, agency_th

log = logging.getLogger(__name__)

USER_ENV = "MUBAN_SMTP_USER"
PASSWORD_ENV = "MUBAN_SMTP_PASSWORD"

MEDIA_TYPES = {
    ".html": ("text", "html"),
    ".csv": ("text", "csv"),
    ".xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


class MailConfigError(ValueError):
    """Mail is configured in a way that cannot work (nothing was sent)."""


@dataclass(frozen=True)
class Contact:
    email: str
    name: str = ""


@dataclass(frozen=True)
class Delivery:
    """What happened to one agency's report."""

    agency: str
    method: str  # "smtp" or "outbox"
    status: str  # "sent", "written" (to the outbox), "failed" (kept in the outbox), "no_contact"
    recipient: str | None
    path: Path | None  # the .eml file, when one was written
    detail: str = ""


def load_contacts(path: Path | None) -> dict[str, Contact]:
    """The contacts file's one address per agency; no file configured: no contacts."""
    if path is None:
        return {}
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("contacts", {})
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise MailConfigError(f"cannot read the contacts file {path}: {error}") from error
    contacts = {}
    for agency, entry in table.items():
        email, name = (
            (entry, "") if isinstance(entry, str) else (entry.get("email"), entry.get("name", ""))
        )
        if (
            not isinstance(email, str)
            or "@" not in parseaddr(email)[1]
            or any(c in email + name for c in "\r\n")
        ):
            raise MailConfigError(f"contacts file {path}: {agency} has no valid e-mail address")
        contacts[agency] = Contact(email.strip(), str(name).strip())
    return contacts


def deliver_reports(reports: Sequence[AgencyReport], settings: Settings) -> list[Delivery]:
    """Mail every report to its agency's contact (SMTP configured), else write it to the outbox.
    One agency's failure is recorded in its Delivery and does not stop the others."""
    contacts = load_contacts(settings.contacts_file)
    user, password = os.environ.get(USER_ENV), os.environ.get(PASSWORD_ENV)
    if settings.smtp_host and user and not settings.smtp_starttls:
        raise MailConfigError("refusing to send SMTP credentials without STARTTLS (smtp_starttls)")
    deliveries = []
    for report in reports:
        contact = contacts.get(report.agency)
        try:
            message = build_message(report, contact, settings)
        except Exception as error:  # a broken report must not stop the other agencies' mail
            log.exception("could not build the %s report's message", report.agency)
            deliveries.append(
                Delivery(
                    report.agency,
                    "smtp" if settings.smtp_host else "outbox",
                    "failed",
                    contact.email if contact else None,
                    None,
                    f"{type(error).__name__}: {error}",
                )
            )
            continue
        if not settings.smtp_host:
            path = _to_outbox(message, report, settings)
            deliveries.append(
                Delivery(
                    report.agency,
                    "outbox",
                    "written",
                    contact.email if contact else None,
                    path,
                    "" if contact else "no contact for this agency",
                )
            )
            continue
        if contact is None:
            path = _to_outbox(message, report, settings)
            log.warning(
                "no contact for %s in the contacts file: its report is in %s", report.agency, path
            )
            deliveries.append(
                Delivery(
                    report.agency, "smtp", "no_contact", None, path, "no contact for this agency"
                )
            )
            continue
        try:
            _send(message, settings, user, password)
        except Exception as error:  # whatever went wrong, the other agencies are still tried
            path = _to_outbox(message, report, settings)
            detail = f"{type(error).__name__}: {error}"
            log.warning(
                "could not mail the %s report to %s (%s); kept in %s",
                report.agency,
                contact.email,
                detail,
                path,
            )
            deliveries.append(
                Delivery(report.agency, "smtp", "failed", contact.email, path, detail)
            )
            continue
        log.info("mailed the %s report to %s", report.agency, contact.email)
        deliveries.append(Delivery(report.agency, "smtp", "sent", contact.email, None))
    return deliveries


def build_message(
    report: AgencyReport, contact: Contact | None, settings: Settings
) -> EmailMessage:
    """The cover text (Thai, then English) with the report's files attached, largest last and
    only while the message stays under `mail_max_attachment_bytes`."""
    message = EmailMessage()
    message["Subject"] = (
        f"รายงานคุณภาพข้อมูลแผนพัฒนาหมู่บ้าน {agency_th(report.agency)} ฉบับ {report.publication_id}"
        f" / Village plan data quality report ({report.agency.upper()})"
    )
    message["From"] = settings.smtp_from
    if contact is not None:
        message["To"] = Address(display_name=contact.name, addr_spec=contact.email)
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(
        idstring=f"{report.agency}.{report.publication_id}", domain=domain
    )
    message["X-Muban-Publication"] = report.publication_id
    message["X-Muban-Agency"] = report.agency

    attached, left_out, budget = [], [], settings.mail_max_attachment_bytes
    for path in report.attachments:
        size = path.stat().st_size
        if size <= budget:
            attached.append(path)
            budget -= size
        else:
            left_out.append(path)
    message.set_content(_cover_text(report, attached, left_out))
    message.add_alternative(_cover_html(report, attached, left_out), subtype="html")
    for path in attached:
        maintype, subtype = MEDIA_TYPES.get(path.suffix, ("application", "octet-stream"))
        message.add_attachment(
            path.read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=path.name,
            params={"charset": "utf-8"} if maintype == "text" else {},
        )
    return message


def _counts(report: AgencyReport) -> list[tuple[str, str, int]]:
    return [
        ("ชุดข้อมูลที่ส่ง", "deliveries", report.deliveries),
        ("ไม่รับทั้งไฟล์", "rejected whole", report.deliveries_rejected),
        ("แถวที่ได้รับ", "rows received", report.rows_received),
        ("รับเข้าคลังข้อมูล", "rows accepted", report.rows_accepted),
        ("ไม่รับ (ต้องแก้ไข)", "rows rejected (to fix)", report.rows_rejected),
        ("ถูกแทนที่ด้วยฉบับใหม่กว่า", "rows replaced by a later delivery", report.rows_superseded),
    ]


def _cover_text(report: AgencyReport, attached: list[Path], left_out: list[Path]) -> str:
    lines = [
        f"เรียน {agency_th(report.agency)}",
        "",
        f"รายงานคุณภาพข้อมูลที่ส่งเข้าคลังข้อมูลแผนพัฒนาหมู่บ้าน (muban) ฉบับเผยแพร่ {report.publication_id}",
        "",
        *(f"  {th}: {value:,}" for th, _, value in _counts(report)),
        "",
        "รายละเอียดอยู่ในไฟล์แนบ index.html (เปิดด้วยเว็บเบราว์เซอร์) และทุกแถวที่ไม่รับอยู่ใน rejected_rows.xlsx"
        " พร้อมชื่อไฟล์ ตำแหน่งแถว และเหตุผล กรุณาแก้ไขแล้วส่งข้อมูลใหม่",
        "",
        f"Dear {agency_en(report.agency)},",
        "",
        f"This is the quality report on your deliveries to the village plan warehouse (muban),"
        f" publication {report.publication_id}.",
        "",
        *(f"  {en}: {value:,}" for _, en, value in _counts(report)),
        "",
        "Open the attached index.html in a web browser; rejected_rows.xlsx lists every rejected row"
        " with its file, row and reason. Please fix them and deliver again.",
        "",
        "ไฟล์แนบ / attached: " + (", ".join(p.name for p in attached) or "–"),
    ]
    if left_out:
        lines.append(
            "ไฟล์ที่ใหญ่เกินกว่าจะแนบ (ขอรับได้จากผู้ดูแลระบบ) / too large to attach (ask the muban team): "
            + ", ".join(p.name for p in left_out)
        )
    return "\n".join(lines) + "\n"


def _cover_html(report: AgencyReport, attached: list[Path], left_out: list[Path]) -> str:
    rows = "".join(
        f"<tr><td>{escape(th)} <span style='color:#5b6773'>{escape(en)}</span></td>"
        f"<td style='text-align:right'>{value:,}</td></tr>"
        for th, en, value in _counts(report)
    )
    note = (
        f"<p>ไฟล์ที่ใหญ่เกินกว่าจะแนบ <span style='color:#5b6773'>too large to attach</span>:"
        f" {escape(', '.join(p.name for p in left_out))}</p>"
        if left_out
        else ""
    )
    return (
        "<!doctype html><html lang='th'><head><meta charset='utf-8'></head>"
        "<body style=\"font-family:'Sarabun','Noto Sans Thai','Leelawadee UI','Tahoma',sans-serif\">"
        f"<p>เรียน {escape(agency_th(report.agency))} <span style='color:#5b6773'>"
        f"Dear {escape(agency_en(report.agency))}</span></p>"
        f"<p>รายงานคุณภาพข้อมูล ฉบับเผยแพร่ <code>{escape(report.publication_id)}</code>"
        " <span style='color:#5b6773'>Data quality report on your deliveries</span></p>"
        f"<table>{rows}</table>"
        "<p>เปิดไฟล์แนบ <code>index.html</code> ด้วยเว็บเบราว์เซอร์ ทุกแถวที่ไม่รับอยู่ใน <code>rejected_rows.xlsx</code>"
        " <span style='color:#5b6773'>Open the attached index.html; rejected_rows.xlsx lists every"
        " rejected row.</span></p>"
        f"<p>ไฟล์แนบ <span style='color:#5b6773'>attached</span>:"
        f" {escape(', '.join(p.name for p in attached) or '–')}</p>{note}</body></html>"
    )


def _send(
    message: EmailMessage, settings: Settings, user: str | None, password: str | None
) -> None:
    assert settings.smtp_host is not None
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
    ) as smtp:
        smtp.ehlo()
        if settings.smtp_starttls:
            cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
            smtp.starttls(context=ssl.create_default_context(cafile=cafile))
            smtp.ehlo()
        if user:
            _login(smtp, user, password or "")
        smtp.send_message(message)


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN in UTF-8 (RFC 4616), which smtplib's `login` refuses for a non-ASCII password;
    another mechanism through `login` when the server does not offer PLAIN."""
    mechanisms = smtp.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in mechanisms:
        smtp.login(user, password)
        return
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, response = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, response)


def _to_outbox(message: EmailMessage, report: AgencyReport, settings: Settings) -> Path:
    outbox = settings.outbox_dir
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{report.publication_id}-{report.agency}.eml"
    partial = outbox / f".{path.name}.partial"
    partial.write_bytes(message.as_bytes(policy=SMTP_POLICY))
    os.replace(partial, path)
    return path
