-- One row per published plan record and fiscal year (warehouse.md): a DLA project with five
-- yearly budgets gives five rows; one that targets several villages keeps one row (village_code
-- null) and lists them in bridge_plan_item_village. Each row traces back to its delivered row.
with

items as (
    select * from {{ ref('int_plan_items') }}
),

clustered as (
    select * from {{ ref('int_plan_items__clustered') }}
)

select
    items.plan_item_id,
    items.source,
    items.dataset,
    items.delivery_id,
    items.source_file,
    items.source_row,
    items.fiscal_year,
    items.village_code,
    items.subdistrict_code,
    items.province_code,
    items.lao_code,
    items.title,
    items.title_delivered,
    items.category as source_category,
    items.dimension_code,
    items.dimension_method,
    items.implementation,
    items.budget_thb,
    items.match_method,
    items.match_confidence,
    clustered.integrated_project_id,
    items.repairs,
    items.warnings,
    len(items.target_village_codes) as n_target_villages
from items
left join clustered on items.plan_item_id = clustered.plan_item_id
