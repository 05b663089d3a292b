-- The local LAO of each village and community: the municipality or TAO that serves it (not the
-- province's อบจ., which serves every village of its province).
with

local_types as (
    select distinct lao_code
    from {{ ref('stg_dla__laos') }}
    where is_in_latest_snapshot and lao_type != 'อบจ.'
)

select
    served.unit_key,
    min(served.lao_code) as lao_code
from {{ ref('int_lao_villages') }} as served
inner join local_types on served.lao_code = local_types.lao_code
group by served.unit_key
