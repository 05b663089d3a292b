"""With --gazetteer, real villages (and municipal communities) replace the generated ones."""

from __future__ import annotations

import gzip

from simulator.geography import villages
from simulator.laos import laos


def test_gazetteer_villages_and_communities_are_used(tmp_path) -> None:
    rows = [
        "village_code,subdistrict_code,moo,name_th,name_en,lat,lon",
        "54010201,540102,1,บ้านนาจักร,Ban Na Chak,0,0",
        "54010202,540102,2,บ้านแม่ลาน,Ban Mae Lan,0,0",
        "54010203,540102,3,บ้านนาจักร,Ban Na Chak,0,0",
        "54010250,540102,50,ชุมชนตลาดนาจักร,Chumchon Talat,0,0",
    ]
    with gzip.open(tmp_path / "villages.csv.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(rows) + "\n")
    table = villages("54", ["5401"], seed=1, gazetteer=tmp_path)
    real = table.filter(table.column("subdistrict_code").to_numpy(zero_copy_only=False) == "540102")
    names = dict(
        zip(real.column("village_code").to_pylist(), real.column("name_1").to_pylist(), strict=True)
    )
    assert names["54010201"] == "บ้านนาจักร" and names["54010202"] == "บ้านแม่ลาน"
    assert "54010250" not in names  # communities are not DOPA villages
    # A repeated name is not unique in its subdistrict.
    current = dict(
        zip(
            real.column("village_code").to_pylist(), real.column("name_th").to_pylist(), strict=True
        )
    )
    unique = dict(
        zip(
            real.column("village_code").to_pylist(),
            real.column("name_unique").to_pylist(),
            strict=True,
        )
    )
    assert unique["54010201"] == (current["54010201"] != current["54010203"])
    _, _, communities = laos("54", ["5401"], table, seed=1, gazetteer=tmp_path)
    assert "ชุมชนตลาดนาจักร" in communities.column("name_th").to_pylist()
