-- Subdistrict × fiscal year: the tambon-level integrated plan the MOI circular asks for, one plan
-- per tambon built on its village plans. Projects once each (duplicates across agencies removed)
-- and the double count the agencies report, the money by agency and by dimension, the villages
-- with no plan at all and the dimensions no village plan of the tambon covers.
-- Rows: every subdistrict with a current village or community, for each fiscal year with a plan
-- item or a needs survey in its province (the same village-years as mart_village_plan_coverage).
-- A plan item or project reaches a tambon through the villages it targets (bridge_plan_item_village);
-- its budget is split evenly over those villages, as in mart_village_plan_coverage, so a DLA
-- project for villages of two tambons is shared between them and the villages add up to the tambon.
{% set agencies = ['dopa', 'cdd', 'dla'] %}
{% set dimension_codes = ['eco', 'inf', 'hlt', 'edu', 'soc', 'env', 'gov'] %}

with

villages as (
    select
        village_code,
        subdistrict_code,
        district_code,
        province_code
    from {{ ref('dim_village') }}
    where is_current
),

-- the subdistrict of every village a plan names, current or not (a plan may name a village that
-- the registry has since dissolved): its latest version's
village_areas as (
    select
        village_code,
        arg_max(subdistrict_code, valid_from) as subdistrict_code
    from {{ ref('dim_village') }}
    group by village_code
),

plan_items as (
    select
        plan_item_id,
        source,
        fiscal_year,
        province_code,
        dimension_code,
        budget_thb,
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
        dimension_code,
        budget_thb,
        budget_reported_thb,
        is_duplicated
    from {{ ref('fct_integrated_project') }}
),

dimensions as (
    select list_sort(list(dimension_code)) as all_dimensions
    from {{ ref('dim_dimension') }}
),

need_years as (
    select distinct
        village_code,
        survey_year
    from {{ ref('int_household_needs') }}
    where len(reasons) = 0
),

province_years as (
    select distinct
        province_code,
        fiscal_year
    from plan_items
    where province_code is not null
    union
    select distinct
        left(village_code, 2) as province_code,
        survey_year as fiscal_year
    from need_years
),

village_years as (
    select
        villages.village_code,
        villages.subdistrict_code,
        villages.district_code,
        villages.province_code,
        province_years.fiscal_year
    from villages
    inner join province_years on villages.province_code = province_years.province_code
),

subdistrict_years as (
    select
        subdistrict_code,
        fiscal_year,
        any_value(district_code) as district_code,
        any_value(province_code) as province_code,
        count(*) as n_villages
    from village_years
    group by subdistrict_code, fiscal_year
),

-- each plan item's share in each tambon: the fraction of its villages that lie there
item_sizes as (
    select
        plan_item_id,
        count(*) as n_villages
    from item_villages
    group by plan_item_id
),

item_subdistricts as (
    select
        item_villages.plan_item_id,
        village_areas.subdistrict_code,
        count(*) / any_value(item_sizes.n_villages) as village_share
    from item_villages
    inner join village_areas on item_villages.village_code = village_areas.village_code
    inner join item_sizes on item_villages.plan_item_id = item_sizes.plan_item_id
    group by item_villages.plan_item_id, village_areas.subdistrict_code
),

-- each project's share in each tambon, over the villages of all its plan items
project_subdistricts as (
    select
        project_villages.integrated_project_id,
        village_areas.subdistrict_code,
        count(*) / any_value(project_villages.n_villages) as village_share
    from {{ ref('int_integrated_project_villages') }} as project_villages
    inner join village_areas on project_villages.village_code = village_areas.village_code
    group by project_villages.integrated_project_id, village_areas.subdistrict_code
),

-- each plan item's and project's budget in the tambon: its share of the villages times its budget
item_shares as (
    select
        item_subdistricts.subdistrict_code,
        plan_items.fiscal_year,
        plan_items.source,
        plan_items.dimension_code,
        plan_items.budget_thb * item_subdistricts.village_share as budget_share_thb
    from item_subdistricts
    inner join plan_items on item_subdistricts.plan_item_id = plan_items.plan_item_id
),

project_shares as (
    select
        project_subdistricts.subdistrict_code,
        projects.fiscal_year,
        projects.dimension_code,
        projects.is_duplicated,
        projects.budget_thb * project_subdistricts.village_share as budget_share_thb,
        projects.budget_reported_thb * project_subdistricts.village_share as budget_reported_share_thb
    from project_subdistricts
    inner join projects on project_subdistricts.integrated_project_id = projects.integrated_project_id
),

subdistrict_items as (
    select
        subdistrict_code,
        fiscal_year,
        count(*) as n_plan_items,
        list_sort(list_distinct(list(dimension_code))) as dimensions_planned,
        {% for agency in agencies %}
            sum(budget_share_thb) filter (where source = '{{ agency }}') as budget_{{ agency }}_thb
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from item_shares
    group by subdistrict_code, fiscal_year
),

subdistrict_projects as (
    select
        subdistrict_code,
        fiscal_year,
        count(*) as n_integrated_projects,
        count(*) filter (where is_duplicated) as n_duplicated_projects,
        sum(budget_share_thb) as budget_thb,
        sum(budget_reported_share_thb) as budget_reported_thb,
        {% for code in dimension_codes %}
            sum(budget_share_thb) filter (where dimension_code = '{{ code | upper }}') as budget_{{ code }}_thb,
        {% endfor %}
        -- a project no rule could put in a dimension (dimension_method unclassified)
        sum(budget_share_thb) filter (where dimension_code is null) as budget_unclassified_thb
    from project_shares
    group by subdistrict_code, fiscal_year
),

planned_village_years as (
    select distinct
        item_villages.village_code,
        plan_items.fiscal_year
    from item_villages
    inner join plan_items on item_villages.plan_item_id = plan_items.plan_item_id
),

-- current villages and communities that no plan item of any agency targets that year
villages_without_plan as (
    select
        village_years.subdistrict_code,
        village_years.fiscal_year,
        list_sort(list(village_years.village_code)) as village_codes
    from village_years
    anti join planned_village_years
        on
            village_years.village_code = planned_village_years.village_code
            and village_years.fiscal_year = planned_village_years.fiscal_year
    group by village_years.subdistrict_code, village_years.fiscal_year
),

tambon_plans as (
    select
        subdistrict_years.subdistrict_code,
        subdistrict_years.fiscal_year,
        subdistrict_years.district_code,
        subdistrict_years.province_code,
        subdistrict_years.n_villages,
        dimensions.all_dimensions,
        coalesce(villages_without_plan.village_codes, []) as villages_without_plan,
        coalesce(subdistrict_items.dimensions_planned, []) as dimensions_planned,
        coalesce(subdistrict_items.n_plan_items, 0) as n_plan_items,
        coalesce(subdistrict_projects.n_integrated_projects, 0) as n_integrated_projects,
        coalesce(subdistrict_projects.n_duplicated_projects, 0) as n_duplicated_projects,
        coalesce(subdistrict_projects.budget_thb, 0) as budget_thb,
        coalesce(subdistrict_projects.budget_reported_thb, 0) as budget_reported_thb,
        {% for agency in agencies %}
            coalesce(subdistrict_items.budget_{{ agency }}_thb, 0) as budget_{{ agency }}_thb,
        {% endfor %}
        {% for dimension in dimension_codes %}
            coalesce(subdistrict_projects.budget_{{ dimension }}_thb, 0) as budget_{{ dimension }}_thb,
        {% endfor %}
        coalesce(subdistrict_projects.budget_unclassified_thb, 0) as budget_unclassified_thb
    from subdistrict_years
    cross join dimensions
    left join subdistrict_items
        on
            subdistrict_years.subdistrict_code = subdistrict_items.subdistrict_code
            and subdistrict_years.fiscal_year = subdistrict_items.fiscal_year
    left join subdistrict_projects
        on
            subdistrict_years.subdistrict_code = subdistrict_projects.subdistrict_code
            and subdistrict_years.fiscal_year = subdistrict_projects.fiscal_year
    left join villages_without_plan
        on
            subdistrict_years.subdistrict_code = villages_without_plan.subdistrict_code
            and subdistrict_years.fiscal_year = villages_without_plan.fiscal_year
),

final as (
    select
        subdistrict_code,
        district_code,
        province_code,
        villages_without_plan,
        dimensions_planned,
        cast(fiscal_year as integer) as fiscal_year,
        cast(n_villages as integer) as n_villages,
        cast(len(villages_without_plan) as integer) as n_villages_without_plan,
        list_filter(all_dimensions, lambda dimension: not list_contains(dimensions_planned, dimension))
            as dimensions_missing,
        cast(n_plan_items as integer) as n_plan_items,
        cast(n_integrated_projects as integer) as n_integrated_projects,
        cast(n_duplicated_projects as integer) as n_duplicated_projects,
        cast(budget_thb as decimal(18, 2)) as budget_thb,
        cast(budget_reported_thb as decimal(18, 2)) as budget_reported_thb,
        {% for agency in agencies %}
            cast(budget_{{ agency }}_thb as decimal(18, 2)) as budget_{{ agency }}_thb,
        {% endfor %}
        {% for dimension in dimension_codes %}
            cast(budget_{{ dimension }}_thb as decimal(18, 2)) as budget_{{ dimension }}_thb,
        {% endfor %}
        cast(budget_unclassified_thb as decimal(18, 2)) as budget_unclassified_thb
    from tambon_plans
)

select
    -- ids
    subdistrict_code,
    fiscal_year,
    district_code,
    province_code,
    -- villages
    n_villages,
    n_villages_without_plan,
    villages_without_plan,
    -- dimensions
    dimensions_planned,
    dimensions_missing,
    -- projects
    n_plan_items,
    n_integrated_projects,
    n_duplicated_projects,
    -- money: the best single estimate per project, and what the agencies add up to
    budget_thb,
    budget_reported_thb,
    {% for agency in agencies %}
        budget_{{ agency }}_thb,
    {% endfor %}
    {% for dimension in dimension_codes %}
        budget_{{ dimension }}_thb,
    {% endfor %}
    budget_unclassified_thb
from final
