"""Thai text normalisation shared by every stage (staging UDFs, validation, scoring).

Vectorised over Arrow arrays: the few expensive steps (pythainlp's `normalize`, which fixes
doubled vowels such as เเ → แ and misordered tone marks) run once per distinct value.
"""

from __future__ import annotations

import os
import re
import unicodedata

import pyarrow as pa
import pyarrow.compute as pc

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_SPACES = re.compile(r"[\s\u00a0" + ZERO_WIDTH + r"]+")
# pythainlp's normalize only changes text whose marks are out of order, doubled, after a space
# or at the start; it is slow (~150 µs a string), so it runs only where one of these is seen.
# tests/test_thai.py checks the shortcut gives the same result on real and garbled names.
_NON_BASE = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"
NEEDS_PYTHAINLP = re.compile(
    "|".join(
        (
            r"([\u0e30-\u0e4e\u0e40-\u0e45])\1",  # a vowel or mark twice (เเ, าา, ่่)
            rf"[\u0e48-\u0e4c][{_NON_BASE}]",  # a tone mark before another mark
            r"[\u0e31\u0e34-\u0e3a][\u0e31\u0e34-\u0e3a\u0e47]",  # two vowels above/below
            rf"[\u0e30\u0e32\u0e33\u0e45][{_NON_BASE}]",  # a mark after a following vowel
            rf"\s[\u0e30\u0e32\u0e33\u0e45{_NON_BASE}]",  # a mark after a space
            rf"^[\u0e30\u0e32\u0e33\u0e45{_NON_BASE}]",  # a dangling mark
            r"\u0e4d\u0e32",  # nikhahit + sara aa, spelled sara am
        )
    )
)


def _normalise_one(value: str) -> str:
    from pythainlp.util import normalize

    text = unicodedata.normalize("NFC", value)
    text = text.translate(str.maketrans(THAI_DIGITS, "0123456789"))
    text = _SPACES.sub(" ", text.replace("\u200b", "")).strip()
    for mark in ZERO_WIDTH:
        text = text.replace(mark, "")
    return normalize(text) if NEEDS_PYTHAINLP.search(text) else text


def normalise_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Arabic digits, no zero-width characters, single spaces, pythainlp-normalised."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    distinct = pc.unique(values).drop_null()
    cleaned = pa.array([_normalise_one(v) for v in distinct.to_pylist()], pa.string())
    return cleaned.take(pc.index_in(values, value_set=distinct))
