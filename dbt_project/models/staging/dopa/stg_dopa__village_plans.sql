-- DOPA village development plans (sources.md §1b), one row per delivered CSV record: typed and
-- normalised, with what was repaired and why a row must be quarantined. No row is dropped here,
-- and villages and dimensions are resolved later (intermediate), not here.
-- Same columns, names and types as stg_cdd__community_plans, so the two can be unioned.

{#- the delivered texts that th_normalize normalises, each once per distinct value -#}
{%- set normalised_columns = ['project_name', 'dimension_group', 'funding_source', 'responsible'] %}

with

source as not materialized (
    select * from {{ source('dopa', 'village_plans') }}
),

deliveries as (
    select
        delivery_id,
        agency,
        dataset,
        received_at,
        province_code,
        fiscal_year
    from {{ source('raw', 'deliveries') }}
    where status = 'ingested'
),

-- a re-export repeats (village code, fiscal year, ลำดับ) in the same file: the first copy stands
copy_keys as materialized (
    select
        _delivery_id as delivery_id,
        _source_row as source_row,
        {{ plan_village_code('village_code') }} as village_code,
        {{ be_year('fiscal_year') }} as fiscal_year,
        {{ plan_whole_number('seq') }} as seq
    from source
),

later_copies as (
    {{ later_copies(
        'copy_keys', ['village_code', 'fiscal_year', 'seq'],
        where='village_code is not null and fiscal_year is not null and seq is not null',
    ) }}
),

{{ normalised_text_lookups('source', normalised_columns) }}

parsed as (
    select
        -- lineage
        source._delivery_id as delivery_id,
        deliveries.agency,
        deliveries.dataset,
        source._source_file as source_file,
        source._source_row as source_row,
        cast(source._source_line as integer) as source_line,
        deliveries.received_at,
        deliveries.fiscal_year as delivery_fiscal_year,
        deliveries.province_code as delivery_province_code,
        source._problem as problem,
        source._flags as flags,
        -- place
        source.village_code as village_code_delivered,
        {{ plan_village_code('source.village_code') }} as village_code,
        -- project
        source.seq as seq_delivered,
        {{ plan_whole_number('source.seq') }} as seq,
        source.project_name as title_delivered,
        project_name_texts.normalised as title,
        source.dimension_group as category_delivered,
        dimension_group_texts.normalised as category_normalised,
        source.implementation as implementation_delivered,
        {{ plan_implementation('source.implementation') }} as implementation,
        funding_source_texts.normalised as funding_source,
        responsible_texts.normalised as responsible,
        source.assembly_date as assembly_date_delivered,
        {{ be_date('source.assembly_date') }} as assembly_on,
        -- measures
        source.budget as budget_delivered,
        {{ baht('source.budget') }} as budget_thb,
        {{ is_readable_amount('source.budget') }} as is_readable_budget,
        source.fiscal_year as fiscal_year_delivered,
        {{ be_year('source.fiscal_year') }} as fiscal_year,
        coalesce(later_copies.copy_number, 1) as copy_number
    from source
    inner join deliveries on source._delivery_id = deliveries.delivery_id
    {{ normalised_text_joins('source', normalised_columns) }}
    left join later_copies
        on source._delivery_id = later_copies.delivery_id and source._source_row = later_copies.source_row
),

flagged as (
    select
        *,
        -- one delivery holds a source row once: stable across rebuilds of the same delivery
        md5(delivery_id || '|' || source_row) as plan_record_key,
        -- the code itself says the province; the file name is the fallback
        coalesce(left(village_code, 2), delivery_province_code) as province_code,
        -- the code ends with the village number (หมู่ที่)
        cast(right(village_code, 2) as integer) as moo,
        -- ด้าน is often left out; the dimension map lists the group with it
        case
            when starts_with(category_normalised, 'ด้าน') then category_normalised
            else 'ด้าน' || category_normalised
        end as category,
        {{ plan_codes([
            ('thai_digits', has_thai_digits(
                "concat(village_code_delivered, fiscal_year_delivered, seq_delivered, budget_delivered, "
                ~ "assembly_date_delivered)"
            )),
            ('ce_year', is_ce_year('fiscal_year_delivered')),
            ('code_as_float', "coalesce(regexp_matches(trim(village_code_delivered), '\\.0+$'), false)"),
            ('amount_formatting', "is_readable_budget and " ~ plan_is_formatted_amount('budget_delivered')),
            ('dash_amount', "trim(coalesce(budget_delivered, '')) = '-'"),
            ('stray_space', plan_has_stray_space(['title_delivered'])),
            ('zero_width_space', has_zero_width('title_delivered')),
        ]) }} as repairs,
        {{ plan_flag_codes('flags') }} as warnings,
        {{ plan_record_reasons() }} as reasons
    from parsed
),

final as (
    select
        -- lineage
        plan_record_key,
        delivery_id,
        agency,
        dataset,
        source_file,
        source_row,
        source_line,
        received_at,
        delivery_fiscal_year,
        province_code,
        -- place, as delivered and normalised (DOPA names its village by code only)
        village_code_delivered,
        village_code,
        cast(null as varchar) as moo_delivered,
        moo,
        cast(null as varchar) as village_name_delivered,
        cast(null as varchar) as village_name,
        cast(null as varchar) as village_name_key,
        cast(null as varchar) as subdistrict_name_delivered,
        cast(null as varchar) as subdistrict_name,
        cast(null as varchar) as district_name_delivered,
        cast(null as varchar) as district_name,
        cast(null as varchar) as province_name,
        -- project attributes
        seq,
        title_delivered,
        title,
        category_delivered,
        category,
        implementation_delivered,
        implementation,
        assembly_on,
        funding_source,
        responsible,
        cast(null as varchar) as requested_from,
        -- measures
        budget_delivered,
        budget_thb,
        fiscal_year_delivered,
        fiscal_year,
        -- quality
        repairs,
        warnings,
        reasons
    from flagged
)

select * from final
