{#- Thai digits to Arabic, anywhere in a text. -#}
{% macro arabic_digits(column) -%}
    translate({{ column }}, '๐๑๒๓๔๕๖๗๘๙', '0123456789')
{%- endmacro %}

{#- A delivered name, normalised: digits, spaces, zero-width characters, pythainlp's normalize
    (the th_normalize function that muban.dbt_plugin registers). -#}
{% macro normalised(column) -%}
    nullif(th_normalize({{ column }}), '')
{%- endmacro %}

{#- Remove a leading prefix with an anchored pattern (never a character set, as lstrip would). -#}
{% macro strip_prefix(column, prefixes) -%}
    nullif(trim(regexp_replace({{ column }}, '^\s*({{ prefixes | join("|") }})\s*', '')), '')
{%- endmacro %}

{#- Every distinct text of the given columns, with its normalised form: th_normalize runs once per
    distinct value (DuckDB calls a UDF per vector of 2,048 rows, so a per-row call would normalise
    the same title many times). Use it as a materialized CTE and join it back per column. -#}
{% macro normalised_text_lookup(relation, columns) -%}
    select
        delivered,
        {{ normalised('delivered') }} as normalised
    from (
        {%- for column in columns %}
        {{ "union" if not loop.first }}
        select {{ column }} as delivered from {{ relation }}
        {%- endfor %}
    ) as texts
    where delivered is not null
{%- endmacro %}
