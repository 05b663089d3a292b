{#- Place-name keys for matching delivered names against the registry. Each takes a name already
    normalised (th_normalize). -#}

{#- The name without an anchored บ้าน or ชุมชน and without spaces or dots: typists differ on all
    three (บ้านนาขาม, นาขาม, บ้าน นาขาม). A name that is only the prefix keeps it. -#}
{% macro place_key(column) -%}
    regexp_replace(
        coalesce({{ strip_prefix(column, ['บ้าน', 'ชุมชน', 'ชมชน', 'ชุมน', 'ชุชน']) }}, {{ column }}),
        '[\s.]', '', 'g'
    )
{%- endmacro %}

{#- The key with look-alike letters folded onto one of each pair (ด/ต, บ/ป, ข/ช, พ/ผ, ร/ธ, ถ/ภ,
    เเ for แ): what OCR and hurried typists confuse. Two names with the same folded key are the
    same name misread. -#}
{% macro place_lookalike_key(column) -%}
    translate(replace({{ column }}, 'เเ', 'แ'), 'ตปชผธภ', 'ดบขพรถ')
{%- endmacro %}

{#- How alike two place keys are, 0–1: Jaro-Winkler on the keys, or on the look-alike-folded keys
    when that is higher (a misread letter costs nothing). Numbers are never typos: names whose
    numbers differ (ชุมชนเทศบาล 1 and 2) are different places. -#}
{% macro place_similarity(left, right) -%}
    case when regexp_extract_all({{ left }}, '\d+') != regexp_extract_all({{ right }}, '\d+') then 0 else greatest(
        jaro_winkler_similarity({{ left }}, {{ right }}),
        jaro_winkler_similarity({{ place_lookalike_key(left) }}, {{ place_lookalike_key(right) }})
    ) end
{%- endmacro %}

{#- One id for a place as CDD types it (province of the file, district, subdistrict, หมู่ที่,
    village or community name): the matching works once per distinct place. -#}
{% macro cdd_place_id(relation) -%}
    md5(concat_ws(
        '|', {{ relation }}.province_code, coalesce({{ relation }}.district_name, '∅'),
        coalesce({{ relation }}.subdistrict_name, '∅'), coalesce(cast({{ relation }}.moo as varchar), '∅'),
        coalesce({{ relation }}.village_name, '∅')
    ))
{%- endmacro %}

{#- The columns place_similarity_of compares, computed once per name rather than once per pair
    of names: the key, its look-alike-folded form and the numbers in it. -#}
{% macro place_match_columns(key) -%}
    {{ key }} as name_key,
    {{ place_lookalike_key(key) }} as lookalike_key,
    regexp_extract_all({{ key }}, '\d+') as name_numbers
{%- endmacro %}

{#- place_similarity on two relations carrying place_match_columns. -#}
{% macro place_similarity_of(left, right) -%}
    case
        when {{ left }}.name_numbers != {{ right }}.name_numbers then 0
        else greatest(
            jaro_winkler_similarity({{ left }}.name_key, {{ right }}.name_key),
            jaro_winkler_similarity({{ left }}.lookalike_key, {{ right }}.lookalike_key)
        )
    end
{%- endmacro %}
