{#- Small tests of a delivered cell, shared by every staging model: what was repaired. -#}

{#- A place or LAO code as text: Thai digits read, trimmed, the `.0` of a spreadsheet float removed. -#}
{% macro code_text(column) -%}
    nullif(regexp_replace(trim({{ arabic_digits(column) }}), '\.0+$', ''), '')
{%- endmacro %}

{#- Whether a delivered code came through a spreadsheet as a float (`54010103.0`). -#}
{% macro code_was_float(column) -%}
    coalesce(regexp_matches(trim({{ arabic_digits(column) }}), '^[0-9]+\.0+$'), false)
{%- endmacro %}

{#- Whether a text holds Thai digits. -#}
{% macro has_thai_digits(column) -%}
    coalesce(regexp_matches({{ column }}, '[๐-๙]'), false)
{%- endmacro %}

{#- Whether a text has spaces to repair: leading, trailing, doubled or non-breaking. -#}
{% macro has_stray_space(column) -%}
    coalesce(regexp_matches({{ column }}, '^[\s\x{00A0}]|[\s\x{00A0}]$|[\s\x{00A0}]{2}|\x{00A0}'), false)
{%- endmacro %}

{#- Whether a text holds a zero-width character. -#}
{% macro has_zero_width(column) -%}
    coalesce(regexp_matches({{ column }}, '[\x{200B}\x{200C}\x{200D}\x{2060}\x{FEFF}]'), false)
{%- endmacro %}

{#- Whether a year was delivered in the Christian era (be_year adds 543 to it). -#}
{% macro is_ce_year(column) -%}
    coalesce(try_cast(trim({{ arabic_digits(column) }}) as decimal(10, 1)) between 1900 and 2200, false)
{%- endmacro %}
