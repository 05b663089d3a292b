"""Thai text normalisation shared by every stage (staging, validation, scoring).

One definition in two forms that give the same result: `normalise_one` in Python (the
reference), and `duckdb_normalise_macro` in DuckDB SQL (what the dbt staging models call as
th_normalize, and what any bulk work should use). The expensive step, pythainlp's `normalize` (it fixes
doubled vowels such as เเ → แ and misordered tone marks), runs only on the texts that need it.
"""

from __future__ import annotations

import os
import re
import unicodedata

# ม.ค. … ธ.ค.: how Thai offices abbreviate the months (the simulator writes them, reports print them)
THAI_MONTHS_SHORT = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_SPACES = re.compile(r"[\s\u00a0" + ZERO_WIDTH + r"]+")
# pythainlp's normalize only changes text whose marks are out of order, doubled, after a space
# or at the start; it is slow (~150 µs a string), so it runs only where one of these is seen.
# tests/test_thai.py checks the shortcut gives the same result on real and garbled names.
_NON_BASE = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"
_SIGNS = [
    f"[\u0e48-\u0e4c][{_NON_BASE}]",  # a tone mark before another mark
    "[\u0e31\u0e34-\u0e3a][\u0e31\u0e34-\u0e3a\u0e47]",  # two vowels above/below
    f"[\u0e30\u0e32\u0e33\u0e45][{_NON_BASE}]",  # a mark after a following vowel
    f" [\u0e30\u0e32\u0e33\u0e45{_NON_BASE}]",  # a mark after a space
    f"^[\u0e30\u0e32\u0e33\u0e45{_NON_BASE}]",  # a dangling mark
    "\u0e4d\u0e32",  # nikhahit + sara aa, spelled sara am
]
# a vowel or mark twice (เเ, าา, ่่); spelled out rather than a back-reference, which
# RE2 (DuckDB's regex engine, used by the macro) does not have
_DOUBLED = [chr(c) * 2 for c in range(0x0E30, 0x0E4F)]
NEEDS_PYTHAINLP = re.compile("|".join(_DOUBLED + _SIGNS))
# every character Python counts as a space (str.isspace), and the zero-width marks that
# normalise_one turns into one; written out because RE2's `\s` is ASCII only
_SPACES_RE2 = (
    "["
    + "".join(
        f"\\x{{{c:04x}}}"
        for c in sorted(
            {c for c in range(0x3001) if chr(c).isspace()}
            | {ord(c) for c in ZERO_WIDTH if c != "\u200b"}
        )
    )
    + "]+"
)


def normalise_one(value: str) -> str:
    from pythainlp.util import normalize

    text = unicodedata.normalize("NFC", value)
    text = text.translate(str.maketrans(THAI_DIGITS, "0123456789"))
    text = _SPACES.sub(" ", text.replace("\u200b", "")).strip()
    for mark in ZERO_WIDTH:
        text = text.replace(mark, "")
    return normalize(text) if NEEDS_PYTHAINLP.search(text) else text


def duckdb_normalise_macro(name: str, pythainlp_function: str) -> str:
    """`create temp macro <name>(text)`: `normalise_one` in DuckDB SQL, so the bulk of the work
    runs on every core inside DuckDB; only the texts NEEDS_PYTHAINLP flags call
    `pythainlp_function` (a Python UDF applying `normalise_one`; CASE calls it with those rows
    only). tests/test_thai.py checks it agrees with `normalise_one`."""

    def quoted(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    # nfc_normalize and translate cost about a second per million titles; they only change a
    # text with a character outside ASCII and Thai, two adjacent Thai marks that canonical
    # ordering may swap (the only NFC change Thai has), or a Thai digit
    nfc = (
        "case when regexp_matches(text, '[^\\x{0000}-\\x{007f}\\x{0e00}-\\x{0e7f}]"
        "|[\\x{0e38}\\x{0e39}\\x{0e3a}\\x{0e48}-\\x{0e4b}]{2}') "
        "then nfc_normalize(text) else text end"
    )
    digits = (
        f"case when regexp_matches({nfc}, '[๐-๙]') "
        f"then translate({nfc}, {quoted(THAI_DIGITS)}, '0123456789') else {nfc} end"
    )
    cleaned = f"trim(regexp_replace(replace({digits}, '\u200b', ''), {quoted(_SPACES_RE2)}, ' ', 'g'), ' ')"
    return (
        f"create or replace temp macro {name}(text) as (case "
        f"when regexp_matches({cleaned}, {quoted(NEEDS_PYTHAINLP.pattern)}) "
        f"then {pythainlp_function}({cleaned}) else {cleaned} end)"
    )
