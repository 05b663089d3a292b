-- The villages each DLA plan project targets (เป้าหมาย, parsed in stg_dla__plan_targets),
-- looked up among the villages its LAO serves: หมู่ numbers, every village (ทุกหมู่บ้าน), or a
-- village or community named in the text. A หมู่ number means one village only when the LAO
-- serves one subdistrict with it; otherwise the village named in the target or title decides.
with

targets as (
    select
        targets.*,
        projects.title
    from {{ ref('stg_dla__plan_targets') }} as targets
    inner join {{ ref('stg_dla__plan_projects') }} as projects
        on targets.delivery_id = projects.delivery_id and targets.source_row = projects.source_row
),

served as (
    select * from {{ ref('int_lao_villages') }}
),

by_number as (
    select
        targets.delivery_id,
        targets.source_row,
        targets.target_kind,
        served.unit_key,
        served.moo,
        -- does the target or the title name this village? (ถนนสายบ้านนา… หมู่ที่ 4, บ้านนา หมู่ที่ 4)
        contains(
            regexp_replace(coalesce(targets.target, '') || ' ' || coalesce(targets.title, ''), '\s', '', 'g'),
            served.name_key
        ) as is_named
    from targets
    inner join served
        on
            targets.lao_code = served.lao_code
            and (
                targets.target_kind = 'all'
                or (targets.target_kind in ('single', 'moo_list') and list_contains(targets.target_moos, served.moo))
            )
),

-- a หมู่ number that several served villages share: keep the named one when exactly one is named
numbered as (
    select
        *,
        count(*) over (partition by delivery_id, source_row, moo) as sharing_number,
        count(*) filter (where is_named) over (partition by delivery_id, source_row, moo) as named_sharing
    from by_number
),

by_name as (
    select
        targets.delivery_id,
        targets.source_row,
        targets.target_kind,
        served.unit_key,
        {{ place_similarity(place_key('targets.target_name'), 'served.name_key') }} as similarity
    from targets
    inner join served on targets.lao_code = served.lao_code
    where targets.target_kind = 'named'
    qualify row_number() over (partition by targets.delivery_id, targets.source_row order by similarity desc, served.unit_key) = 1
),

matched as (
    select
        delivery_id,
        source_row,
        unit_key,
        case
            when target_kind = 'all' then 'lao_all_villages'
            when sharing_number = 1 then 'lao_moo'
            else 'lao_moo_and_name'
        end as match_method,
        case when target_kind = 'all' or sharing_number = 1 then 0.95 else 0.85 end as match_confidence
    from numbered
    where target_kind = 'all' or sharing_number = 1 or (is_named and named_sharing = 1)
    union all
    select
        delivery_id,
        source_row,
        unit_key,
        'lao_name' as match_method,
        round(similarity - 0.05, 3) as match_confidence
    from by_name
    where similarity >= 0.9
)

select
    targets.delivery_id,
    targets.source_row,
    targets.lao_code,
    targets.project_id,
    targets.target_kind,
    coalesce(
        list(matched.unit_key order by matched.unit_key) filter (where matched.unit_key is not null), []
    ) as target_village_codes,
    coalesce(any_value(matched.match_method), 'unresolved') as match_method,
    coalesce(min(matched.match_confidence), 0) as match_confidence
from targets
left join matched on targets.delivery_id = matched.delivery_id and targets.source_row = matched.source_row
group by all
