-- Districts (อำเภอ): DOPA code, Thai and English names, their province.
with

areas as (
    select * from {{ ref('ref_areas') }}
)

select distinct
    district_code,
    district_name_th as name_th,
    district_name_en as name_en,
    province_code
from areas
