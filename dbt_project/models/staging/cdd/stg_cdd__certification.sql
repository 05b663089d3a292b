-- CDD community-plan certification (sources.md §2b, sheet การรับรองมาตรฐาน of the plans' workbook),
-- one row per delivered worksheet data row: score, level and date typed, the place normalised as
-- in stg_cdd__community_plans. Levels are kept as delivered (normalised): the scheme in force that
-- year (seed certification_schemes) is applied later, as is village resolution.

{#- the delivered texts that th_normalize normalises, each once per distinct value -#}
{%- set normalised_columns = ['district_name', 'subdistrict_name', 'village_name', 'level'] %}

with

source as not materialized (
    select * from {{ source('cdd', 'certification') }}
),

deliveries as (
    select
        delivery_id,
        agency,
        dataset,
        received_at,
        province_code,
        fiscal_year,
        sha256
    from {{ source('raw', 'deliveries') }}
    where status = 'ingested'
),

-- the sheet has no title rows: the province is named on the plans sheet of the same workbook
workbook_titles as (
    select
        sha256,
        any_value({{ cdd_province_name(cdd_province_title('notes')) }}) as province_name
    from {{ source('raw', 'deliveries') }}
    where status = 'ingested' and dataset = 'cdd/community_plans'
    group by sha256
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
        deliveries.province_code,
        workbook_titles.province_name,
        -- the sheet does not say the year: the certification round is the delivery's fiscal year
        deliveries.fiscal_year,
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
        -- certification
        source.score as score_delivered,
        try_cast(trim({{ arabic_digits('source.score') }}) as decimal(5, 2)) as score,
        source.level as level_delivered,
        level_texts.normalised as level,  -- noqa: RF04
        source.certified_on as certified_on_delivered,
        -- a date cell arrives as an ISO date (CE), typed text as d/m/yyyy (BE): be_date reads both
        {{ be_date('source.certified_on') }} as certified_on,
        -- a re-export repeats a row cell for cell: the first copy stands
        row_number() over (
            partition by
                source._delivery_id, source.district_name, source.subdistrict_name, source.moo,
                source.village_name, source.score, source.level, source.certified_on
            order by try_cast(source._source_row as bigint), source._source_row
        ) as copy_number
    from source
    inner join deliveries on source._delivery_id = deliveries.delivery_id
    left join workbook_titles on deliveries.sha256 = workbook_titles.sha256
    {{ normalised_text_joins('source', normalised_columns) }}
),

flagged as (
    select
        *,
        -- one delivery holds a source row once: stable across rebuilds of the same delivery
        md5(delivery_id || '|' || source_row) as certification_record_key,
        {{ plan_codes([
            ('thai_digits', has_thai_digits("concat(moo_delivered, score_delivered, certified_on_delivered)")),
            ('place_prefix', cdd_has_place_prefix('district_normalised', 'subdistrict_normalised', 'moo_delivered')),
            ('stray_space', plan_has_stray_space([
                'village_name_delivered', 'subdistrict_name_delivered', 'district_name_delivered'
            ])),
            ('zero_width_space', has_zero_width(
                "concat(village_name_delivered, subdistrict_name_delivered, district_name_delivered)"
            )),
        ]) }} as repairs,
        {{ plan_flag_codes('flags') }} as warnings,
        -- a row that could not be split into its columns has nothing else worth judging
        case
            when problem is not null then ['malformed_row']
            else {{ plan_codes([('duplicate_row', 'copy_number > 1')]) }}
        end as reasons
    from parsed
),

final as (
    select
        -- lineage
        certification_record_key,
        delivery_id,
        agency,
        dataset,
        source_file,
        source_row,
        source_line,
        received_at,
        province_code,
        fiscal_year,
        -- place, as delivered and normalised (CDD has no village code)
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
        -- certification
        score_delivered,
        score,
        level_delivered,
        level,
        certified_on_delivered,
        certified_on,
        -- quality
        repairs,
        warnings,
        reasons
    from flagged
)

select * from final
