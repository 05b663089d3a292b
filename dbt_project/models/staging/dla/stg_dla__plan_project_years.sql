-- The five-year budget of every DLA plan record, one row per record and fiscal year it plans:
-- a year whose amount is `-` (or any zero) plans nothing that year and gives no row; a year with
-- an amount gives one, and so does a year whose amount is present but empty (the budget is
-- unknown, not zero: budget_thb is null). Unreadable, negative and absurd amounts keep their row,
-- with the reason, so that nothing delivered is lost.
with

projects as (
    select
        delivery_id,
        source_file,
        source_row,
        received_at,
        lao_code,
        project_id,
        period,
        is_latest_edition,
        budget_delivered
    from {{ ref('stg_dla__plan_projects') }}
),

entries as (
    select
        delivery_id,
        source_file,
        source_row,
        received_at,
        lao_code,
        project_id,
        period,
        is_latest_edition,
        -- the budget object's (year, amount) pairs; none when it is not a JSON object
        unnest(map_entries(
            try_cast(try_cast(budget_delivered as json) as map(varchar, json))  -- noqa: LT01
        )) as budget_entry
    from projects
),

typed as (
    select
        -- lineage
        delivery_id,
        source_file,
        source_row,
        received_at,
        -- ids
        lao_code,
        project_id,
        is_latest_edition,
        struct_extract(budget_entry, 'key') as fiscal_year_delivered,
        {{ be_year("struct_extract(budget_entry, 'key')") }} as fiscal_year,
        -- the plan period the year must fall in
        try_cast(split_part(period, '-', 1) as integer) as period_first_year,
        try_cast(split_part(period, '-', 2) as integer) as period_last_year,
        -- measures
        json_extract_string(struct_extract(budget_entry, 'value'), '$') as budget_delivered_year,
        {{ baht("json_extract_string(struct_extract(budget_entry, 'value'), '$')") }} as budget_thb
    from entries
),

planned as (
    select * from typed
    where budget_thb is distinct from 0
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
        is_latest_edition,
        fiscal_year_delivered,
        fiscal_year,
        -- measures
        budget_delivered_year,
        budget_thb,
        -- what staging repaired (amounts with separators, decimals, spaces or บาท are repaired;
        -- plain digits and 150,000 are the agreed form), and why the year cannot be published
        list_filter(
            [
                case
                    when
                        {{ has_thai_digits('budget_delivered_year') }}
                        or {{ has_thai_digits('fiscal_year_delivered') }}
                        then 'thai_digits'
                end,
                case
                    when
                        budget_thb is not null
                        and not regexp_matches(
                            trim({{ arabic_digits('budget_delivered_year') }}),
                            '^-?(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)$'
                        )
                        then 'amount_formatting'
                end,
                case when {{ is_ce_year('fiscal_year_delivered') }} then 'ce_year' end
            ],
            lambda repair: repair is not null
        ) as repairs,
        list_filter(
            [
                case
                    when
                        fiscal_year is null
                        or fiscal_year not between coalesce(period_first_year, fiscal_year)
                        and coalesce(period_last_year, fiscal_year)
                        then 'bad_fiscal_year'
                end,
                case
                    when
                        budget_thb is null and trim(coalesce(budget_delivered_year, '')) != ''
                        then 'unparseable_amount'
                end,
                case when budget_thb < 0 then 'negative_budget' end,
                case when abs(budget_thb) > 500000000 then 'absurd_budget' end
            ],
            lambda reason: reason is not null
        ) as reasons
    from planned
)

select * from flagged
