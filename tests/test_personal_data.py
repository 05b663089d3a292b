"""Headman names and phone numbers reach no published table, export, report, e-mail or log.

Every artefact of a real run is scanned for the personal values the simulator put in the
village registry (read back from the raw table, the one place they are kept): the published
file and its history, the Parquet exports, the agency reports (HTML, CSV, JSON, XLSX), the
outbox's e-mails (every part decoded, attachments opened) and the run's own output at debug
level. A positive control proves the scan finds the values where they are."""

from __future__ import annotations

import email
import io
import re
import zipfile
from email import policy
from pathlib import Path

import duckdb
import pytest

from publish.publication import PUBLISHED_FILE
from tests.conftest import leaks_in_database, personal_pattern

SKIPPED = {"work"}  # the work database and the raw archive hold the registry as delivered


@pytest.fixture(scope="module")
def personal_values(published_small) -> list[str]:
    with duckdb.connect(str(published_small / "work" / "work.duckdb"), read_only=True) as con:
        names, phones = con.execute(
            """
            select list(distinct headman_name) filter (where headman_name is not null),
                list(distinct headman_phone) filter (where headman_phone is not null)
            from raw.dopa__villages
            """
        ).fetchone()  # type: ignore[misc]
    assert len(names) > 50 and len(phones) > 50  # the simulator did deliver personal data
    digits = [re.sub(r"\D", "", phone) for phone in phones]
    return sorted({*names, *phones, *digits})


def _texts_of_file(path: Path) -> list[str]:
    """The readable text of a report or mail file, opened as its reader would."""
    data = path.read_bytes()
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(io.BytesIO(data)) as workbook:
            return [workbook.read(name).decode("utf-8", "replace") for name in workbook.namelist()]
    if path.suffix == ".eml":
        message = email.message_from_bytes(data, policy=policy.default)
        texts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            if (part.get_filename() or "").endswith(".xlsx"):
                with zipfile.ZipFile(io.BytesIO(payload)) as workbook:
                    texts += [
                        workbook.read(n).decode("utf-8", "replace") for n in workbook.namelist()
                    ]
            else:
                texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
        return [*texts, str(message["Subject"])]
    return [data.decode("utf-8", "replace")]


def test_the_scan_finds_personal_data_where_it_is_kept(published_small, personal_values) -> None:
    pattern = personal_pattern(personal_values)
    with duckdb.connect(str(published_small / "work" / "work.duckdb"), read_only=True) as con:
        leaks = leaks_in_database(con, pattern)
    assert any(".headman_name:" in leak for leak in leaks)
    assert any(".headman_phone:" in leak for leak in leaks)


def test_no_artefact_of_a_run_holds_personal_data(published_small, personal_values) -> None:
    pattern = personal_pattern(personal_values)
    artefacts = [
        path
        for path in published_small.rglob("*")
        if path.is_file() and path.relative_to(published_small).parts[0] not in SKIPPED
    ] + [published_small.parent / "nightly.log"]  # the run's output, at debug level
    kinds = {path.suffix for path in artefacts}
    assert {".duckdb", ".parquet", ".html", ".csv", ".xlsx", ".eml", ".log"} <= kinds, kinds

    leaks = []
    for path in artefacts:
        if path.suffix == ".duckdb":
            with duckdb.connect(str(path), read_only=True) as con:
                leaks += [f"{path}: {leak}" for leak in leaks_in_database(con, pattern)]
        elif path.suffix == ".parquet":
            with duckdb.connect() as con:
                con.execute(f"create view exported as select * from read_parquet('{path}')")
                leaks += [f"{path}: {leak}" for leak in leaks_in_database(con, pattern)]
        else:
            for text in _texts_of_file(path):
                found = pattern.search(text)
                if found:
                    leaks.append(f"{path}: {found.group(0)!r}")
    assert not leaks, "\n".join(leaks)
    assert (published_small / PUBLISHED_FILE).exists()
