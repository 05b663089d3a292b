-- CDD plan certification (sheet การรับรองมาตรฐาน) per village and year, the village found the
-- same way as for the community plans, the level checked against the scheme in force that year
-- (certification_schemes: levels and cut-offs change between years).
with

certifications as (
    select
        *,
        received_at = max(received_at) over (partition by province_code, fiscal_year) as is_in_force
    from {{ ref('stg_cdd__certification') }}
),

matches as (
    select * from {{ ref('int_cdd__village_matches') }}
),

-- the scheme in force in a year: the latest one not after it
scheme_in_force as (
    select
        years.fiscal_year,
        max(schemes.scheme_year) as scheme_year
    from (select distinct fiscal_year from certifications) as years
    inner join {{ ref('certification_schemes') }} as schemes on years.fiscal_year >= schemes.scheme_year
    group by years.fiscal_year
)

select
    certifications.certification_record_key,
    certifications.delivery_id,
    certifications.source_file,
    certifications.source_row,
    certifications.received_at,
    certifications.province_code,
    certifications.fiscal_year,
    matches.subdistrict_code,
    matches.match_method,
    matches.match_confidence,
    matches.candidates as match_candidates,
    certifications.score,
    certifications.level,
    certifications.certified_on,
    scheme_in_force.scheme_year,
    certifications.is_in_force,
    case when matches.match_confidence >= 0.8 then matches.unit_key end as village_code,
    json_object(
        'district_name', certifications.district_name_delivered,
        'subdistrict_name', certifications.subdistrict_name_delivered,
        'moo', certifications.moo_delivered,
        'village_name', certifications.village_name_delivered,
        'score', certifications.score_delivered,
        'level', certifications.level_delivered,
        'certified_on', certifications.certified_on_delivered
    ) as delivered_values,
    list_distinct(flatten([
        certifications.reasons,
        case when matches.match_method = 'inconsistent' then ['village_inconsistent'] else [] end,
        case
            when coalesce(matches.match_method, '') != 'inconsistent' and coalesce(matches.match_confidence, 0) < 0.8
                then ['village_unresolved']
            else []
        end
    ])) as reasons
from certifications
left join matches on {{ cdd_place_id('certifications') }} = matches.place_id
left join scheme_in_force on certifications.fiscal_year = scheme_in_force.fiscal_year
