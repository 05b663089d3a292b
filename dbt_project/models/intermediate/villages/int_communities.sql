-- Municipal communities (ชุมชน): they have no DOPA code, so muban gives each a stable key of its
-- own from the municipality (LAO) that runs it and its name. They are known from the names CDD
-- types for a place without หมู่ที่ (both workbook sheets) and from DLA targets that name one.
-- A misspelt name is not a new community: within a subdistrict each spelling is folded onto the
-- most used spelling it closely resembles.
with

cdd_places as (
    select
        province_code,
        district_name,
        subdistrict_name,
        village_name,
        received_at
    from {{ ref('stg_cdd__community_plans') }}
    where moo is null and regexp_matches(village_name, '^(ชุมชน|ชมชน|ชุมน|ชุชน)')
    union all
    select
        province_code,
        district_name,
        subdistrict_name,
        village_name,
        received_at
    from {{ ref('stg_cdd__certification') }}
    where moo is null and regexp_matches(village_name, '^(ชุมชน|ชมชน|ชุมน|ชุชน)')
),

areas as (
    select * from {{ ref('int_cdd__areas') }}
),

-- the municipality serving each subdistrict (latest LAO registry)
municipalities as (
    select
        subdistrict_code,
        min(lao_code) as lao_code
    from {{ ref('stg_dla__laos') }}
    where is_in_latest_snapshot and lao_type like 'เทศบาล%'
    group by subdistrict_code
),

spellings as (
    select
        areas.subdistrict_code,
        cdd_places.village_name as name_th,
        {{ place_key('cdd_places.village_name') }} as name_key,
        count(*) as uses,
        min(cdd_places.received_at)::date as first_seen_on
    from cdd_places
    inner join areas
        on
            cdd_places.province_code = areas.province_code
            and coalesce(cdd_places.district_name, '∅') = coalesce(areas.district_name, '∅')
            and coalesce(cdd_places.subdistrict_name, '∅') = coalesce(areas.subdistrict_name, '∅')
    where areas.subdistrict_code is not null
    group by all
),

-- each spelling points at the most used spelling it resembles (itself when none is used more)
folded as (
    select
        spelling.subdistrict_code,
        spelling.name_key as spelling_key,
        canonical.name_key,
        canonical.name_th,
        spelling.first_seen_on
    from spellings as spelling
    inner join spellings as canonical
        on
            spelling.subdistrict_code = canonical.subdistrict_code
            and (
                spelling.name_key = canonical.name_key
                or (
                    (
                        spelling.uses < canonical.uses
                        or (spelling.uses = canonical.uses and spelling.name_key > canonical.name_key)
                    )
                    and {{ place_similarity('spelling.name_key', 'canonical.name_key') }} >= 0.9
                )
            )
    qualify row_number() over (
        partition by spelling.subdistrict_code, spelling.name_key
        order by canonical.uses desc, canonical.name_key asc, canonical.name_th asc
    ) = 1
),

communities as (
    select distinct
        folded.subdistrict_code,
        folded.name_key,
        municipalities.lao_code,
        first(folded.name_th order by folded.name_th) over (
            partition by folded.subdistrict_code, folded.name_key
        ) as name_th,
        min(folded.first_seen_on) over (partition by folded.subdistrict_code, folded.name_key) as first_seen_on
    from folded
    left join municipalities on folded.subdistrict_code = municipalities.subdistrict_code
),

final as (
    select
        communities.lao_code,
        communities.subdistrict_code,
        communities.name_th,
        communities.name_key,
        folded.spelling_key,
        communities.first_seen_on,
        left(communities.subdistrict_code, 4) as district_code,
        left(communities.subdistrict_code, 2) as province_code,
        -- C + the municipality's code (else the subdistrict's) + a hash of the subdistrict and the
        -- name (a municipality serving two subdistricts can have a ชุมชนตลาด in each): stable as
        -- long as the community keeps its name, subdistrict and municipality
        'C' || coalesce(communities.lao_code, communities.subdistrict_code) || '-'
        || left(md5(communities.subdistrict_code || communities.name_key), 6) as community_key
    from communities
    inner join folded
        on
            communities.subdistrict_code = folded.subdistrict_code
            and communities.name_key = folded.name_key
)

select * from final
