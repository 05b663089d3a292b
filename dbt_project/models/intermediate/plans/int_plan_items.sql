-- The plan items to publish: one per plan record in force with no quarantine reason and fiscal
-- year (a DOPA or CDD record plans one year; a DLA project gives one item per year it budgets).
-- A DLA project aimed at several villages keeps one item per year; its villages are listed in
-- target_village_codes (bridge_plan_item_village).
with

records as (
    select * from {{ ref('int_plan_records') }}
    where is_in_force and len(reasons) = 0
),

dla_years as (
    select
        delivery_id,
        source_row,
        fiscal_year,
        budget_thb
    from {{ ref('stg_dla__plan_project_years') }}
),

items as (
    select
        records.* exclude (fiscal_year, budget_thb, reasons, is_in_force, match_candidates),  -- noqa: RF02
        coalesce(dla_years.fiscal_year, records.fiscal_year) as fiscal_year,
        coalesce(dla_years.budget_thb, records.budget_thb) as budget_thb
    from records
    left join dla_years
        on
            records.source = 'dla'
            and records.delivery_id = dla_years.delivery_id
            and records.source_row = dla_years.source_row
),

final as (
    select
        items.*,
        -- stable across reruns: the delivered record and the year it plans
        items.source || '-' || left(md5(items.plan_record_key || '|' || items.fiscal_year), 16) as plan_item_id
    from items
)

select * from final  -- noqa: AM04
