-- The villages each DLA plan project targets (เป้าหมาย, parsed in stg_dla__plan_targets),
-- looked up among the villages its LAO serves: หมู่ numbers, every village (ทุกหมู่บ้าน), or a
-- village or community named in the text. A หมู่ number means one village only when the LAO
-- serves one subdistrict with it; otherwise the village named in the target or title decides.
with

targets as (
    select
        targets.delivery_id,
        targets.source_row,
        targets.lao_code,
        targets.project_id,
        targets.target,
        targets.target_kind,
        targets.target_moos,
        targets.target_name,
        -- the target and title without spaces, to look for a village's name in them
        regexp_replace(coalesce(targets.target, '') || coalesce(projects.title, ''), '\s', '', 'g') as text_key
    from {{ ref('stg_dla__plan_targets') }} as targets
    inner join {{ ref('stg_dla__plan_projects') }} as projects
        on targets.delivery_id = projects.delivery_id and targets.source_row = projects.source_row
),

served as (
    select * from {{ ref('int_lao_villages') }}
),

-- every หมู่ number a target lists, looked up among the LAO's villages with that number
by_number as (
    select
        numbers.delivery_id,
        numbers.source_row,
        served.unit_key,
        served.moo,
        -- does the target or the title name this village? (ถนนสายบ้านนา… หมู่ที่ 4, บ้านนา หมู่ที่ 4)
        contains(numbers.text_key, served.name_key) as is_named
    from (
        select
            delivery_id,
            source_row,
            lao_code,
            text_key,
            unnest(target_moos) as moo
        from targets
        where target_kind in ('single', 'moo_list')
    ) as numbers
    inner join served on numbers.lao_code = served.lao_code and numbers.moo = served.moo
),

-- a หมู่ number that several served villages share: keep the named one when exactly one is named
numbered as (
    select
        *,
        count(*) over (partition by delivery_id, source_row, moo) as sharing_number,
        count(*) filter (where is_named) over (partition by delivery_id, source_row, moo) as named_sharing
    from by_number
),

everyone as (
    select
        targets.delivery_id,
        targets.source_row,
        served.unit_key
    from targets
    inner join served on targets.lao_code = served.lao_code
    where targets.target_kind = 'all'
),

named as (
    select
        delivery_id,
        source_row,
        lao_code,
        {{ place_match_columns(place_key('target_name')) }}
    from targets
    where target_kind = 'named'
),

-- a named village or community: the exact name among those the LAO serves, else the most alike
named_exactly as (
    select
        named.delivery_id,
        named.source_row,
        any_value(served.unit_key) as unit_key
    from named
    inner join served on named.lao_code = served.lao_code and named.name_key = served.name_key
    group by named.delivery_id, named.source_row
    having count(*) = 1
),

by_name as (
    select
        named.delivery_id,
        named.source_row,
        served.unit_key,
        {{ place_similarity_of('named', 'served') }} as similarity
    from named
    inner join served on named.lao_code = served.lao_code
    anti join named_exactly
        on named.delivery_id = named_exactly.delivery_id and named.source_row = named_exactly.source_row
    qualify
        row_number()
            over (partition by named.delivery_id, named.source_row order by similarity desc, served.unit_key asc)
        = 1
),

matched as (
    select
        delivery_id,
        source_row,
        unit_key,
        case when sharing_number = 1 then 'lao_moo' else 'lao_moo_and_name' end as match_method,
        case when sharing_number = 1 then 0.95 else 0.85 end as match_confidence
    from numbered
    where sharing_number = 1 or (is_named and named_sharing = 1)
    union all
    select
        delivery_id,
        source_row,
        unit_key,
        'lao_all_villages' as match_method,
        0.95 as match_confidence
    from everyone
    union all
    select
        delivery_id,
        source_row,
        unit_key,
        'lao_name' as match_method,
        0.95 as match_confidence
    from named_exactly
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
