-- What the target (เป้าหมาย) of every DLA plan record names: all the LAO's villages, one or several
-- village numbers (หมู่ที่), or a community or village by name. One row per record. The numbers
-- are not resolved to village codes here (that needs the LAO's subdistricts: intermediate).
with

projects as (
    select
        delivery_id,
        source_row,
        lao_code,
        project_id,
        is_latest_edition,
        target_delivered,
        target
    from {{ ref('stg_dla__plan_projects') }}
),

cleaned as (
    select
        delivery_id,
        source_row,
        lao_code,
        project_id,
        is_latest_edition,
        target_delivered,
        target,
        {{ dla_target_text('target') }} as target_text
    from projects
),

listed as (
    select
        *,
        {{ dla_target_moo_text('target_text') }} as target_moo_text
    from cleaned
),

expanded as (
    select
        *,
        {{ moo_numbers('target_moo_text') }} as target_moos
    from listed
),

classified as (
    select
        *,
        {{ dla_target_kind('target_text', 'target_moo_text', 'target_moos') }} as target_kind
    from expanded
),

parsed as (
    select
        -- lineage
        delivery_id,
        source_row,
        -- ids
        lao_code,
        project_id,
        is_latest_edition,
        -- the target as delivered, normalised, and what it names
        target_delivered,
        target,
        target_kind,
        target_moos,
        {{ dla_target_name('target_text', 'target_kind') }} as target_name
    from classified
)

select * from parsed
