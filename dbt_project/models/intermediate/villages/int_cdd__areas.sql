-- The subdistrict each CDD place (district and subdistrict typed by hand, both sheets of the
-- workbook) is in: exact name within the province first, else the most alike name within the
-- district (then the province) when it stands clear of the next best. The province comes from
-- the file (its code in the name), so a place is never looked for outside it.
with

places as (
    select distinct province_code, district_name, subdistrict_name
    from {{ ref('stg_cdd__community_plans') }}
    union
    select distinct province_code, district_name, subdistrict_name
    from {{ ref('stg_cdd__certification') }}
),

areas as (
    select
        province_code,
        district_code,
        subdistrict_code,
        {{ place_key('district_name_th') }} as district_key,
        {{ place_key('subdistrict_name_th') }} as subdistrict_key
    from {{ ref('ref_areas') }}
),

keyed as (
    select
        *,
        {{ place_key('district_name') }} as district_key,
        {{ place_key('subdistrict_name') }} as subdistrict_key
    from places
),

-- every subdistrict of the province, scored on both names
scored as (
    select
        keyed.province_code,
        keyed.district_name,
        keyed.subdistrict_name,
        areas.subdistrict_code,
        coalesce({{ place_similarity('keyed.district_key', 'areas.district_key') }}, 0) as district_similarity,
        coalesce({{ place_similarity('keyed.subdistrict_key', 'areas.subdistrict_key') }}, 0) as subdistrict_similarity
    from keyed
    inner join areas on keyed.province_code = areas.province_code
),

ranked as (
    select
        *,
        -- the subdistrict name decides; the district breaks ties between namesakes
        subdistrict_similarity + 0.5 * district_similarity as score,
        row_number() over (
            partition by province_code, district_name, subdistrict_name
            order by subdistrict_similarity + 0.5 * district_similarity desc, subdistrict_code
        ) as rank
    from scored
),

best as (
    select
        ranked.*,
        second.score as second_score
    from ranked
    left join ranked as second
        on
            ranked.province_code = second.province_code
            and ranked.district_name is not distinct from second.district_name
            and ranked.subdistrict_name is not distinct from second.subdistrict_name
            and second.rank = 2
    where ranked.rank = 1
)

select
    province_code,
    district_name,
    subdistrict_name,
    case
        when subdistrict_similarity >= 0.85 and score - coalesce(second_score, 0) >= 0.05
            then subdistrict_code
    end as subdistrict_code,
    case
        when subdistrict_similarity = 1 and district_similarity = 1 then 'exact'
        when subdistrict_similarity >= 0.85 and score - coalesce(second_score, 0) >= 0.05 then 'fuzzy'
        else 'unresolved'
    end as area_method,
    round(subdistrict_similarity, 3) as subdistrict_similarity,
    round(district_similarity, 3) as district_similarity
from best
