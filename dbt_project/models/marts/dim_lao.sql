-- Local administrative organisations (อปท.) from the latest DLA registry: one row per LAO.
-- The type is as registered (an upgraded body keeps its old code, so the code's first digit
-- does not say the type).
with

laos as (
    select * from {{ ref('stg_dla__laos') }}
    where is_in_latest_snapshot
)

select
    lao_code,
    any_value(lao_name order by source_row) as name_th,
    any_value(lao_type order by source_row) as lao_type,
    any_value(lao_type_en order by source_row) as lao_type_en,
    left(min(subdistrict_code), 2) as province_code,
    count(distinct subdistrict_code) as n_subdistricts
from laos
group by lao_code
