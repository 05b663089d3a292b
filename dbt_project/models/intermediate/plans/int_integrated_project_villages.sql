-- The villages of each integrated project (those of all its plan items) and how many it has: a
-- project touching several villages counts in each, its budget split evenly over them. Both the
-- village and the tambon marts attribute budgets from here, so their sums agree.
with

project_villages as (
    select distinct
        items.integrated_project_id,
        bridge.village_code
    from {{ ref('bridge_plan_item_village') }} as bridge
    inner join {{ ref('fct_plan_item') }} as items on bridge.plan_item_id = items.plan_item_id
)

select
    integrated_project_id,
    village_code,
    count(*) over (partition by integrated_project_id) as n_villages
from project_villages
