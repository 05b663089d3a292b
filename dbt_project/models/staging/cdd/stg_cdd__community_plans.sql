-- CDD community plans (sources.md §2a, sheet แผนชุมชน), one row per delivered worksheet data row:
-- typed and normalised, with what was repaired and why a row must be quarantined. No row is
-- dropped here (title, blank and subtotal rows never reached raw), and villages and dimensions
-- are resolved later (intermediate): CDD names its village by district, subdistrict, number and name.
-- Same columns, names and types as stg_dopa__village_plans, so the two can be unioned.

{#- the delivered texts that th_normalize normalises, each once per distinct value -#}
{%- set normalised_columns = [
    'district_name', 'subdistrict_name', 'village_name', 'project_name', 'category',
    'requested_from'
] %}

with

source as not materialized (
    select * from {{ source('cdd', 'community_plans') }}
),

deliveries as (
    select
        delivery_id,
        agency,
        dataset,
        received_at,
        province_code,
        fiscal_year,
        -- the title row names the province (จังหวัดแพร่); the file name gives only its code
        {{ cdd_province_name(cdd_province_title('notes')) }} as province_name
    from {{ source('raw', 'deliveries') }}
    where status = 'ingested'
),

-- a re-export repeats a row cell for cell: the first copy stands
later_copies as (
    {{ later_copies('source', [
        'seq', 'district_name', 'subdistrict_name', 'moo', 'village_name', 'project_name',
        'implementation', 'category', 'budget', 'year', 'requested_from',
    ], delivery_column='_delivery_id', row_column='_source_row') }}
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
        deliveries.province_code,
        deliveries.province_name,
        source._problem as problem,
        source._flags as flags,
        -- place
        source.moo as moo_delivered,
        {{ plan_moo('source.moo') }} as moo,
        source.village_name as village_name_delivered,
        village_name_texts.normalised as village_name,
        source.subdistrict_name as subdistrict_name_delivered,
        subdistrict_name_texts.normalised as subdistrict_normalised,
        source.district_name as district_name_delivered,
        district_name_texts.normalised as district_normalised,
        -- project
        source.seq as seq_delivered,
        {{ plan_whole_number('source.seq') }} as seq,
        source.project_name as title_delivered,
        project_name_texts.normalised as title,
        source.category as category_delivered,
        category_texts.normalised as category,
        source.implementation as implementation_delivered,
        {{ plan_implementation('source.implementation') }} as implementation,
        requested_from_texts.normalised as requested_from,
        -- measures
        source.budget as budget_delivered,
        {{ baht('source.budget') }} as budget_thb,
        {{ is_readable_amount('source.budget') }} as is_readable_budget,
        source.year as fiscal_year_delivered,
        {{ be_year('source.year') }} as fiscal_year,
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
        {{ plan_codes([
            ('thai_digits', has_thai_digits(
                "concat(seq_delivered, moo_delivered, budget_delivered, fiscal_year_delivered)"
            )),
            ('ce_year', is_ce_year('fiscal_year_delivered')),
            ('place_prefix', cdd_has_place_prefix('district_normalised', 'subdistrict_normalised', 'moo_delivered')),
            ('amount_formatting', "is_readable_budget and " ~ plan_is_formatted_amount('budget_delivered')),
            ('dash_amount', "trim(coalesce(budget_delivered, '')) = '-'"),
            ('stray_space', plan_has_stray_space([
                'title_delivered', 'village_name_delivered', 'subdistrict_name_delivered', 'district_name_delivered'
            ])),
            ('zero_width_space', has_zero_width(
                "concat(title_delivered, village_name_delivered, subdistrict_name_delivered, district_name_delivered)"
            )),
        ]) }} as repairs,
        -- e.g. a budget formula without a cached value: the budget is unknown, not zero
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
        -- place, as delivered and normalised (CDD has no village code)
        cast(null as varchar) as village_code_delivered,
        cast(null as varchar) as village_code,
        moo_delivered,
        moo,
        village_name_delivered,
        village_name,
        {{ cdd_village_name_key('village_name') }} as village_name_key,
        subdistrict_name_delivered,
        {{ cdd_subdistrict_name('subdistrict_normalised') }} as subdistrict_name,
        district_name_delivered,
        {{ cdd_district_name('district_normalised') }} as district_name,
        province_name,
        -- project attributes
        seq,
        title_delivered,
        title,
        category_delivered,
        category,
        implementation_delivered,
        implementation,
        cast(null as date) as assembly_on,
        cast(null as varchar) as funding_source,
        cast(null as varchar) as responsible,
        requested_from,
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
