-- Which villages (and municipal communities) each LAO serves, from the latest DLA registry: a
-- row per (LAO, subdistrict) lists the หมู่ it serves there (`1-5,7`) or the whole subdistrict.
-- Villages are the registry's current ones; a municipality also serves its communities.
with

served as (
    select * from {{ ref('stg_dla__laos') }}
    where is_in_latest_snapshot
),

villages as (
    select * from {{ ref('int_villages__versioned') }}
    where is_current
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

village_rows as (
    select distinct
        served.lao_code,
        villages.village_code as unit_key,
        'village' as kind,
        villages.subdistrict_code,
        villages.moo,
        villages.name_th
    from served
    inner join villages
        on
            served.subdistrict_code = villages.subdistrict_code
            and (served.serves_whole_subdistrict or list_contains(served.moo_served, villages.moo))
),

community_rows as (
    select
        lao_code,
        community_key as unit_key,
        'community' as kind,
        subdistrict_code,
        null::integer as moo,
        name_th
    from communities
    where lao_code is not null
)

select
    *,
    {{ place_match_columns(place_key('name_th')) }}
from village_rows
union all
select
    *,
    {{ place_match_columns(place_key('name_th')) }}
from community_rows
