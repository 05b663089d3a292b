-- The DOPA village registry, one row per village per snapshot, typed and normalised.
-- Personal data (headman name and phone) stays in the raw layer: it is not selected here.
with

source as (
    select * from {{ source('dopa', 'villages') }}
),

deliveries as (
    select
        delivery_id,
        snapshot_date,
        received_at
    from {{ source('raw', 'deliveries') }}
    where status = 'ingested'
),

typed as (
    select
        -- lineage
        source._delivery_id as delivery_id,
        source._source_file as source_file,
        cast(source._source_row as integer) as source_row,
        deliveries.received_at,
        -- the snapshot the file name announces (yyyymmdd, BE)
        try_cast(make_date(
            cast(left(deliveries.snapshot_date, 4) as integer) - 543,
            cast(substr(deliveries.snapshot_date, 5, 2) as integer),
            cast(right(deliveries.snapshot_date, 2) as integer)
        ) as date) as snapshot_on,
        -- identity
        regexp_replace(trim({{ arabic_digits('source.village_code') }}), '\.0+$', '') as village_code,
        try_cast(trim({{ arabic_digits('source.moo') }}) as integer) as moo,
        regexp_replace(trim({{ arabic_digits('source.subdistrict_code') }}), '\.0+$', '') as subdistrict_code,
        -- names: as delivered, and normalised without their prefixes
        source.village_name as village_name_delivered,
        {{ normalised('source.village_name') }} as village_name,
        {{ strip_prefix(normalised('source.subdistrict_name'), ['ตำบล', 'ต\\.']) }} as subdistrict_name,
        {{ strip_prefix(normalised('source.district_name'), ['อำเภอ', 'อ\\.']) }} as district_name,
        {{ strip_prefix(normalised('source.province_name'), ['จังหวัด', 'จ\\.']) }} as province_name,
        -- status
        trim(source.status) as status_th,
        case trim(source.status)
            when 'ปกติ' then 'active'
            when 'ตั้งใหม่' then 'new'
            when 'ยกเลิก' then 'dissolved'
        end as status,
        {{ be_date('source.effective_date') }} as effective_on,
        source._problem as problem
    from source
    inner join deliveries on source._delivery_id = deliveries.delivery_id
)

select * from typed
