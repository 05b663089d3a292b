-- The village registry's history: one row per village version, from successive snapshots.
-- A new version starts when a village first appears, is renamed, or is dissolved (or comes
-- back); it is valid until the next version begins. Only the latest snapshot's villages that
-- are not dissolved are current.
with

snapshots as (
    select * from {{ ref('stg_dopa__villages') }}
),

-- the latest delivery of each snapshot date wins (a re-delivered snapshot replaces it)
latest_delivery as (
    select
        snapshot_on,
        max(received_at) as received_at
    from snapshots
    group by snapshot_on
),

rows_in_force as (
    select snapshots.*
    from snapshots
    inner join latest_delivery
        on
            snapshots.snapshot_on = latest_delivery.snapshot_on
            and snapshots.received_at = latest_delivery.received_at
    where snapshots.problem is null and snapshots.village_code is not null
),

-- one row per village and snapshot (a snapshot listing a code twice keeps its first line)
per_snapshot as (
    select *
    from rows_in_force
    qualify row_number() over (partition by village_code, snapshot_on order by source_row) = 1
),

changes as (
    select
        *,
        lag(village_name) over (partition by village_code order by snapshot_on) as previous_name,
        lag(status) over (partition by village_code order by snapshot_on) as previous_status
    from per_snapshot
),

version_starts as (
    select
        *,
        previous_name is not null and previous_name != village_name as is_rename
    from changes
    where
        previous_name is null
        or previous_name != village_name
        or (previous_status = 'dissolved') != (status = 'dissolved')
),

ordered_versions as (
    select
        *,
        -- a version holds from the date its status or name took effect, when the registry
        -- gives one no later than the snapshot, else from the snapshot that first shows it
        case when effective_on <= snapshot_on then effective_on else snapshot_on end as valid_from,
        lead(snapshot_on) over (partition by village_code order by snapshot_on) as next_version_seen_on
    from version_starts
),

versioned as (
    select
        -- ids
        ordered_versions.village_code,
        ordered_versions.moo,
        ordered_versions.subdistrict_code,
        -- attributes
        ordered_versions.village_name as name_th,
        ordered_versions.village_name_delivered,
        ordered_versions.status,
        ordered_versions.is_rename,
        ordered_versions.valid_from,
        ordered_versions.snapshot_on as first_seen_on,
        ordered_versions.next_version_seen_on,
        left(ordered_versions.subdistrict_code, 4) as district_code,
        left(ordered_versions.subdistrict_code, 2) as province_code,
        max(per_snapshot.snapshot_on) as last_seen_on
    from ordered_versions
    inner join per_snapshot
        on
            ordered_versions.village_code = per_snapshot.village_code
            and ordered_versions.snapshot_on <= per_snapshot.snapshot_on
            and (
                ordered_versions.next_version_seen_on is null
                or ordered_versions.next_version_seen_on > per_snapshot.snapshot_on
            )
    group by all
),

latest_snapshot as (
    select max(snapshot_on) as snapshot_on from per_snapshot
)

select
    versioned.village_code,
    versioned.moo,
    versioned.subdistrict_code,
    versioned.district_code,
    versioned.province_code,
    versioned.name_th,
    versioned.village_name_delivered,
    versioned.status,
    versioned.is_rename,
    versioned.valid_from,
    versioned.first_seen_on,
    versioned.last_seen_on,
    -- a version ends where the next begins; the last one is current if the latest snapshot lists it
    lead(versioned.valid_from) over (partition by versioned.village_code order by versioned.first_seen_on) as valid_to,
    versioned.next_version_seen_on is null
    and versioned.last_seen_on = latest_snapshot.snapshot_on
    and versioned.status != 'dissolved' as is_current
from versioned
cross join latest_snapshot
