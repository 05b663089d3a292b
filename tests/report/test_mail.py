"""report.deliver_reports against a real SMTP server (aiosmtpd on loopback, STARTTLS with a
self-signed certificate, AUTH), and into the outbox when SMTP is not configured."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ingest.settings import Settings
from report import AgencyReport, deliver_reports
from report.mail import MailConfigError

USER, PASSWORD = "muban-reports", "s3cret-ไม่บอกใคร"
CONTACTS = {
    "dopa": "plan@dopa.example",
    "cdd": "plan@cdd.example",
    "dla": "plan@dla.example",
    "opsmoi": "needs@opsmoi.example",
}


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: bytes | None


@dataclass
class Recorder:
    """The aiosmtpd handler: refuses `bounce@` recipients, keeps every message accepted."""

    messages: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address.startswith("bounce@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        authenticated = session.authenticated and isinstance(session.auth_data, LoginPassword)
        login = session.auth_data.login if authenticated else None
        self.messages.append(
            Received(
                envelope.mail_from, list(envelope.rcpt_tos), message, session.ssl is not None, login
            )  # type: ignore[arg-type]
        )
        return "250 Message accepted for delivery"


def _authenticate(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (its own CA)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.crt", directory / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    port: int
    ca_file: Path
    recorder: Recorder


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[Server]:
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder, port = Recorder(), _free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield Server(port, cert, recorder)
    finally:
        controller.stop()


def _contacts(path: Path, contacts: dict[str, str]) -> Path:
    lines = ["[contacts]"] + [f'{agency} = "{address}"' for agency, address in contacts.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _settings(tmp_path: Path, server: Server | None, contacts: Path | None) -> Settings:
    mail = (
        {"smtp_host": "127.0.0.1", "smtp_port": server.port, "smtp_ca_file": server.ca_file}
        if server
        else {}
    )
    return Settings(
        warehouse=tmp_path / "warehouse",
        contacts_file=contacts,
        smtp_from="muban <reports@muban.example>",
        smtp_timeout_seconds=10.0,
        **mail,  # type: ignore[arg-type]
    )


def _attachments(message: EmailMessage) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in message.iter_attachments()}


def _as_bytes(content: bytes | str) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def test_mails_each_agency_its_report_over_starttls_with_auth(
    reports: list[AgencyReport],
    smtp_server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("MUBAN_SMTP_USER", USER)
    monkeypatch.setenv("MUBAN_SMTP_PASSWORD", PASSWORD)
    settings = _settings(tmp_path, smtp_server, _contacts(tmp_path / "contacts.toml", CONTACTS))
    with caplog.at_level(logging.DEBUG, logger="report"):
        deliveries = deliver_reports(reports, settings)

    assert [(d.agency, d.method, d.status, d.recipient) for d in deliveries] == [
        (r.agency, "smtp", "sent", CONTACTS[r.agency]) for r in reports
    ]
    received = smtp_server.recorder.messages
    assert len(received) == len(reports)
    by_recipient = {tuple(m.rcpt_tos): m for m in received}
    for report in reports:
        got = by_recipient[(CONTACTS[report.agency],)]
        assert got.tls and got.login == USER.encode()
        assert got.mail_from == "reports@muban.example"
        message = got.message
        assert message["To"].addresses[0].addr_spec == CONTACTS[report.agency]
        assert report.publication_id in message["Subject"]
        assert report.agency.upper() in message["Subject"]
        assert "รายงานคุณภาพข้อมูล" in message["Subject"]
        assert message["X-Muban-Agency"] == report.agency
        attached = _attachments(message)
        assert list(attached) == ["index.html", "rejected_rows.xlsx", "rejected_rows.csv"]
        for name, content in attached.items():
            assert _as_bytes(content) == (report.directory / name).read_bytes(), name
        body = message.get_body(("plain",)).get_content()
        assert f"{report.rows_rejected:,}" in body and "Dear" in body
    assert PASSWORD not in caplog.text
    assert not (tmp_path / "warehouse" / "reports" / "outbox").exists()


def test_one_agency_refused_does_not_stop_the_others(
    reports: list[AgencyReport],
    smtp_server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MUBAN_SMTP_USER", USER)
    monkeypatch.setenv("MUBAN_SMTP_PASSWORD", PASSWORD)
    contacts = {**CONTACTS, "cdd": "bounce@cdd.example"}
    del contacts["opsmoi"]
    settings = _settings(tmp_path, smtp_server, _contacts(tmp_path / "contacts.toml", contacts))
    outcome = {d.agency: d for d in deliver_reports(reports, settings)}

    assert outcome["cdd"].status == "failed" and "550" in outcome["cdd"].detail
    assert outcome["opsmoi"].status == "no_contact"
    assert {outcome[a].status for a in ("dopa", "dla")} == {"sent"}
    # what could not be sent is kept in the outbox, whole
    for agency in ("cdd", "opsmoi"):
        path = outcome[agency].path
        assert path is not None and path.parent == tmp_path / "warehouse" / "reports" / "outbox"
        kept = email.message_from_bytes(path.read_bytes(), policy=default_policy)
        assert "rejected_rows.xlsx" in _attachments(kept)  # type: ignore[arg-type]
    assert sorted(m.rcpt_tos[0] for m in smtp_server.recorder.messages) == sorted(
        [CONTACTS["dopa"], CONTACTS["dla"]]
    )


def test_a_wrong_password_fails_every_agency_without_revealing_it(
    reports: list[AgencyReport],
    smtp_server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "wrong-password-1234"
    monkeypatch.setenv("MUBAN_SMTP_USER", USER)
    monkeypatch.setenv("MUBAN_SMTP_PASSWORD", wrong)
    settings = _settings(tmp_path, smtp_server, _contacts(tmp_path / "contacts.toml", CONTACTS))
    with caplog.at_level(logging.DEBUG, logger="report"):
        deliveries = deliver_reports(reports, settings)
    assert {d.status for d in deliveries} == {"failed"}
    assert all(d.path is not None and d.path.exists() for d in deliveries)
    assert not smtp_server.recorder.messages
    assert wrong not in caplog.text and all(wrong not in d.detail for d in deliveries)


def test_credentials_are_never_sent_without_starttls(
    reports: list[AgencyReport], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MUBAN_SMTP_USER", USER)
    monkeypatch.setenv("MUBAN_SMTP_PASSWORD", PASSWORD)
    settings = Settings(warehouse=tmp_path, smtp_host="127.0.0.1", smtp_starttls=False)
    with pytest.raises(MailConfigError, match="STARTTLS"):
        deliver_reports(reports, settings)


def test_without_smtp_the_messages_go_to_the_outbox(
    reports: list[AgencyReport], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MUBAN_SMTP_USER", raising=False)
    settings = _settings(tmp_path, None, _contacts(tmp_path / "contacts.toml", CONTACTS))
    deliveries = deliver_reports(reports, settings)
    outbox = tmp_path / "warehouse" / "reports" / "outbox"
    assert [(d.method, d.status) for d in deliveries] == [("outbox", "written")] * len(reports)
    assert sorted(p.name for p in outbox.iterdir()) == sorted(
        f"{r.publication_id}-{r.agency}.eml" for r in reports
    )
    for report, delivery in zip(reports, deliveries, strict=True):
        assert delivery.path is not None
        message = email.message_from_bytes(delivery.path.read_bytes(), policy=default_policy)
        assert message["To"].addresses[0].addr_spec == CONTACTS[report.agency]  # type: ignore[union-attr]
        assert report.publication_id in message["Subject"]
        attached = _attachments(message)  # type: ignore[arg-type]
        assert set(attached) == {"index.html", "rejected_rows.xlsx", "rejected_rows.csv"}
        assert (
            _as_bytes(attached["rejected_rows.xlsx"])
            == (report.directory / "rejected_rows.xlsx").read_bytes()
        )


def test_large_files_are_left_out_of_the_message_and_named(
    reports: list[AgencyReport], tmp_path: Path
) -> None:
    report = reports[0]
    limit = (report.directory / "index.html").stat().st_size
    settings = Settings(warehouse=tmp_path, mail_max_attachment_bytes=limit)
    (delivery,) = deliver_reports([report], settings)
    assert delivery.path is not None
    message = email.message_from_bytes(delivery.path.read_bytes(), policy=default_policy)
    assert list(_attachments(message)) == ["index.html"]  # type: ignore[arg-type]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "rejected_rows.xlsx" in body.split("too large to attach")[1]


def test_mail_settings_from_environment_and_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "muban.toml"
    config.write_text(
        '[muban]\nsmtp_host = "mail.example"\nsmtp_starttls = true\nsmtp_password = "in-a-file"\n'
        'contacts_file = "contacts.toml"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("MUBAN_SMTP_PORT", "2525")
    monkeypatch.setenv("MUBAN_SMTP_STARTTLS", "false")
    settings = Settings.load(config)
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "mail.example",
        2525,
        False,
    )
    assert settings.contacts_file == Path("contacts.toml")
    assert "in-a-file" not in repr(settings)  # a password is never a setting
    assert settings.outbox_dir == Path("warehouse/reports/outbox")
    monkeypatch.setenv("MUBAN_SMTP_STARTTLS", "perhaps")
    with pytest.raises(ValueError, match="smtp_starttls"):
        Settings.load(config)


def test_a_broken_contacts_file_is_refused(reports: list[AgencyReport], tmp_path: Path) -> None:
    contacts = tmp_path / "contacts.toml"
    contacts.write_text('[contacts]\ndopa = "not an address"\n', encoding="utf-8")
    with pytest.raises(MailConfigError, match="dopa"):
        deliver_reports(reports, Settings(warehouse=tmp_path, contacts_file=contacts))
