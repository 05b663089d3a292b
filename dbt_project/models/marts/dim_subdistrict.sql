-- Subdistricts (ตำบล): DOPA code, Thai and English names, their district and province.
with

areas as (
    select * from {{ ref('ref_areas') }}
)

select
    subdistrict_code,
    subdistrict_name_th as name_th,
    subdistrict_name_en as name_en,
    district_code,
    province_code
from areas
