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
        match_candidates,
        reasons
    from {{ ref('int_plan_records') }}
    where is_in_force and len(reasons) > 0
),

-- the delivered cells of the rejected plan records only (a few thousand of millions)
village_plan_cells as (
    select
        plan_rows.delivery_id,
        plan_rows.source_row,
        json_object(
            'village_code', plan_rows.village_code_delivered,
            'moo', plan_rows.moo_delivered,
            'village_name', plan_rows.village_name_delivered,
            'subdistrict_name', plan_rows.subdistrict_name_delivered,
            'district_name', plan_rows.district_name_delivered,
            'fiscal_year', plan_rows.fiscal_year_delivered,
            'title', plan_rows.title_delivered,
            'category', plan_rows.category_delivered,
            'implementation', plan_rows.implementation_delivered,
            'budget', plan_rows.budget_delivered
        ) as delivered_values
    from (
        select * from {{ ref('stg_dopa__village_plans') }}
        union all by name
        select * from {{ ref('stg_cdd__community_plans') }}
    ) as plan_rows
    semi join plan_records
        on plan_rows.delivery_id = plan_records.delivery_id and plan_rows.source_row = plan_records.source_row
),

dla_cells as (
    select
        projects.delivery_id,
        projects.source_row,
        json_object(
            'lao_code', projects.lao_code,
            'project_id', projects.project_id,
            'edition', projects.edition_delivered,
            'strategy', projects.strategy_delivered,
            'title', projects.title_delivered,
            'target', projects.target_delivered,
            'budget', projects.budget_delivered
        ) as delivered_values
    from {{ ref('stg_dla__plan_projects') }} as projects
    semi join plan_records
        on projects.delivery_id = plan_records.delivery_id and projects.source_row = plan_records.source_row
),

plans_rejected as (
    select
        plan_records.agency,
        plan_records.dataset,
        plan_records.delivery_id,
        plan_records.source_file,
        plan_records.source_row,
        coalesce(village_plan_cells.delivered_values, dla_cells.delivered_values) as delivered_values,
        plan_records.match_candidates,
        plan_records.reasons
    from plan_records
    left join village_plan_cells
        on
            plan_records.delivery_id = village_plan_cells.delivery_id
            and plan_records.source_row = village_plan_cells.source_row
    left join dla_cells
        on plan_records.delivery_id = dla_cells.delivery_id and plan_records.source_row = dla_cells.source_row
),

needs as (
    select
        'opsmoi' as agency,
        'opsmoi/household_needs' as dataset,
        delivery_id,
        {{ delivered_name('source_file') }} as source_file,
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
        {{ delivered_name('source_file') }} as source_file,
        source_row,
        delivered_values,
        match_candidates,
        reasons
    from {{ ref('int_certifications') }}
    where is_in_force and len(reasons) > 0
),

rejected as (
    select * from plans_rejected
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
