{#- Thai digits to Arabic, anywhere in a text. translate() is slow (about 1 s per million short
    texts) and most texts have no Thai digit: the regex guard costs a tenth of that. -#}
{% macro arabic_digits(column) -%}
    case
        when regexp_matches({{ column }}, '[๐-๙]')
            then translate({{ column }}, '๐๑๒๓๔๕๖๗๘๙', '0123456789')
        else {{ column }}
    end
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

{#- One CTE per column, `<column>_texts`: each distinct delivered text of the column with its
    normalised form, so th_normalize runs once per distinct value rather than once per row. Join
    it back on `delivered`. One lookup per column, not one for all columns: each join's hash table
    then holds only its own column's texts (a shared one made the DLA staging run out of memory). -#}
{% macro normalised_text_lookups(relation, columns) -%}
    {%- for column in columns %}
{{ column }}_texts as (
    select
        delivered,
        {{ normalised('delivered') }} as normalised
    from (select distinct {{ column }} as delivered from {{ relation }}) as texts
    where delivered is not null
),
{% endfor -%}
{%- endmacro %}

{#- The joins that go with normalised_text_lookups: `<column>_texts.normalised` is then the
    normalised form of `relation.<column>`. -#}
{% macro normalised_text_joins(relation, columns) -%}
    {%- for column in columns %}
    left join {{ column }}_texts on {{ relation }}.{{ column }} = {{ column }}_texts.delivered
    {%- endfor %}
{%- endmacro %}
