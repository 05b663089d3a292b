"""OPS MOI: household needs per village, as the CKAN datastore's records."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.agencies.common import single_keys, truth_table
from simulator.config import DefectProfile
from simulator.defects import Injector
from simulator.rng import stream
from simulator.textformat import join, strings, where
from simulator.vocabulary import OPS_DIMENSIONS

ENDPOINT = "/api/3/action/datastore_search"


def household_need_lines(
    units: pa.Table, fiscal_year: int, province_code: str, seed: int, profile: DefectProfile
) -> tuple[pa.Array, pa.Table]:
    """Five needs per village (villages with a DOPA code only), surveyed the year before."""
    villages = units.filter(pc.equal(units.column("kind"), "village"))
    dims = list(OPS_DIMENSIONS)
    n_v = villages.num_rows
    n = n_v * len(dims)
    rng = stream(seed, "opsmoi-needs", province_code)
    row = np.repeat(np.arange(n_v), len(dims))
    code = strings(villages.column("village_code")).take(pa.array(row))
    households = villages.column("households").to_numpy()[row]
    surveyed = np.maximum(1, np.round(households * rng.uniform(0.75, 1.0, n))).astype(np.int64)
    share = rng.beta(1.2, 6.0, n)
    in_need = rng.binomial(surveyed, share)
    inj = Injector(profile, seed, "opsmoi/household_needs", province_code, n)
    exceeds = inj.rows("need_exceeds_surveyed")
    in_need = np.where(exceeds, surveyed + rng.integers(1, 50, n), in_need)
    unknown = inj.rows("unknown_village")
    code_text = where(
        unknown,
        join(
            pc.utf8_slice_codeunits(code, 0, 6),
            "9",
            pc.cast(pa.array(rng.integers(0, 10, n)), pa.string()),
        ),
        code,
    )
    as_float = inj.rows("code_as_float")
    # The portal's export types the code column inconsistently: a number for some rows.
    as_number = rng.random(n) < 0.2
    year = np.full(n, fiscal_year - 1)
    ce = inj.rows("ce_year")
    year[ce] -= 543
    table = pa.table(
        {
            "code": code_text,
            "as_number": pa.array(as_number | as_float),
            "as_float": pa.array(as_float),
            "survey_year": pa.array(year),
            "dimension": pa.array(np.array(dims)[np.tile(np.arange(len(dims)), n_v)]),
            "households_surveyed": pa.array(surveyed),
            "households_in_need": pa.array(in_need),
        }
    )
    con = duckdb.connect()
    con.register("needs", table)
    lines = (
        con.sql(
            """
        select '{"village_code":'
            || case when as_float then code || '.0' when as_number then code else '"' || code || '"' end
            || ',' || substr(to_json({'survey_year': survey_year, 'dimension': dimension,
                                      'households_surveyed': households_surveyed,
                                      'households_in_need': households_in_need})::varchar, 2) as line
        from needs
        """
        )
        .to_arrow_table()
        .column("line")
        .combine_chunks()
    )
    con.close()
    truth = truth_table(
        "opsmoi/household_needs",
        ENDPOINT,
        row_kind=pa.array(np.full(n, "data")),
        village_keys=single_keys(where(unknown, pa.nulls(n, pa.string()), code)),
        project_id=pa.nulls(n, pa.string()),
        defects=inj.codes(),
    )
    return strings(lines), truth
