"""Every current province, district and subdistrict of Thailand, with DOPA codes and Thai and
English names, from the geothai package (CC-BY-4.0 data): the hierarchy village names are
matched within, and the source of dim_province, dim_district and dim_subdistrict."""

import geothai
import pyarrow as pa


def model(dbt, session):
    dbt.config(materialized="table")
    rows = []
    for province in geothai.provinces():
        for district in geothai.districts(province.code):
            for subdistrict in geothai.subdistricts(district.code):
                rows.append(
                    (
                        province.code,
                        province.name_th,
                        province.name_en,
                        district.code,
                        district.name_th,
                        district.name_en,
                        subdistrict.code,
                        subdistrict.name_th,
                        subdistrict.name_en,
                    )
                )
    names = [
        "province_code",
        "province_name_th",
        "province_name_en",
        "district_code",
        "district_name_th",
        "district_name_en",
        "subdistrict_code",
        "subdistrict_name_th",
        "subdistrict_name_en",
    ]
    return pa.table(
        {name: pa.array([row[i] for row in rows], pa.string()) for i, name in enumerate(names)}
    )
