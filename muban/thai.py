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


def _normalise_one(value: str) -> str:
    from pythainlp.util import normalize

    text = unicodedata.normalize("NFC", value)
    text = text.translate(str.maketrans(THAI_DIGITS, "0123456789"))
    text = _SPACES.sub(" ", text.replace("\u200b", "")).strip()
    for mark in ZERO_WIDTH:
        text = text.replace(mark, "")
    return normalize(text)


def normalise_text(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Arabic digits, no zero-width characters, single spaces, pythainlp-normalised."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    distinct = pc.unique(values).drop_null()
    cleaned = pa.array([_normalise_one(v) for v in distinct.to_pylist()], pa.string())
    return cleaned.take(pc.index_in(values, value_set=distinct))
