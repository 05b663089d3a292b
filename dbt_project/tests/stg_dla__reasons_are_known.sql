-- Every reason code the DLA plan staging models give is a reason the seed quarantine_reasons knows
-- (with its Thai and English text for the agencies' reports). Returns the unknown codes.
with

record_reasons as (
    select distinct unnest(reasons) as reason_code
    from {{ ref('stg_dla__plan_projects') }}
),

year_reasons as (
    select distinct unnest(reasons) as reason_code
    from {{ ref('stg_dla__plan_project_years') }}
),

given as (
    select
        'stg_dla__plan_projects' as model_name,
        reason_code
    from record_reasons
    union all
    select
        'stg_dla__plan_project_years' as model_name,
        reason_code
    from year_reasons
),

known as (
    select reason_code from {{ ref('quarantine_reasons') }}
)

select
    given.model_name,
    given.reason_code
from given
left join known on given.reason_code = known.reason_code
where known.reason_code is null
