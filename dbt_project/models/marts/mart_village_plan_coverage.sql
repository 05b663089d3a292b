-- Village × fiscal year: which of the seven development dimensions the village's plans cover (any
-- agency), which they leave out, and the OPS MOI household needs that no plan answers: the MOI
-- circular's complaint that plans "do not cover every dimension of development".
-- Rows: every current village and municipal community, for each fiscal year with a plan item or
-- a needs survey in its province, planned or not (a village with no plan is the finding).
-- Budget: a project counts once (fct_integrated_project.budget_thb, duplicates removed); a project
-- for several villages (a DLA road through หมู่ที่ 1-4) is split evenly over them, so the villages
-- of a subdistrict add up to mart_subdistrict_plan.budget_thb.
{% set need_dimensions = ['hlt', 'soc', 'edu', 'eco', 'gov'] %}

with

villages as (
    select
        village_code,
        kind,
        subdistrict_code,
        district_code,
        province_code
    from {{ ref('dim_village') }}
    where is_current
),

plan_items as (
    select
        plan_item_id,
        source,
        fiscal_year,
        province_code,
        dimension_code,
        integrated_project_id
    from {{ ref('fct_plan_item') }}
),

item_villages as (
    select * from {{ ref('bridge_plan_item_village') }}
),

projects as (
    select
        integrated_project_id,
        fiscal_year,
        budget_thb
    from {{ ref('fct_integrated_project') }}
),

dimensions as (
    select list_sort(list(dimension_code)) as all_dimensions
    from {{ ref('dim_dimension') }}
),

-- only needs that passed every check (a village outside the registry, more households in need
-- than surveyed, are in the quarantine)
needs as (
    select
        village_code,
        survey_year,
        households_surveyed,
        households_in_need,
        lower(dimension_code) as dimension
    from {{ ref('int_household_needs') }}
    where len(reasons) = 0
),

need_years as (
    select distinct
        village_code,
        survey_year
    from needs
),

-- the agencies that planned in each province and year: in a year only DLA's five-year plan
-- covers, missing dimensions partly reflect the deliveries, not the villages
province_plan_sources as (
    select
        province_code,
        fiscal_year,
        list_sort(list_distinct(list(source))) as plan_sources_in_province
    from plan_items
    where province_code is not null
    group by province_code, fiscal_year
),

-- the fiscal years each province has data for: plan items or a needs survey
province_years as (
    select
        province_code,
        fiscal_year
    from province_plan_sources
    union
    select distinct
        left(village_code, 2) as province_code,
        survey_year as fiscal_year
    from need_years
),

village_years as (
    select
        villages.*,
        province_years.fiscal_year,
        coalesce(province_plan_sources.plan_sources_in_province, []) as plan_sources_in_province
    from villages
    inner join province_years on villages.province_code = province_years.province_code
    left join province_plan_sources
        on
            province_years.province_code = province_plan_sources.province_code
            and province_years.fiscal_year = province_plan_sources.fiscal_year
),

village_items as (
    select
        item_villages.village_code,
        plan_items.fiscal_year,
        count(*) as n_plan_items,
        list_sort(list_distinct(list(plan_items.dimension_code))) as dimensions_planned,
        list_sort(list_distinct(list(plan_items.source))) as plan_sources
    from item_villages
    inner join plan_items on item_villages.plan_item_id = plan_items.plan_item_id
    group by item_villages.village_code, plan_items.fiscal_year
),

village_projects as (
    select
        project_villages.village_code,
        projects.fiscal_year,
        count(*) as n_integrated_projects,
        count(*) filter (where project_villages.n_villages > 1) as n_shared_projects,
        sum(projects.budget_thb / project_villages.n_villages) as budget_thb
    from {{ ref('int_integrated_project_villages') }} as project_villages
    inner join projects on project_villages.integrated_project_id = projects.integrated_project_id
    group by project_villages.village_code, projects.fiscal_year
),

-- the latest survey a fiscal year can know of: the newest survey year up to that year
village_survey_years as (
    select
        village_years.village_code,
        village_years.fiscal_year,
        max(need_years.survey_year) as survey_year
    from village_years
    inner join need_years
        on
            village_years.village_code = need_years.village_code
            and village_years.fiscal_year >= need_years.survey_year
    group by village_years.village_code, village_years.fiscal_year
),

village_needs as (
    select
        village_code,
        survey_year,
        -- households surveyed differs a little by dimension: the largest count is the village's
        max(households_surveyed) as households_surveyed,
        {% for dimension in need_dimensions %}
            max(households_in_need) filter (where dimension = '{{ dimension }}') as households_in_need_{{ dimension }}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from needs
    group by village_code, survey_year
),

coverage as (
    select
        village_years.village_code,
        village_years.fiscal_year,
        village_years.kind,
        village_years.subdistrict_code,
        village_years.district_code,
        village_years.province_code,
        village_years.plan_sources_in_province,
        dimensions.all_dimensions,
        village_survey_years.survey_year as need_survey_year,
        village_needs.households_surveyed,
        {% for dimension in need_dimensions %}
            village_needs.households_in_need_{{ dimension }},
        {% endfor %}
        coalesce(village_items.plan_sources, []) as plan_sources,
        coalesce(village_items.dimensions_planned, []) as dimensions_planned,
        coalesce(village_items.n_plan_items, 0) as n_plan_items,
        coalesce(village_projects.n_integrated_projects, 0) as n_integrated_projects,
        coalesce(village_projects.n_shared_projects, 0) as n_shared_projects,
        coalesce(village_projects.budget_thb, 0) as budget_thb
    from village_years
    cross join dimensions
    left join village_items
        on
            village_years.village_code = village_items.village_code
            and village_years.fiscal_year = village_items.fiscal_year
    left join village_projects
        on
            village_years.village_code = village_projects.village_code
            and village_years.fiscal_year = village_projects.fiscal_year
    left join village_survey_years
        on
            village_years.village_code = village_survey_years.village_code
            and village_years.fiscal_year = village_survey_years.fiscal_year
    left join village_needs
        on
            village_survey_years.village_code = village_needs.village_code
            and village_survey_years.survey_year = village_needs.survey_year
),

-- a need is unmet when the survey counts households in need and no plan item has its dimension
flagged as (
    select
        *,
        list_filter(all_dimensions, lambda dimension: not list_contains(dimensions_planned, dimension))
            as dimensions_missing,
        {% for dimension in need_dimensions %}
            coalesce(households_in_need_{{ dimension }}, 0) > 0
            and not list_contains(dimensions_planned, '{{ dimension | upper }}') as unmet_need_{{ dimension }}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from coverage
),

final as (
    select
        village_code,
        kind,
        subdistrict_code,
        district_code,
        province_code,
        plan_sources_in_province,
        plan_sources,
        dimensions_planned,
        dimensions_missing,
        {% for dimension in need_dimensions %}
            unmet_need_{{ dimension }},
        {% endfor %}
        cast(fiscal_year as integer) as fiscal_year,
        cast(len(dimensions_planned) as integer) as n_dimensions_planned,
        cast(n_plan_items as integer) as n_plan_items,
        cast(n_integrated_projects as integer) as n_integrated_projects,
        cast(n_shared_projects as integer) as n_shared_projects,
        cast(budget_thb as decimal(18, 2)) as budget_thb,
        cast(need_survey_year as integer) as need_survey_year,
        cast(households_surveyed as integer) as households_surveyed,
        {% for dimension in need_dimensions %}
            cast(households_in_need_{{ dimension }} as integer) as households_in_need_{{ dimension }},
        {% endfor %}
        cast(
            {% for dimension in need_dimensions %}
                unmet_need_{{ dimension }}::integer{% if not loop.last %} +{% endif %}
            {% endfor %}
            as integer
        ) as n_unmet_needs
    from flagged
)

select
    -- ids
    village_code,
    fiscal_year,
    kind,
    subdistrict_code,
    district_code,
    province_code,
    -- plans
    plan_sources_in_province,
    plan_sources,
    dimensions_planned,
    dimensions_missing,
    n_dimensions_planned,
    n_plan_items,
    n_integrated_projects,
    n_shared_projects,
    budget_thb,
    -- needs (OPS MOI) and the needs no plan answers
    need_survey_year,
    households_surveyed,
    {% for dimension in need_dimensions %}
        households_in_need_{{ dimension }},
    {% endfor %}
    {% for dimension in need_dimensions %}
        unmet_need_{{ dimension }},
    {% endfor %}
    n_unmet_needs
from final
