-- Every village (or municipal community) a plan item targets: the one village of a DOPA or CDD
-- item, and each village a DLA project names (หมู่ที่ 1-4,7, ทุกหมู่บ้าน, a named village).
select distinct
    items.plan_item_id,
    unnest(items.target_village_codes) as village_code
from {{ ref('int_plan_items') }} as items
