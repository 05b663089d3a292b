{#- Staging helpers for OPS MOI's household needs (sources.md §4). The code, digit and year checks
    it shares with DLA are in staging_dla.sql. -#}

{#- A count of households as delivered (`120`, `120.0` from a number column, `1,200`, Thai digits)
    to an integer; null when it is empty, negative, fractional or not a number. -#}
{% macro household_count(column) -%}
    try_cast(
        regexp_extract(regexp_replace(trim({{ arabic_digits(column) }}), '[,\s]', '', 'g'), '^([0-9]+)(?:\.0+)?$', 1)
        as integer
    )
{%- endmacro %}
