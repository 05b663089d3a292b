"""muban.thai: the shared Thai normalisation, and its shortcut around pythainlp's normalize."""

from __future__ import annotations

import duckdb
import numpy as np
from pythainlp.util import normalize

from muban.dbt_plugin import register
from muban.thai import NEEDS_PYTHAINLP, normalise_one
from simulator.defects import ocr_confuse, typo
from simulator.vocabulary import TEMPLATES, VILLAGE_NAME_HEADS, VILLAGE_NAME_TAILS


def _th_normalize(texts: list[str | None]) -> list[str | None]:
    """th_normalize as the dbt staging models call it: the DuckDB macro muban.dbt_plugin
    registers."""
    con = duckdb.connect()
    register(con)
    rows = con.execute(
        "select th_normalize(text) from unnest(?) with ordinality as t(text, n) order by n",
        [texts],
    ).fetchall()
    con.close()
    return [row[0] for row in rows]


def test_normalises_digits_spaces_zero_width_and_doubled_vowels() -> None:
    values = ["เเพร่  ๑๒", "บ้าน\u200bนา", " ม.๓ ", "ชุมชนริมนำ้", None, "บ้านนา"]
    assert _th_normalize(values) == [
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
        cleaned = normalise_one(text)
        assert cleaned == normalize(cleaned), text


def _samples() -> list[str]:
    rng = np.random.default_rng(11)
    texts = [f"บ้าน{h}{t}" for h in VILLAGE_NAME_HEADS for t in VILLAGE_NAME_TAILS]
    texts += [core for template in TEMPLATES for core in template.cores]
    texts += [typo(t, rng) for t in texts] + [ocr_confuse(t, rng) for t in texts]
    # every space and zero-width character, at the ends and doubled, Thai digits, NFD input
    texts += [
        f"{c}ม.๑{c}{c}บ้าน{c}นา{c}" for c in " \t\n\u00a0\u2003\u3000\u200b\u200c\u200d\u2060\ufeff"
    ]
    texts += [
        "เเพร่",
        "น้ำ",
        "นำ้",
        "ก\u0e48\u0e38",
        "ก\u0e38\u0e48",
        "ก\u0e3a\u0e38",
        "ﬁ",
        "Å",
        "\u0e4dา",
        "่ก",
        "ก  ั",
        "cafe\u0301",
        "",
        " ",
        "\u200b",
    ]
    return texts


def test_the_duckdb_version_equals_the_reference() -> None:
    """th_normalize (DuckDB SQL, what dbt's staging uses) gives exactly `normalise_one` on every
    sample."""
    samples = _samples()
    assert _th_normalize(samples) == [normalise_one(s) for s in samples]
