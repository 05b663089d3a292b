-- OPS MOI household needs by village and need dimension, one row per CKAN record per pull.
-- Every pull is a full snapshot: only the rows of the latest ingested pull are current
-- (`is_latest_pull`); earlier pulls stay for history.
with

source as (
    select * from {{ source('opsmoi', 'household_needs') }}
),

deliveries as (
    select
        delivery_id,
        received_at
    from {{ source('raw', 'deliveries') }}
    where status = 'ingested' and dataset = 'opsmoi/household_needs'
),

latest_pull as (
    select delivery_id
    from deliveries
    qualify row_number() over (order by received_at desc, delivery_id desc) = 1
),

typed as (
    select
        -- lineage
        source._delivery_id as delivery_id,
        source._source_file as source_file,
        source._source_row as source_row,
        deliveries.received_at,
        latest_pull.delivery_id is not null as is_latest_pull,
        -- ids
        {{ code_text('source.village_code') }} as village_code,
        source.survey_year as survey_year_delivered,
        {{ be_year('source.survey_year') }} as survey_year,
        -- attributes
        source.dimension as dimension_delivered,
        {{ normalised('source.dimension') }} as dimension,
        -- measures
        source.households_surveyed as households_surveyed_delivered,
        source.households_in_need as households_in_need_delivered,
        {{ household_count('source.households_surveyed') }} as households_surveyed,
        {{ household_count('source.households_in_need') }} as households_in_need,
        -- what was wrong with the record as delivered
        source._problem as problem,
        {{ code_was_float('source.village_code') }} as code_was_float,
        {{ is_ce_year('source.survey_year') }} as was_ce_year,
        {{ has_thai_digits('source.village_code') }}
        or {{ has_thai_digits('source.survey_year') }}
        or {{ has_thai_digits('source.households_surveyed') }}
        or {{ has_thai_digits('source.households_in_need') }} as had_thai_digits
    from source
    inner join deliveries on source._delivery_id = deliveries.delivery_id
    left join latest_pull on source._delivery_id = latest_pull.delivery_id
),

numbered as (
    select
        *,
        -- the same village, year and dimension twice in one pull: the first record (by _id) counts
        row_number() over (
            partition by delivery_id, village_code, survey_year, dimension
            order by try_cast(source_row as bigint) nulls last, source_row
        ) as occurrence
    from typed
),

flagged as (
    select
        -- lineage
        delivery_id,
        source_file,
        source_row,
        received_at,
        is_latest_pull,
        -- ids
        village_code,
        survey_year_delivered,
        survey_year,
        -- attributes
        dimension_delivered,
        dimension,
        -- measures
        households_surveyed,
        households_in_need,
        -- what staging repaired, and why the record cannot be published (quarantine_reasons)
        list_filter(
            [
                case when had_thai_digits then 'thai_digits' end,
                case when code_was_float then 'code_as_float' end,
                case when was_ce_year then 'ce_year' end
            ],
            lambda repair: repair is not null
        ) as repairs,
        list_filter(
            [
                case when problem is not null then 'malformed_row' end,
                case when survey_year is null or survey_year not between 2400 and 2700 then 'bad_fiscal_year' end,
                case
                    when households_surveyed is null or households_in_need is null then 'unreadable_count'
                end,
                case when households_in_need > households_surveyed then 'need_exceeds_surveyed' end,
                case when occurrence > 1 then 'duplicate_row' end
            ],
            lambda reason: reason is not null
        ) as reasons
    from numbered
)

select * from flagged
