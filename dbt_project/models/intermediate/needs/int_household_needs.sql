-- OPS MOI household needs per village and survey year (latest CKAN pull), each village code
-- checked against the registry, each need dimension mapped onto the canonical dimensions.
with

needs as (
    select * from {{ ref('stg_opsmoi__household_needs') }}
    where is_latest_pull
),

registry as (
    select
        village_code,
        any_value(subdistrict_code) as subdistrict_code
    from {{ ref('int_villages__versioned') }}
    group by village_code
),

dimension_map as (
    select * from {{ ref('dimension_map') }}
    where source = 'opsmoi'
)

select
    needs.delivery_id,
    needs.source_file,
    needs.source_row,
    needs.received_at,
    needs.village_code,
    registry.subdistrict_code,
    needs.survey_year,
    needs.dimension as need_dimension,
    dimension_map.dimension_code,
    needs.households_surveyed,
    needs.households_in_need,
    md5(needs.delivery_id || '|' || needs.source_row) as need_record_key,
    json_object(
        'village_code', needs.village_code,
        'survey_year', needs.survey_year_delivered,
        'dimension', needs.dimension_delivered,
        'households_surveyed', needs.households_surveyed,
        'households_in_need', needs.households_in_need
    ) as delivered_values,
    list_distinct(flatten([
        needs.reasons,
        case when registry.village_code is null then ['village_unresolved'] else [] end,
        case when dimension_map.dimension_code is null then ['unknown_dimension'] else [] end
    ])) as reasons
from needs
left join registry on needs.village_code = registry.village_code
left join dimension_map on needs.dimension = dimension_map.source_value
