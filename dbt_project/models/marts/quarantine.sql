-- One row per delivered row that could not be published, with every reason (code, Thai and
-- English text from the quarantine_reasons seed) and where it is in the agency's file. Rows of a
-- delivery that a later delivery replaced are not here: they are superseded, not rejected.
with

plan_records as (
    select
        source as agency,
        dataset,
        delivery_id,
        source_file,
        source_row,
        delivered_values,
        match_candidates,
        reasons
    from {{ ref('int_plan_records') }}
    where is_in_force and len(reasons) > 0
),

needs as (
    select
        'opsmoi' as agency,
        'opsmoi/household_needs' as dataset,
        delivery_id,
        regexp_extract(regexp_replace(source_file, '^https?://[^/]+', ''), '^[^?]*') as source_file,
        source_row,
        delivered_values,
        null as match_candidates,
        reasons
    from {{ ref('int_household_needs') }}
    where len(reasons) > 0
),

certifications as (
    select
        'cdd' as agency,
        'cdd/certification' as dataset,
        delivery_id,
        regexp_extract(source_file, '[^/]+$') as source_file,
        source_row,
        delivered_values,
        match_candidates,
        reasons
    from {{ ref('int_certifications') }}
    where is_in_force and len(reasons) > 0
),

rejected as (
    select * from plan_records
    union all
    select * from needs
    union all
    select * from certifications
),

reason_texts as (
    select
        rejected.delivery_id,
        rejected.source_row,
        list(reasons.reason_code order by reason.position) as reason_codes,
        string_agg(reasons.reason_th, '; ' order by reason.position) as reasons_th,
        string_agg(reasons.reason_en, '; ' order by reason.position) as reasons_en
    from rejected,
        unnest(rejected.reasons) with ordinality as reason (code, position)
    inner join {{ ref('quarantine_reasons') }} as reasons on reason.code = reasons.reason_code
    group by rejected.delivery_id, rejected.source_row
)

select
    rejected.agency,
    rejected.dataset,
    rejected.delivery_id,
    rejected.source_file,
    rejected.source_row,
    reason_texts.reason_codes,
    reason_texts.reasons_th,
    reason_texts.reasons_en,
    rejected.match_candidates,
    rejected.delivered_values
from rejected
inner join reason_texts
    on rejected.delivery_id = reason_texts.delivery_id and rejected.source_row = reason_texts.source_row
