"""Decide a text delivery's encoding from evidence, never by assumption.

Evidence, in order: a UTF-8 byte-order mark; a strict UTF-8 decode; a cp874 (TIS-620 with
Windows extensions) decode. A decode that succeeds must also look like Thai text: the share
of Thai letters among all letters is recorded, so a UTF-8 file read as cp874 (mojibake) is
caught. DuckDB cannot decode cp874 offline, so decoding happens here, in Python's codecs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.reasons import reject

UTF8_BOM = b"\xef\xbb\xbf"
MIN_THAI_SHARE = 0.3  # among letters; agency files are overwhelmingly Thai
_LETTER = re.compile(r"[A-Za-z\u0e00-\u0e7f\u00c0-\u024f]")
_THAI = re.compile(r"[\u0e01-\u0e5b]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # utf-8-sig | utf-8 | cp874
    evidence: dict[str, object]


def thai_share(text: str, sample: int = 200_000) -> float:
    head = text[:sample]
    letters = len(_LETTER.findall(head))
    return len(_THAI.findall(head)) / letters if letters else 1.0


def decode(data: bytes) -> Decoded:
    evidence: dict[str, object] = {"bom": data.startswith(UTF8_BOM)}
    if data.startswith(UTF8_BOM):
        try:
            text = data[3:].decode("utf-8")
        except UnicodeDecodeError as error:
            raise reject("undecodable", position=error.start + 3) from None
        return _checked(text, "utf-8-sig", evidence)
    try:
        text = data.decode("utf-8")
        evidence["utf8_strict"] = "ok"
        return _checked(text, "utf-8", evidence)
    except UnicodeDecodeError as error:
        evidence["utf8_strict"] = f"invalid at byte {error.start}"
    try:
        text = data.decode("cp874")
    except UnicodeDecodeError as error:
        raise reject("undecodable", position=error.start) from None
    return _checked(text, "cp874", evidence)


def mojibake_share(text: str, sample: int = 200_000) -> float:
    """UTF-8 Thai read as cp874 turns every letter into เธ… or เน…: their share of Thai letters."""
    head = text[:sample]
    thai = len(_THAI.findall(head))
    return 2 * (head.count("เธ") + head.count("เน")) / thai if thai else 0.0


def _checked(text: str, encoding: str, evidence: dict[str, object]) -> Decoded:
    share = thai_share(text)
    evidence["thai_share"] = round(share, 3)
    garbled = mojibake_share(text)
    evidence["mojibake_share"] = round(garbled, 3)
    if share < MIN_THAI_SHARE or garbled > 0.5:
        raise reject("not_thai_text")
    return Decoded(text, encoding, evidence)
