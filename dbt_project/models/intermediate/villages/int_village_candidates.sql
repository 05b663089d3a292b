-- Every place a delivered name can be matched to, per subdistrict: each name a registry village
-- has had (a plan may still use the name from before a rename) and each municipal community.
with

registry as (
    select * from {{ ref('int_villages__versioned') }}
),

communities as (
    select distinct
        community_key,
        lao_code,
        subdistrict_code,
        name_th,
        name_key
    from {{ ref('int_communities') }}
),

village_names as (
    select
        village_code as unit_key,
        'village' as kind,
        subdistrict_code,
        moo,
        name_th,
        bool_or(is_current) as is_current,
        -- the version that best represents the village: current, else the latest
        max(valid_from) as valid_from
    from registry
    group by all
)

select
    unit_key,
    kind,
    subdistrict_code,
    moo,
    name_th,
    {{ place_match_columns(place_key('name_th')) }},
    is_current
from village_names
union all
select
    community_key as unit_key,
    'community' as kind,
    subdistrict_code,
    null as moo,
    name_th,
    {{ place_match_columns('name_key') }},
    true as is_current
from communities
