{#- Parsing and flagging shared by the plan staging models (DOPA village plans, CDD community plans
    and certification); CDD's place-name macros are in staging_cdd.sql. Names start with plan_ so
    they cannot clash with the other agencies' staging macros. Each works on one delivered cell:
    plain vectorised SQL. -#}

{#- An amount typed in a shape other than the plain `150000` or `150,000` (decimals, spaces, บาท):
    read all the same, recorded as the repair `amount_formatting`. -#}
{% macro plan_is_formatted_amount(column) -%}
    (
        trim(coalesce({{ column }}, '')) not in ('', '-')
        and not regexp_matches(trim({{ arabic_digits(column) }}), '^-?(\d+|\d{1,3}(,\d{3})+)$')
    )
{%- endmacro %}

{#- A DOPA village code: 8 digits after Thai digits are read and a spreadsheet's `.0` is dropped;
    null when the cell holds anything else. -#}
{% macro plan_village_code(column) -%}
    nullif(regexp_extract(trim({{ arabic_digits(column) }}), '^(\d{8})(\.0+)?$', 1), '')
{%- endmacro %}

{#- A village number (หมู่ที่) as typed: `3`, `๓`, `ม.3`, `หมู่ 3`, `หมู่ที่ 3`, `3.0`; null otherwise. -#}
{% macro plan_moo(column) -%}
    try_cast(nullif(regexp_extract(
        trim({{ arabic_digits(column) }}), '^(หมู่ที่|หมู่|ม\.)?\s*(\d{1,3})(\.0+)?$', 2
    ), '') as integer)
{%- endmacro %}

{#- A whole number as typed (`12`, `๑๒`, `12.0` from a number cell); null otherwise. -#}
{% macro plan_whole_number(column) -%}
    try_cast(nullif(regexp_extract(trim({{ arabic_digits(column) }}), '^(\d{1,9})(\.0+)?$', 1), '') as integer)
{%- endmacro %}

{#- DOPA's ทำเอง/ทำร่วม/ขอสนับสนุน and CDD's ขอรับการสนับสนุน in English; null when unknown. -#}
{% macro plan_implementation(column) -%}
    case regexp_replace(trim({{ column }}), '\s+', '', 'g')
        when 'ทำเอง' then 'self'
        when 'ทำร่วม' then 'joint'
        when 'ขอสนับสนุน' then 'support'
        when 'ขอรับการสนับสนุน' then 'support'
    end
{%- endmacro %}

{% macro plan_has_stray_space(columns) -%}
    (
        {%- for column in columns %}
        {{ "or " if not loop.first }}{{ has_stray_space(column) }}
        {%- endfor %}
    )
{%- endmacro %}

{#- A list of codes from (code, condition) pairs: the codes whose condition holds, in the given
    order; an empty list (never null) when none does. -#}
{% macro plan_codes(pairs) -%}
    list_filter([
        {%- for code, condition in pairs %}
        case when {{ condition }} then '{{ code }}' end{{ "," if not loop.last }}
        {%- endfor %}
    ], lambda code: code is not null)
{%- endmacro %}

{#- The codes of a raw `_flags` cell (`formula_without_value:budget;…`), without the column. -#}
{% macro plan_flag_codes(column) -%}
    coalesce(list_distinct(regexp_extract_all({{ column }}, '(?:^|;)\s*([^:;]+)', 1)), [])
{%- endmacro %}

{#- Every code in a list column (reasons, warnings) must be a reason the seed knows, with its
    Thai and English text for the agencies' reports. -#}
{% test reasons_are_known(model, column_name) %}
    with codes as (
        select distinct unnest({{ column_name }}) as reason_code
        from {{ model }}
    )

    select codes.reason_code
    from codes
    left join {{ ref('quarantine_reasons') }} as known
        on codes.reason_code = known.reason_code
    where known.reason_code is null
{% endtest %}

{#- The quarantine reasons of a DOPA or CDD plan record, from the columns both plan models
    compute (title, is_readable_budget, budget_thb, fiscal_year, delivery_fiscal_year,
    copy_number, problem). A row that could not be split into its columns has nothing else
    worth judging. -#}
{% macro plan_record_reasons() -%}
    case
        when problem is not null then ['malformed_row']
        else {{ plan_codes([
            ('missing_title', 'title is null'),
            ('unparseable_amount', 'not is_readable_budget'),
            ('negative_budget', 'budget_thb < 0'),
            ('absurd_budget', 'abs(budget_thb) > 500000000'),
            ('bad_fiscal_year', 'fiscal_year is null or fiscal_year not between 2500 and 2700 '
                ~ 'or abs(fiscal_year - delivery_fiscal_year) > 5'),
            ('duplicate_row', 'copy_number > 1'),
        ]) }}
    end
{%- endmacro %}
