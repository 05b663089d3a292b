-- Every delivered plan record of the three planning agencies (DOPA village plans, CDD community
-- plans, DLA local plan projects) in one shape: its village resolved, its dimension classified,
-- whether it is in force, and every reason it cannot be published. One row per delivered record;
-- nothing is dropped: a record is published (int_plan_items), quarantined (reasons) or
-- superseded (a later delivery of the same file, or a later edition of the same DLA project).
with

registry as (
    select
        village_code,
        any_value(subdistrict_code) as subdistrict_code
    from {{ ref('int_villages__versioned') }}
    group by village_code
),

dimensions as (
    select * from {{ ref('int_plan_dimensions') }}
),

-- a re-delivered file for the same province and year replaces the earlier one (decided on the
-- small delivery manifest, not on millions of rows)
deliveries_in_force as (
    select
        delivery_id,
        received_at = max(received_at) over (partition by dataset, province_code, fiscal_year) as is_in_force
    from {{ source('raw', 'deliveries') }}
    where status = 'ingested' and dataset in ('dopa/village_plans', 'cdd/community_plans')
),

village_plans as (
    select
        plan_rows.*,
        deliveries_in_force.is_in_force
    from (
        select * from {{ ref('stg_dopa__village_plans') }}
        union all by name
        -- each CDD record with the village of its place (district, subdistrict, number, name); joined
        -- here, on the table, so that DuckDB hashes the few places and not the wide records
        select
            cdd.*,
            matches.unit_key as matched_village_code,
            matches.match_method as cdd_match_method,
            matches.match_confidence as cdd_match_confidence,
            matches.candidates as cdd_match_candidates
        from {{ ref('stg_cdd__community_plans') }} as cdd
        left join {{ ref('int_cdd__village_matches') }} as matches
            on
                cdd.province_code = matches.province_code
                and coalesce(cdd.district_name, '∅') = coalesce(matches.district_name, '∅')
                and coalesce(cdd.subdistrict_name, '∅') = coalesce(matches.subdistrict_name, '∅')
                and coalesce(cdd.moo, -1) = coalesce(matches.moo, -1)
                and coalesce(cdd.village_name, '∅') = coalesce(matches.village_name, '∅')
    ) as plan_rows
    inner join deliveries_in_force on plan_rows.delivery_id = deliveries_in_force.delivery_id
),

dopa_cdd as (
    select
        village_plans.plan_record_key,
        village_plans.agency as source,  -- noqa: RF04
        village_plans.dataset,
        village_plans.delivery_id,
        village_plans.source_file,
        village_plans.source_row,
        village_plans.received_at,
        village_plans.province_code,
        village_plans.fiscal_year,
        village_plans.title,
        village_plans.title_delivered,
        village_plans.category,
        village_plans.implementation,
        village_plans.budget_thb,
        village_plans.is_in_force,
        null as lao_code,
        village_plans.reasons as record_reasons,
        village_plans.warnings,
        village_plans.repairs,
        case
            when village_plans.agency = 'dopa' and registry.village_code is not null then registry.village_code
            when village_plans.agency = 'cdd' and village_plans.cdd_match_confidence >= 0.8
                then village_plans.matched_village_code
        end as village_code,
        case
            when
                village_plans.agency = 'dopa'
                then case when registry.village_code is not null then 'code' else 'unresolved' end
            else village_plans.cdd_match_method
        end as match_method,
        case
            when village_plans.agency = 'dopa' then case when registry.village_code is not null then 1.0 else 0 end
            else village_plans.cdd_match_confidence
        end as match_confidence,
        case
            when village_plans.agency = 'dopa' and registry.village_code is null
                then
                    'รหัสหมู่บ้าน '
                    || coalesce(village_plans.village_code_delivered, '(ว่าง)')
                    || ' ไม่มีในทะเบียนหมู่บ้าน'
            else village_plans.cdd_match_candidates
        end as match_candidates,
        village_plans.cdd_match_method = 'inconsistent' as is_village_inconsistent
    from village_plans
    left join registry
        on village_plans.agency = 'dopa' and village_plans.village_code = registry.village_code
),

-- the years a DLA record budgets, and the reasons of any of them
dla_years as (
    select
        delivery_id,
        source_row,
        count(*) as n_years,
        list_distinct(flatten(list(reasons))) as reasons
    from {{ ref('stg_dla__plan_project_years') }}
    group by delivery_id, source_row
),

lao_provinces as (
    select
        lao_code,
        left(min(subdistrict_code), 2) as province_code
    from {{ ref('stg_dla__laos') }}
    where is_in_latest_snapshot
    group by lao_code
),

community_areas as (
    select distinct
        community_key,
        subdistrict_code
    from {{ ref('int_communities') }}
),

dla as (
    select
        md5(projects.delivery_id || '|' || projects.source_row) as plan_record_key,
        'dla' as source,  -- noqa: RF04
        'dla/plan_projects' as dataset,
        projects.delivery_id,
        projects.source_file,
        projects.source_row,
        projects.received_at,
        laos.province_code,
        projects.lao_code,
        null::integer as fiscal_year,
        projects.title,
        projects.title_delivered,
        projects.strategy as category,
        null as implementation,
        null::decimal(18, 2) as budget_thb,
        projects.is_latest_edition as is_in_force,
        list_distinct(flatten([projects.reasons, coalesce(years.reasons, [])])) as record_reasons,
        []::varchar[] as warnings,
        projects.repairs,
        case when len(targets.target_village_codes) = 1 then targets.target_village_codes[1] end as village_code,
        targets.match_method,
        targets.match_confidence,
        case when targets.match_method = 'unresolved' then 'เป้าหมาย: ' || coalesce(projects.target, '(ว่าง)') end
            as match_candidates,
        false as is_village_inconsistent,
        targets.target_village_codes,
        coalesce(years.n_years, 0) as n_budget_years
    from {{ ref('stg_dla__plan_projects') }} as projects
    left join dla_years as years
        on projects.delivery_id = years.delivery_id and projects.source_row = years.source_row
    left join {{ ref('int_dla__target_villages') }} as targets
        on projects.delivery_id = targets.delivery_id and projects.source_row = targets.source_row
    left join lao_provinces as laos on projects.lao_code = laos.lao_code
),

unioned as (
    select
        *,
        case when village_code is not null then [village_code] else []::varchar[] end as target_village_codes,
        1 as n_budget_years
    from dopa_cdd
    union all by name
    select * from dla
),

final as (
    select
        unioned.plan_record_key,
        unioned.source,
        unioned.dataset,
        unioned.delivery_id,
        unioned.source_row,
        unioned.received_at,
        unioned.province_code,
        unioned.fiscal_year,
        unioned.title,
        unioned.title_delivered,
        unioned.category,
        dimensions.dimension_code,
        dimensions.dimension_method,
        unioned.implementation,
        unioned.budget_thb,
        unioned.village_code,
        unioned.target_village_codes,
        unioned.match_method,
        unioned.match_confidence,
        unioned.match_candidates,
        unioned.is_in_force,
        unioned.repairs,
        unioned.warnings,
        -- the file's name as delivered (without the landing folder), or the API endpoint's path
        {{ delivered_name('unioned.source_file') }} as source_file,
        coalesce(villages.subdistrict_code, communities.subdistrict_code) as subdistrict_code,
        -- DLA: the LAO that plans it; DOPA and CDD: the municipality or TAO serving the village
        coalesce(unioned.lao_code, local_lao.lao_code) as lao_code,
        -- every reason, in the order the agencies' reports list them
        list_distinct(flatten([
            unioned.record_reasons,
            case when coalesce(unioned.is_village_inconsistent, false) then ['village_inconsistent'] else [] end,
            case
                when not coalesce(unioned.is_village_inconsistent, false) and len(unioned.target_village_codes) = 0
                    then ['village_unresolved']
                else []
            end,
            case when dimensions.dimension_method = 'unknown' then ['unknown_dimension'] else [] end,
            case when unioned.source = 'dla' and unioned.n_budget_years = 0 then ['no_budget_year'] else [] end
        ])) as reasons
    from unioned
    left join dimensions
        on
            unioned.source = dimensions.source
            -- plain equality joins by hash; `is not distinct from` on millions of rows does not
            and coalesce(unioned.category, '∅') = coalesce(dimensions.category, '∅')
            and coalesce(unioned.title, '∅') = coalesce(dimensions.title, '∅')
    left join registry as villages on unioned.village_code = villages.village_code
    left join {{ ref('int_local_laos') }} as local_lao on unioned.village_code = local_lao.unit_key
    left join community_areas as communities
        on unioned.village_code = communities.community_key
)

select * from final
