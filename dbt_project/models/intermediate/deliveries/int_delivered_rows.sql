-- What became of every delivered row, whatever its dataset: published, quarantined (with its
-- reasons) or superseded (its delivery was replaced by a later one of the same file, or a DLA
-- project by a later edition). The row-conservation check and the delivery report count these.
with

plan_records as (
    select
        delivery_id,
        source_row,
        case
            when not is_in_force then 'superseded'
            when len(reasons) > 0 then 'quarantined'
            else 'published'
        end as outcome,
        reasons,
        -- a village was looked for and found (DOPA, CDD and DLA records all name one)
        len(target_village_codes) > 0 as is_village_resolved,
        true as needs_village
    from {{ ref('int_plan_records') }}
),

needs as (
    select
        staged.delivery_id,
        staged.source_row,
        case
            when not staged.is_latest_pull then 'superseded'
            when len(coalesce(int_household_needs.reasons, [])) > 0 then 'quarantined'
            else 'published'
        end as outcome,
        coalesce(int_household_needs.reasons, []) as reasons,
        int_household_needs.subdistrict_code is not null as is_village_resolved,
        true as needs_village
    from {{ ref('stg_opsmoi__household_needs') }} as staged
    left join {{ ref('int_household_needs') }} as int_household_needs
        on staged.delivery_id = int_household_needs.delivery_id and staged.source_row = int_household_needs.source_row
),

certifications as (
    select
        delivery_id,
        source_row,
        case
            when not is_in_force then 'superseded'
            when len(reasons) > 0 then 'quarantined'
            else 'published'
        end as outcome,
        reasons,
        village_code is not null as is_village_resolved,
        true as needs_village
    from {{ ref('int_certifications') }}
),

-- registry snapshots all stay (they are the village dimension's history); the LAO registry's
-- earlier snapshots are kept in staging but only the latest is published
villages as (
    select
        delivery_id,
        cast(source_row as varchar) as source_row,
        case when problem is null then 'published' else 'quarantined' end as outcome,
        case when problem is null then [] else ['malformed_row'] end as reasons,
        cast(null as boolean) as is_village_resolved,
        false as needs_village
    from {{ ref('stg_dopa__villages') }}
),

laos as (
    select
        delivery_id,
        cast(source_row as varchar) as source_row,
        case when is_in_latest_snapshot then 'published' else 'superseded' end as outcome,
        cast([] as varchar[]) as reasons,
        cast(null as boolean) as is_village_resolved,
        false as needs_village
    from {{ ref('stg_dla__laos') }}
)

select * from plan_records
union all
select * from needs
union all
select * from certifications
union all
select * from villages
union all
select * from laos
