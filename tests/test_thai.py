"""muban.thai: the shared Thai normalisation, and its shortcut around pythainlp's normalize."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from pythainlp.util import normalize

from muban.thai import NEEDS_PYTHAINLP, _normalise_one, normalise_text
from simulator.defects import ocr_confuse, typo
from simulator.vocabulary import TEMPLATES, VILLAGE_NAME_HEADS, VILLAGE_NAME_TAILS


def test_normalises_digits_spaces_zero_width_and_doubled_vowels() -> None:
    values = pa.array(["เเพร่  ๑๒", "บ้าน\u200bนา", " ม.๓ ", "ชุมชนริมนำ้", None, "บ้านนา"])
    assert normalise_text(values).to_pylist() == [
        "แพร่ 12",
        "บ้านนา",
        "ม.3",
        "ชุมชนริมน้ำ",
        None,
        "บ้านนา",
    ]


def test_the_shortcut_changes_nothing_pythainlp_would_change() -> None:
    """pythainlp runs only where NEEDS_PYTHAINLP sees a reason; on real and garbled names
    and titles the result must equal running it everywhere."""
    rng = np.random.default_rng(7)
    names = [f"บ้าน{h}{t}" for h in VILLAGE_NAME_HEADS for t in VILLAGE_NAME_TAILS]
    titles = [core for template in TEMPLATES for core in template.cores]
    texts = names + titles
    garbled = [typo(t, rng) for t in texts] + [ocr_confuse(t, rng) for t in texts]
    garbled += [typo(typo(t, rng), rng) for t in texts]
    samples = texts + garbled
    assert any(NEEDS_PYTHAINLP.search(s) for s in garbled)  # the garbles do exercise it
    for text in samples:
        cleaned = _normalise_one(text)
        assert cleaned == normalize(cleaned), text
