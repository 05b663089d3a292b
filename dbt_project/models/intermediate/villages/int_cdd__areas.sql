-- The subdistrict each CDD place (district and subdistrict typed by hand, both sheets of the
-- workbook) is in. The district is found among the province's (the file names the province),
-- then the subdistrict among the district's; a subdistrict whose district could not be found is
-- looked for in the whole province. Exact keys first; otherwise the most alike name, when it
-- stands clear of the next best.
with

places as (
    select distinct
        province_code,
        district_name,
        subdistrict_name
    from {{ ref('stg_cdd__community_plans') }}
    union
    select distinct
        province_code,
        district_name,
        subdistrict_name
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

districts as (
    select distinct
        province_code,
        district_code,
        district_key
    from areas
),

district_names as (
    select distinct
        province_code,
        district_name,
        {{ place_key('district_name') }} as district_key
    from places
),

-- each typed district name against the province's districts (a few dozen)
district_scored as (
    select
        district_names.province_code,
        district_names.district_name,
        districts.district_code,
        coalesce({{ place_similarity('district_names.district_key', 'districts.district_key') }}, 0) as similarity
    from district_names
    inner join districts on district_names.province_code = districts.province_code
),

district_found as (
    select
        province_code,
        district_name,
        case
            when
                max(similarity) >= 0.85
                and max(similarity) - coalesce(max(similarity) filter (where rank = 2), 0) >= 0.05
                then any_value(district_code) filter (where rank = 1)
        end as district_code,
        max(similarity) as district_similarity
    from (
        select
            *,
            row_number()
                over (partition by province_code, district_name order by similarity desc, district_code asc)
                as rank
        from district_scored
    ) as ranked_districts
    group by province_code, district_name
),

subdistrict_names as (
    select
        places.*,
        district_found.district_code,
        district_found.district_similarity,
        {{ place_key('places.subdistrict_name') }} as subdistrict_key
    from places
    left join district_found
        on
            places.province_code = district_found.province_code
            and coalesce(places.district_name, '∅') = coalesce(district_found.district_name, '∅')
),

-- each typed subdistrict against those of its district, or of the province when the district is unknown
subdistrict_scored as (
    select
        subdistrict_names.province_code,
        subdistrict_names.district_name,
        subdistrict_names.subdistrict_name,
        subdistrict_names.district_similarity,
        areas.subdistrict_code,
        coalesce({{ place_similarity('subdistrict_names.subdistrict_key', 'areas.subdistrict_key') }}, 0) as similarity
    from subdistrict_names
    inner join areas
        on
            subdistrict_names.province_code = areas.province_code
            and (subdistrict_names.district_code is null or subdistrict_names.district_code = areas.district_code)
),

ranked as (
    select
        *,
        row_number() over (
            partition by province_code, district_name, subdistrict_name order by similarity desc, subdistrict_code asc
        ) as rank
    from subdistrict_scored
),

best as (
    select
        province_code,
        district_name,
        subdistrict_name,
        any_value(subdistrict_code) filter (where rank = 1) as subdistrict_code,
        max(similarity) as subdistrict_similarity,
        coalesce(max(similarity) filter (where rank = 2), 0) as second_similarity,
        any_value(district_similarity) as district_similarity
    from ranked
    group by province_code, district_name, subdistrict_name
)

select
    places.province_code,
    places.district_name,
    places.subdistrict_name,
    case
        when best.subdistrict_similarity >= 0.85 and best.subdistrict_similarity - best.second_similarity >= 0.05
            then best.subdistrict_code
    end as subdistrict_code,
    case
        when best.subdistrict_similarity = 1 and best.district_similarity = 1 then 'exact'
        when
            best.subdistrict_similarity >= 0.85 and best.subdistrict_similarity - best.second_similarity >= 0.05
            then 'fuzzy'
        else 'unresolved'
    end as area_method,
    round(best.subdistrict_similarity, 3) as subdistrict_similarity,
    round(best.district_similarity, 3) as district_similarity
from places
left join best
    on
        places.province_code = best.province_code
        and coalesce(places.district_name, '∅') = coalesce(best.district_name, '∅')
        and coalesce(places.subdistrict_name, '∅') = coalesce(best.subdistrict_name, '∅')
