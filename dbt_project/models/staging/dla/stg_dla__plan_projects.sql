-- DLA local development plans (form ผ.02): one row per delivered record (project × edition, per
-- pull), typed and normalised. Every edition stays; `is_latest_edition` marks, per project, the
-- record that replaces the others. The budget stays the delivered JSON text here:
-- stg_dla__plan_project_years explodes it into fiscal years, stg_dla__plan_targets parses the target.

{#- the delivered texts that th_normalize normalises, each once per distinct value -#}
{%- set normalised_columns = [
    'edition', 'strategy', 'program', 'project_name', 'objective', 'target', 'kpi',
    'expected_result', 'responsible_unit'
] %}

with

source as not materialized (
    select * from {{ source('dla', 'plan_projects') }}
),

deliveries as (
    select
        delivery_id,
        received_at
    from {{ source('raw', 'deliveries') }}
    where status = 'ingested' and dataset = 'dla/plan_projects'
),

{{ normalised_text_lookups('source', normalised_columns) }}

typed as (
    select
        -- lineage
        source._delivery_id as delivery_id,
        source._source_file as source_file,
        source._source_row as source_row,
        deliveries.received_at,
        -- ids
        {{ code_text('source.lao_code') }} as lao_code,
        nullif(trim(source.project_id), '') as project_id,
        nullif(regexp_replace({{ arabic_digits('source.period') }}, '\s+', '', 'g'), '') as period,
        -- edition
        source.edition as edition_delivered,
        {{ dla_edition_kind('edition_texts.normalised') }} as edition_kind,
        {{ dla_edition_number('source.edition') }} as edition_number,
        -- attributes: as delivered, and normalised (program and target are the API's field names,
        -- though the linter knows them as keywords)
        source.strategy as strategy_delivered,
        strategy_texts.normalised as strategy,
        program_texts.normalised as program,  -- noqa: RF04
        source.project_name as title_delivered,
        project_name_texts.normalised as title,
        objective_texts.normalised as objective,
        source.target as target_delivered,
        target_texts.normalised as target,  -- noqa: RF04
        kpi_texts.normalised as kpi,
        expected_result_texts.normalised as expected_result,
        responsible_unit_texts.normalised as responsible_unit,
        try_cast(source.updated_at as timestamptz) as updated_at,
        -- measures: the five-year budget object, as delivered
        source.budget as budget_delivered,
        -- what was wrong with the record as delivered
        source._problem as problem,
        -- the budget must be a JSON object from year to amount (what stg_dla__plan_project_years reads)
        try_cast(try_cast(source.budget as json) as map(varchar, json)) is not null as budget_is_object,  -- noqa: LT01
        {{ has_thai_digits('source.project_name') }}
        or {{ has_thai_digits('source.target') }}
        or {{ has_thai_digits('source.budget') }}
        or {{ has_thai_digits('source.edition') }}
        or {{ has_thai_digits('source.lao_code') }}
        or {{ has_thai_digits('source.period') }} as had_thai_digits,
        {{ has_stray_space('source.project_name') }}
        or {{ has_stray_space('source.target') }}
        or {{ has_stray_space('source.strategy') }} as had_stray_space,
        {{ has_zero_width('source.project_name') }}
        or {{ has_zero_width('source.target') }}
        or {{ has_zero_width('source.strategy') }} as had_zero_width,
        {{ code_was_float('source.lao_code') }} as code_was_float
    from source
    inner join deliveries on source._delivery_id = deliveries.delivery_id
    {{ normalised_text_joins('source', normalised_columns) }}
),

ranked as (
    select
        *,
        -- per project, the record that replaces the others: the latest updated_at; on a tie the
        -- later edition (correction > change > addition > first, then ครั้งที่ n), then the later pull
        row_number() over (
            partition by coalesce(project_id, delivery_id || '|' || source_row)
            order by
                updated_at desc nulls last,
                {{ dla_edition_rank('edition_kind') }} desc nulls last,
                edition_number desc nulls last,
                received_at desc,
                delivery_id desc
        ) = 1 as is_latest_edition
    from typed
),

flagged as (
    select
        -- lineage
        delivery_id,
        source_file,
        source_row,
        received_at,
        -- ids
        lao_code,
        project_id,
        period,
        -- edition
        edition_delivered,
        edition_kind,
        edition_number,
        is_latest_edition,
        updated_at,
        -- attributes
        strategy_delivered,
        strategy,
        program,
        title_delivered,
        title,
        objective,
        target_delivered,
        target,
        kpi,
        expected_result,
        responsible_unit,
        -- measures (see stg_dla__plan_project_years)
        budget_delivered,
        -- what staging repaired, and why the record cannot be published (quarantine_reasons)
        list_filter(
            [
                case when had_thai_digits then 'thai_digits' end,
                case when had_stray_space then 'stray_space' end,
                case when had_zero_width then 'zero_width_space' end,
                case when code_was_float then 'code_as_float' end
            ],
            lambda repair: repair is not null
        ) as repairs,
        list_filter(
            [
                case when problem is not null then 'malformed_row' end,
                case when coalesce(regexp_matches(title, '^[\s.\-]*$'), true) then 'missing_title' end,
                case when not budget_is_object then 'unparseable_amount' end
            ],
            lambda reason: reason is not null
        ) as reasons
    from ranked
)

select * from flagged
