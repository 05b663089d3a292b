{#- Where a row came from, as the agency knows it: the file's name as delivered (without the
    landing folders), or an API's endpoint without its host and query. -#}
{% macro delivered_name(column) -%}
    case
        when {{ column }} like 'http%'
            then regexp_extract(regexp_replace({{ column }}, '^https?://[^/]+', ''), '^[^?]*')
        else regexp_extract({{ column }}, '[^/]+$')
    end
{%- endmacro %}
