-- The DLA registry of local administrative organisations: one row per LAO and subdistrict it
-- serves, taken from the latest ingested snapshot that lists the pair (latest by the snapshot date
-- the file name announces, then by when it was received). Codes as text, the LAO type in Thai and
-- English, the village numbers it serves as an integer list.
with

source as (
    select * from {{ source('dla', 'laos') }}
),

deliveries as (
    select
        delivery_id,
        snapshot_date,
        received_at
    from {{ source('raw', 'deliveries') }}
    where status = 'ingested' and dataset = 'dla/laos'
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
        -- ids
        {{ code_text('source.lao_code') }} as lao_code,
        {{ code_text('source.subdistrict_code') }} as subdistrict_code,
        -- attributes
        {{ normalised('source.lao_name') }} as lao_name,
        source.lao_type as lao_type_delivered,
        {{ dla_lao_type_en(normalised('source.lao_type')) }} as lao_type_en,
        source.moo_served as moo_served_delivered,
        {{ normalised('source.moo_served') }} as moo_served_text,
        -- repairs
        {{ code_was_float('source.lao_code') }} or {{ code_was_float('source.subdistrict_code') }} as code_was_float,
        {{ has_thai_digits('source.lao_code') }}
        or {{ has_thai_digits('source.subdistrict_code') }}
        or {{ has_thai_digits('source.moo_served') }} as had_thai_digits
    from source
    inner join deliveries on source._delivery_id = deliveries.delivery_id
),

parsed as (
    select
        delivery_id,
        source_file,
        source_row,
        received_at,
        snapshot_on,
        lao_code,
        subdistrict_code,
        lao_name,
        {{ dla_lao_type_th('lao_type_en') }} as lao_type,
        lao_type_en,
        lao_type_delivered,
        moo_served_delivered,
        -- ทั้งตำบล: every village of the subdistrict; otherwise a list such as 1-5,7 or ๑,๒,๓
        coalesce(regexp_matches(moo_served_text, '^(?:ทั้งตำบล|ทุกหมู่)'), false) as serves_whole_subdistrict,
        case
            when not coalesce(regexp_matches(moo_served_text, '^(?:ทั้งตำบล|ทุกหมู่)'), false)
                then {{ moo_numbers("regexp_replace(moo_served_text, '^" ~ dla_moo_prefix() ~ "\\s*', '')") }}
        end as moo_served,
        list_filter(
            [
                case when had_thai_digits then 'thai_digits' end,
                case when code_was_float then 'code_as_float' end
            ],
            lambda repair: repair is not null
        ) as repairs
    from typed
),

latest as (
    select
        -- lineage
        delivery_id,
        source_file,
        source_row,
        received_at,
        snapshot_on,
        -- ids
        lao_code,
        subdistrict_code,
        -- attributes
        lao_name,
        lao_type,
        lao_type_en,
        lao_type_delivered,
        moo_served_delivered,
        serves_whole_subdistrict,
        moo_served,
        repairs,
        -- whether the pair is still in the latest snapshot (a full snapshot: a pair missing
        -- from it is one the LAO no longer serves)
        coalesce(snapshot_on = max(snapshot_on) over (), false) as is_in_latest_snapshot
    from parsed
    qualify row_number() over (
        partition by lao_code, subdistrict_code
        order by snapshot_on desc nulls last, received_at desc, delivery_id desc, source_row asc
    ) = 1
)

select * from latest
