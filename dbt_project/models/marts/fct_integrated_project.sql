-- One row per real-world project after cross-agency reconciliation (warehouse.md): the plan items
-- that int_plan_items__clustered found to be the same project, from one, two or three agencies.
-- budget_reported_thb adds up what every agency planned (the double count the MOI circular
-- complains about); budget_thb is one best estimate of what the project costs:
--   the DLA amount when DLA plans it with one (the LAO's ผ.02 is the budget that is appropriated
--   and spent), else the median of the other agencies' amounts (a dash or zero is no estimate),
--   else the amount as delivered (zero or null).
-- The title and dimension are those of the DLA item, else the DOPA item, else the CDD item.
with

clustered as (
    select
        integrated_project_id,
        plan_item_id,
        source,
        fiscal_year,
        village_code,
        subdistrict_code,
        cluster_rule,
        cluster_score
    from {{ ref('int_plan_items__clustered') }}
),

items as (
    select
        plan_item_id,
        title,
        dimension_code,
        budget_thb
    from {{ ref('int_plan_items') }}
),

members as (
    select
        clustered.*,
        items.title,
        items.dimension_code,
        items.budget_thb,
        -- whose wording and dimension stand for the project: DLA's formal plan (ผ.02), then the
        -- village committee's (DOPA), then the community plan (CDD)
        case clustered.source when 'dla' then 1 when 'dopa' then 2 else 3 end as source_rank
    from clustered
    inner join items on clustered.plan_item_id = items.plan_item_id
),

-- most projects are planned by one agency: their one item is the project, no aggregation needed
single_item_projects as (
    select
        integrated_project_id,
        village_code,
        subdistrict_code,
        title,
        dimension_code,
        budget_thb,
        cluster_rule,
        budget_thb as budget_reported_thb,
        cluster_score as min_cluster_score,
        1 as n_plan_items,
        1 as n_fiscal_years,
        cast(fiscal_year as integer) as fiscal_year,
        [source] as sources,
        case when village_code is null then 0 else 1 end as n_villages
    from members
    where cluster_rule = 'singleton'
),

-- the others hold two or three items, at most one per agency
merged_projects as (
    select
        integrated_project_id,
        -- a project never spans years or villages (n_fiscal_years and n_villages are tested), so
        -- min() only picks the one value
        cast(min(fiscal_year) as integer) as fiscal_year,
        min(village_code) as village_code,
        min(subdistrict_code) as subdistrict_code,
        arg_min(title, source_rank) filter (where title is not null) as title,
        arg_min(dimension_code, source_rank) filter (where dimension_code is not null) as dimension_code,
        list_filter(
            [
                case when bool_or(source = 'cdd') then 'cdd' end,
                case when bool_or(source = 'dla') then 'dla' end,
                case when bool_or(source = 'dopa') then 'dopa' end
            ],
            lambda agency: agency is not null
        ) as sources,
        count(*) as n_plan_items,
        coalesce(
            max(budget_thb) filter (where source = 'dla' and budget_thb > 0),
            -- the median of two or three amounts: their mean, or the sum less the extremes
            case count(budget_thb) filter (where budget_thb > 0)
                when 1 then max(budget_thb) filter (where budget_thb > 0)
                when 2 then avg(budget_thb) filter (where budget_thb > 0)
                when 3 then sum(budget_thb) - min(budget_thb) - max(budget_thb)
            end,
            max(budget_thb)
        ) as budget_thb,
        sum(budget_thb) as budget_reported_thb,
        -- the weakest evidence that holds the project together
        case when bool_or(cluster_rule = 'title_budget') then 'title_budget' else 'title' end as cluster_rule,
        min(cluster_score) as min_cluster_score,
        -- consistency counts, tested: villages named (0 for a multi-village project) and fiscal
        -- years, counted up to two
        case
            when min(village_code) is null then 0
            when min(village_code) = max(village_code) and count(village_code) = count(*) then 1
            else 2
        end as n_villages,
        case when min(fiscal_year) = max(fiscal_year) then 1 else 2 end as n_fiscal_years
    from members
    where cluster_rule != 'singleton'
    group by integrated_project_id
),

projects as (
    select * from single_item_projects
    union all by name
    select * from merged_projects
),

final as (
    select
        integrated_project_id,
        fiscal_year,
        village_code,
        subdistrict_code,
        title,
        dimension_code,
        sources,
        cluster_rule,
        cast(n_plan_items as integer) as n_plan_items,
        cast(budget_thb as decimal(18, 2)) as budget_thb,
        cast(budget_reported_thb as decimal(18, 2)) as budget_reported_thb,
        cast(min_cluster_score as decimal(5, 4)) as min_cluster_score,
        cast(n_villages as integer) as n_villages,
        cast(n_fiscal_years as integer) as n_fiscal_years,
        n_plan_items > 1 as is_duplicated
    from projects
)

select * from final
