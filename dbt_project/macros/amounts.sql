{#- A baht amount as delivered ("150,000", "150000.00", "๑๕๐,๐๐๐", "150 000 บาท", "-" for zero,
    empty for unknown) to DECIMAL(18, 2); null when unknown or unreadable (see is_readable_amount). -#}
{% macro baht(column) -%}
    case
        when trim(coalesce({{ column }}, '')) = '' then null
        when trim({{ column }}) = '-' then 0
        else try_cast(regexp_replace(
            regexp_replace({{ arabic_digits(column) }}, '(บาท|\.-)\s*$', ''),
            '[,\s\x{00a0}]', '', 'g'
        ) as decimal(18, 2))
    end
{%- endmacro %}

{% macro is_readable_amount(column) -%}
    (trim(coalesce({{ column }}, '')) in ('', '-') or {{ baht(column) }} is not null)
{%- endmacro %}

{#- A year as delivered (BE, sometimes CE, Thai digits, "2569.0" from a spreadsheet) to a BE integer. -#}
{% macro be_year(column) -%}
    case
        when try_cast(trim({{ arabic_digits(column) }}) as decimal(10, 1)) between 1900 and 2200
            then cast(try_cast(trim({{ arabic_digits(column) }}) as decimal(10, 1)) as integer) + 543
        else cast(try_cast(trim({{ arabic_digits(column) }}) as decimal(10, 1)) as integer)
    end
{%- endmacro %}
