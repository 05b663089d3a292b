"""The catalogue of defects the simulator injects on purpose, and the outcome each must reach.

Every defect has a rate per profile (`none`, `default`, `harsh`), a seed of its own (derived
from the run's seed and the defect's code, so switching one defect off never changes where
another lands), and the outcome the warehouse must reach:

- `repaired`: published, with the repair recorded (e.g. Thai digits read as numbers);
- `flagged`: published as delivered, with a warning in the agency's report;
- `quarantined`: not published; the row goes to `quarantine` with the named reason;
- `skipped`: not a data row (blank, subtotal); the reader records it and why;
- `decoded`: a whole-file problem the reader resolves (encoding decided on evidence, a renamed
  header mapped back by its known alias).

The README's defect table is generated from `CATALOGUE` (`muban simulate --list-defects`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.config import DefectProfile
from simulator.rng import stream


@dataclass(frozen=True)
class Defect:
    code: str
    what: str  # what is wrong, as delivered
    datasets: tuple[str, ...]
    per: str  # row | file
    default: float
    harsh: float
    outcome: str  # repaired | flagged | quarantined | skipped | decoded
    reason: str | None = None  # quarantine or skip reason code

    def rate(self, profile: DefectProfile) -> float:
        return {
            DefectProfile.NONE: 0.0,
            DefectProfile.DEFAULT: self.default,
            DefectProfile.HARSH: self.harsh,
        }[profile]


PLANS = ("dopa/village_plans", "cdd/community_plans", "dla/plan_projects")
CATALOGUE: tuple[Defect, ...] = (
    Defect(
        "thai_digits",
        "numbers written in Thai digits (๑๕๐,๐๐๐, ม.๓, ๒๕๖๙)",
        (*PLANS, "dla/laos", "cdd/certification"),
        "row",
        0.04,
        0.15,
        "repaired",
    ),
    Defect(
        "ce_year",
        "a Christian-era year where a Buddhist-era one is due (2026 for 2569)",
        ("dopa/village_plans", "cdd/community_plans", "opsmoi/household_needs"),
        "row",
        0.01,
        0.04,
        "repaired",
    ),
    Defect(
        "amount_formatting",
        "amounts with thousands separators, decimals, spaces or บาท (1,500,000.00; 150 000 บาท)",
        PLANS,
        "row",
        0.05,
        0.15,
        "repaired",
    ),
    # DLA writes `-` for every year without a budget already; a zero there is not a defect.
    Defect(
        "dash_amount",
        "`-` typed for a zero amount",
        ("dopa/village_plans", "cdd/community_plans"),
        "row",
        0.02,
        0.05,
        "repaired",
    ),
    Defect(
        "place_prefix",
        "place names with prefixes (อ., อำเภอ, ต., ตำบล, ม., หมู่ที่, บ้าน, ชุมชน)",
        ("cdd/community_plans", "cdd/certification", "dopa/villages"),
        "row",
        0.2,
        0.5,
        "repaired",
    ),
    Defect(
        "stray_space",
        "doubled, leading, trailing or non-breaking spaces in names and titles",
        (*PLANS, "cdd/certification"),
        "row",
        0.05,
        0.15,
        "repaired",
    ),
    Defect(
        "zero_width_space",
        "a zero-width space inside a name or title (UTF-8 files only)",
        ("cdd/community_plans", "dla/plan_projects"),
        "row",
        0.01,
        0.05,
        "repaired",
    ),
    Defect(
        "name_typo",
        "a typo in a village, subdistrict or district name (a letter dropped, doubled or swapped)",
        ("cdd/community_plans", "cdd/certification"),
        "row",
        0.02,
        0.06,
        "repaired",
    ),
    Defect(
        "ocr_confusion",
        "look-alike letters confused (ด/ต, บ/ป, ข/ช, พ/ผ, ร/ธ, ถ/ภ, เเ for แ) in names",
        ("cdd/community_plans", "cdd/certification"),
        "row",
        0.01,
        0.04,
        "repaired",
    ),
    Defect(
        "lookalike_province",
        "the title row names a look-alike province (แพะ for แพร่, เพชรบูรณ์ for เพชรบุรี)",
        ("cdd/community_plans",),
        "file",
        0.1,
        0.4,
        "repaired",
    ),
    Defect(
        "code_as_float",
        "codes exported through a spreadsheet as floats (54010103.0)",
        ("dopa/village_plans", "dla/laos", "opsmoi/household_needs"),
        "row",
        0.03,
        0.1,
        "repaired",
    ),
    Defect(
        "duplicate_row",
        "rows duplicated by a re-export (same natural key twice)",
        ("dopa/village_plans", "cdd/community_plans"),
        "row",
        0.005,
        0.02,
        "quarantined",
        "duplicate_row",
    ),
    Defect(
        "blank_row",
        "blank rows between data rows",
        ("cdd/community_plans",),
        "row",
        0.003,
        0.01,
        "skipped",
        "blank_row",
    ),
    Defect(
        "subtotal_row",
        "subtotal rows (รวม) between districts, with a SUM formula",
        ("cdd/community_plans",),
        "file",
        1.0,
        1.0,
        "skipped",
        "subtotal_row",
    ),
    Defect(
        "formula_without_value",
        "a budget cell holding a formula with no cached value",
        ("cdd/community_plans",),
        "row",
        0.003,
        0.01,
        "flagged",
        "formula_without_value",
    ),
    Defect(
        "missing_village_number",
        "the village number (หมู่ที่) left empty",
        ("cdd/community_plans",),
        "row",
        0.01,
        0.03,
        "repaired",
        "village_unresolved",
    ),  # matched by name when unique in its subdistrict, else quarantined
    Defect(
        "wrong_village_number",
        "a village number that belongs to another village of the subdistrict",
        ("cdd/community_plans",),
        "row",
        0.005,
        0.02,
        "quarantined",
        "village_inconsistent",
    ),
    Defect(
        "unknown_village",
        "a village that does not exist (code or number not in the registry)",
        ("dopa/village_plans", "cdd/community_plans", "opsmoi/household_needs"),
        "row",
        0.003,
        0.01,
        "quarantined",
        "village_unresolved",
    ),
    Defect(
        "negative_budget",
        "a negative amount",
        PLANS,
        "row",
        0.002,
        0.01,
        "quarantined",
        "negative_budget",
    ),
    Defect(
        "absurd_budget",
        "an amount a thousand times too large (above 500 million baht for one village item)",
        PLANS,
        "row",
        0.001,
        0.005,
        "quarantined",
        "absurd_budget",
    ),
    Defect(
        "bad_fiscal_year",
        "a fiscal year outside any plan (digits transposed: 2596 for 2569)",
        ("dopa/village_plans",),
        "row",
        0.002,
        0.01,
        "quarantined",
        "bad_fiscal_year",
    ),
    Defect(
        "missing_title",
        "a plan record with no project title",
        PLANS,
        "row",
        0.002,
        0.01,
        "quarantined",
        "missing_title",
    ),
    Defect(
        "unknown_dimension",
        "a category nobody can classify (ด้านพิเศษ, อื่นๆ ตามมติ)",
        ("dopa/village_plans", "cdd/community_plans"),
        "row",
        0.002,
        0.01,
        "quarantined",
        "unknown_dimension",
    ),
    Defect(
        "need_exceeds_surveyed",
        "more households in need than households surveyed",
        ("opsmoi/household_needs",),
        "row",
        0.002,
        0.01,
        "quarantined",
        "need_exceeds_surveyed",
    ),
    Defect(
        "wrong_encoding",
        "a whole file in the other encoding than its dataset usually uses (cp874 for UTF-8)",
        ("dopa/village_plans", "dla/laos"),
        "file",
        0.1,
        0.3,
        "decoded",
    ),
    Defect(
        "header_renamed",
        "a column header renamed to a known variant (งบประมาณ (บาท), ชื่อโครงการ/กิจกรรม)",
        ("dopa/village_plans", "cdd/community_plans"),
        "file",
        0.1,
        0.3,
        "decoded",
    ),
)
BY_CODE = {d.code: d for d in CATALOGUE}


class Injector:
    """Draws where each defect lands in one dataset of one delivery, and remembers it per row."""

    def __init__(
        self, profile: DefectProfile, seed: int, dataset: str, place: str, n_rows: int
    ) -> None:
        self.profile, self.seed, self.dataset, self.place, self.n = (
            profile,
            seed,
            dataset,
            place,
            n_rows,
        )
        self.hits: dict[str, np.ndarray] = {}

    def _defect(self, code: str) -> Defect:
        defect = BY_CODE[code]
        if self.dataset not in defect.datasets:
            raise ValueError(f"defect {code} is not catalogued for {self.dataset}")
        return defect

    def rows(self, code: str, eligible: np.ndarray | None = None) -> np.ndarray:
        """A mask of the rows this defect hits (only among eligible rows), recorded for truth."""
        defect = self._defect(code)
        rng = stream(self.seed, "defect", code, self.dataset, self.place)
        mask = rng.random(self.n) < defect.rate(self.profile)
        if eligible is not None:
            mask &= eligible
        self.hits[code] = self.hits.get(code, np.zeros(self.n, bool)) | mask
        return mask

    def file(self, code: str) -> bool:
        """Whether this whole file carries the defect (recorded on every row)."""
        defect = self._defect(code)
        rng = stream(self.seed, "defect", code, self.dataset, self.place)
        hit = bool(rng.random() < defect.rate(self.profile))
        if hit:
            self.hits[code] = np.ones(self.n, bool)
        return hit

    def rng(self, code: str) -> np.random.Generator:
        """The stream a defect uses to decide *how* it garbles a value."""
        return stream(self.seed, "defect-how", code, self.dataset, self.place)

    def record(self, code: str, mask: np.ndarray) -> None:
        self.hits[code] = self.hits.get(code, np.zeros(self.n, bool)) | mask

    def codes(self) -> pa.Array:
        """Per row, the defects injected into it (list<string>)."""
        if not self.hits:
            return (
                pa.array([[] for _ in range(self.n)], pa.list_(pa.string()))
                if self.n < 1
                else _empty_lists(self.n)
            )
        joined = pc.binary_join_element_wise(
            *[pc.if_else(pa.array(mask), code, "") for code, mask in sorted(self.hits.items())], ";"
        )
        cleaned = pc.replace_substring_regex(
            pc.replace_substring_regex(joined, ";+", ";"), "^;|;$", ""
        )
        return pc.split_pattern(
            pc.if_else(pc.equal(cleaned, ""), pa.scalar(None, pa.string()), cleaned), ";"
        )


def _empty_lists(n: int) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(np.zeros(n + 1, np.int32)), pa.array([], pa.string()))


# Look-alike letters that OCR and typists confuse.
OCR_PAIRS = (
    ("ด", "ต"),
    ("บ", "ป"),
    ("ข", "ช"),
    ("พ", "ผ"),
    ("ร", "ธ"),
    ("ถ", "ภ"),
    ("แ", "เเ"),
    ("ค", "ศ"),
)
LOOKALIKE_PROVINCES = {"54": "แพะ", "76": "เพชรบูรณ์", "67": "เพชรบุรี", "66": "พิจิตต"}


def garble(
    injector: Injector,
    code: str,
    values: pa.Array,
    mask: np.ndarray,
    change: Callable[[str, np.random.Generator], str],
) -> pa.Array:
    """Apply `change` to the masked values only (a small share of rows, so a comprehension over
    them is cheap), and record the defect only where the value really changed."""
    rows = np.flatnonzero(mask)
    if len(rows) == 0:
        return values
    rng = injector.rng(code)
    before = values.take(pa.array(rows)).to_pylist()
    after = [change(v, rng) if v else v for v in before]
    changed = np.array([a != b for a, b in zip(after, before, strict=True)], dtype=bool)
    hit = np.zeros(len(values), bool)
    hit[rows[changed]] = True
    injector.record(code, hit)
    return pc.replace_with_mask(
        values, pa.array(np.isin(np.arange(len(values)), rows)), pa.array(after, pa.string())
    )


# Look-alike letters that OCR and typists confuse.
OCR_PAIRS = (
    ("ด", "ต"),
    ("บ", "ป"),
    ("ข", "ช"),
    ("พ", "ผ"),
    ("ร", "ธ"),
    ("ถ", "ภ"),
    ("แ", "เเ"),
    ("ค", "ศ"),
)
LOOKALIKE_PROVINCES = {"54": "แพะ", "76": "เพชรบูรณ์", "67": "เพชรบุรี", "66": "พิจิตต"}


def ocr_confuse(value: str, rng: np.random.Generator) -> str:
    """Swap one pair of look-alike letters (the first pair the name contains, from a random start)."""
    start = int(rng.integers(0, len(OCR_PAIRS)))
    for i in range(len(OCR_PAIRS)):
        a, b = OCR_PAIRS[(start + i) % len(OCR_PAIRS)]
        if a in value:
            return value.replace(a, b, 1)
    return value


def typo(value: str, rng: np.random.Generator) -> str:
    """Drop, double or swap one letter in the middle of a name."""
    if len(value) < 4:
        return value
    at = int(rng.integers(1, len(value) - 1))
    how = int(rng.integers(0, 3))
    if how == 0:
        return value[:at] + value[at + 1 :]
    if how == 1:
        return value[:at] + value[at] + value[at:]
    return value[:at] + value[at + 1] + value[at] + value[at + 2 :]
