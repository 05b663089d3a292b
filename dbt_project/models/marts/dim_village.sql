-- Villages (หมู่บ้าน), one row per version from the DOPA registry's history, and municipal
-- communities (ชุมชน), which have no DOPA code and carry muban's own stable key (C + LAO code +
-- name hash). Headman names and phone numbers never reach this table.
with

villages as (
    select * from {{ ref('int_villages__versioned') }}
),

communities as (
    select
        community_key,
        any_value(lao_code) as lao_code,
        any_value(subdistrict_code) as subdistrict_code,
        any_value(name_th) as name_th,
        min(first_seen_on) as first_seen_on
    from {{ ref('int_communities') }}
    group by community_key
)

select
    villages.village_code,
    villages.moo,
    villages.name_th,
    villages.subdistrict_code,
    villages.district_code,
    villages.province_code,
    'village' as kind,
    villages.status,
    villages.is_rename,
    villages.valid_from,
    villages.valid_to,
    villages.is_current,
    local_lao.lao_code
from villages
left join {{ ref('int_local_laos') }} as local_lao on villages.village_code = local_lao.unit_key
union all
select
    community_key as village_code,
    null as moo,
    name_th,
    subdistrict_code,
    left(subdistrict_code, 4) as district_code,
    left(subdistrict_code, 2) as province_code,
    'community' as kind,
    'active' as status,
    false as is_rename,
    first_seen_on as valid_from,
    null as valid_to,
    true as is_current,
    lao_code
from communities
