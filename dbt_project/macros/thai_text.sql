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
