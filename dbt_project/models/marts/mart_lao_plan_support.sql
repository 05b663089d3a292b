-- LAO × fiscal year: does the LAO budget the community-plan process itself? The 2010 MOI circular
-- (shared/seed) asks every municipality and TAO to set a budget every year for making and reviewing
-- the village and community plans (ประชาคม, จัดทำ/ทบทวน แผนชุมชน); a provincial อบจ. is named in
-- the registry but not asked, so it is listed with is_expected = false.
-- Rows: every LAO of dim_lao, for each fiscal year its province's DLA plans (ผ.02, the five-year
-- period 2566-2570) budget; an LAO whose plan has nothing that year gets a row of zeros.
-- A planning-process project is a DLA project of the LAO whose title, once the planning_process_keywords
-- `exclude` phrases (ศาลาประชาคม: a hall) are taken out, still holds an `include` keyword.
with

laos as (
    select
        lao_code,
        lao_type,
        province_code
    from {{ ref('dim_lao') }}
),

dla_items as (
    select
        plan_item_id,
        lao_code,
        province_code,
        fiscal_year,
        title,
        budget_thb
    from {{ ref('fct_plan_item') }}
    where source = 'dla'
),

keywords as (
    select
        kind,
        regexp_replace(keyword, '\s', '', 'g') as keyword
    from {{ ref('planning_process_keywords') }}
),

item_villages as (
    select * from {{ ref('bridge_plan_item_village') }}
),

served_villages as (
    select
        lao_code,
        village_code
    from {{ ref('bridge_lao_village') }}
),

-- every exclude phrase (literal text, taken out with replace: a regex pattern that is not a
-- constant would be compiled again for every title)
exclusions as (
    select coalesce(list(keyword order by keyword), []) as phrases
    from keywords
    where kind = 'exclude'
),

-- titles without white space
item_titles as (
    select
        plan_item_id,
        regexp_replace(coalesce(title, ''), '\s', '', 'g') as title_key
    from dla_items
),

-- the few titles that hold an include keyword: only they need the excluded phrases taken out
candidate_titles as (
    select distinct
        item_titles.plan_item_id,
        item_titles.title_key
    from item_titles
    inner join keywords on keywords.kind = 'include' and contains(item_titles.title_key, keywords.keyword)
),

candidates_without_exclusions as (
    select
        candidate_titles.plan_item_id,
        -- sqlfluff does not parse DuckDB's lambda: replace every phrase in turn
        list_reduce(exclusions.phrases, lambda title, phrase: replace(title, phrase, ''), candidate_titles.title_key) as title_key  -- noqa: PRS, RF02, LT05
    from candidate_titles
    cross join exclusions
),

planning_items as (
    select distinct candidates_without_exclusions.plan_item_id
    from candidates_without_exclusions
    inner join keywords
        on keywords.kind = 'include' and contains(candidates_without_exclusions.title_key, keywords.keyword)
),

-- the years of the DLA plan period that the province's plans budget
plan_years as (
    select distinct
        province_code,
        fiscal_year
    from dla_items
),

lao_years as (
    select
        laos.lao_code,
        laos.lao_type,
        laos.province_code,
        plan_years.fiscal_year
    from laos
    inner join plan_years on laos.province_code = plan_years.province_code
),

lao_items as (
    select
        dla_items.lao_code,
        dla_items.fiscal_year,
        count(*) as n_projects,
        sum(dla_items.budget_thb) as budget_thb,
        count(planning_items.plan_item_id) as n_planning_process_projects,
        sum(dla_items.budget_thb) filter (where planning_items.plan_item_id is not null)
            as planning_process_budget_thb,
        list_sort(list_distinct(list(dla_items.title) filter (where planning_items.plan_item_id is not null)))
            as planning_process_titles
    from dla_items
    left join planning_items on dla_items.plan_item_id = planning_items.plan_item_id
    group by dla_items.lao_code, dla_items.fiscal_year
),

lao_served as (
    select
        lao_code,
        count(*) as n_villages_served
    from served_villages
    group by lao_code
),

-- the LAO's villages that a planning-process project of that year targets (ทุกหมู่บ้าน: all)
lao_covered as (
    select
        dla_items.lao_code,
        dla_items.fiscal_year,
        count(distinct item_villages.village_code) as n_villages_covered
    from dla_items
    inner join planning_items on dla_items.plan_item_id = planning_items.plan_item_id
    inner join item_villages on dla_items.plan_item_id = item_villages.plan_item_id
    inner join served_villages
        on dla_items.lao_code = served_villages.lao_code and item_villages.village_code = served_villages.village_code
    group by dla_items.lao_code, dla_items.fiscal_year
),

lao_plans as (
    select
        lao_years.lao_code,
        lao_years.fiscal_year,
        lao_years.lao_type,
        lao_years.province_code,
        -- municipalities and TAOs; the provincial อบจ. is not asked by the circular
        lao_years.lao_type != 'อบจ.' as is_expected,
        coalesce(lao_items.n_projects, 0) as n_projects,
        coalesce(lao_items.budget_thb, 0) as budget_thb,
        coalesce(lao_items.n_planning_process_projects, 0) as n_planning_process_projects,
        coalesce(lao_items.planning_process_budget_thb, 0) as planning_process_budget_thb,
        coalesce(lao_items.planning_process_titles, []) as planning_process_titles,
        coalesce(lao_served.n_villages_served, 0) as n_villages_served,
        coalesce(lao_covered.n_villages_covered, 0) as n_villages_covered
    from lao_years
    left join lao_items
        on lao_years.lao_code = lao_items.lao_code and lao_years.fiscal_year = lao_items.fiscal_year
    left join lao_served on lao_years.lao_code = lao_served.lao_code
    left join lao_covered
        on lao_years.lao_code = lao_covered.lao_code and lao_years.fiscal_year = lao_covered.fiscal_year
),

final as (
    select
        lao_code,
        lao_type,
        province_code,
        is_expected,
        planning_process_titles,
        cast(fiscal_year as integer) as fiscal_year,
        cast(n_projects as integer) as n_projects,
        cast(budget_thb as decimal(18, 2)) as budget_thb,
        cast(n_planning_process_projects as integer) as n_planning_process_projects,
        cast(planning_process_budget_thb as decimal(18, 2)) as planning_process_budget_thb,
        cast(n_villages_served as integer) as n_villages_served,
        cast(n_villages_covered as integer) as n_villages_covered,
        cast(
            case when budget_thb > 0 then planning_process_budget_thb / budget_thb end as decimal(7, 6)
        ) as planning_process_budget_share,
        cast(
            case when n_villages_served > 0 then n_villages_covered / n_villages_served end as decimal(5, 4)
        ) as share_villages_covered,
        planning_process_budget_thb > 0 as budgets_planning_process
    from lao_plans
)

select
    -- ids
    lao_code,
    fiscal_year,
    lao_type,
    province_code,
    is_expected,
    -- the LAO's whole plan that year
    n_projects,
    budget_thb,
    -- the planning process
    budgets_planning_process,
    n_planning_process_projects,
    planning_process_budget_thb,
    planning_process_budget_share,
    planning_process_titles,
    -- the villages it reaches
    n_villages_served,
    n_villages_covered,
    share_villages_covered
from final
