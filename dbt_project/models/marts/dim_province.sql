-- Provinces (จังหวัด): DOPA code, Thai and English names.
with

areas as (
    select * from {{ ref('ref_areas') }}
)

select distinct
    province_code,
    province_name_th as name_th,
    province_name_en as name_en
from areas
