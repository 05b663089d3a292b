-- Every reason code stg_opsmoi__household_needs gives is a reason the seed quarantine_reasons knows
-- (with its Thai and English text for the agencies' reports). Returns the unknown codes.
with

given as (
    select distinct unnest(reasons) as reason_code
    from {{ ref('stg_opsmoi__household_needs') }}
),

known as (
    select reason_code from {{ ref('quarantine_reasons') }}
)

select given.reason_code
from given
left join known on given.reason_code = known.reason_code
where known.reason_code is null
