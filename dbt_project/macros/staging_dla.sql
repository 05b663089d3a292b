{#- Staging helpers for DLA's deliveries (sources.md §3): codes, LAO types, plan editions, and the
    village numbers (หมู่ที่) a text names. The first few (codes, what a delivered value needed
    repairing) serve stg_opsmoi__household_needs too. -#}

{#- The LAO type (ประเภท อปท.) in English, from its Thai name or abbreviation, dots and spaces
    ignored; null when it is none of the five. Never inferred from the LAO code. -#}
{% macro dla_lao_type_en(column) -%}
    case regexp_replace({{ column }}, '[\s.]', '', 'g')
        when 'อบจ' then 'pao'
        when 'องค์การบริหารส่วนจังหวัด' then 'pao'
        when 'เทศบาลนคร' then 'city_municipality'
        when 'ทน' then 'city_municipality'
        when 'เทศบาลเมือง' then 'town_municipality'
        when 'ทม' then 'town_municipality'
        when 'เทศบาลตำบล' then 'subdistrict_municipality'
        when 'ทต' then 'subdistrict_municipality'
        when 'อบต' then 'tao'
        when 'องค์การบริหารส่วนตำบล' then 'tao'
    end
{%- endmacro %}

{#- The LAO type's agreed Thai name (sources.md §3a), from its English code. -#}
{% macro dla_lao_type_th(type_en) -%}
    case {{ type_en }}
        when 'pao' then 'อบจ.'
        when 'city_municipality' then 'เทศบาลนคร'
        when 'town_municipality' then 'เทศบาลเมือง'
        when 'subdistrict_municipality' then 'เทศบาลตำบล'
        when 'tao' then 'อบต.'
    end
{%- endmacro %}

{#- The kind of a plan edition: ฉบับแรก, เพิ่มเติม ครั้งที่ n, เปลี่ยนแปลง ครั้งที่ n, แก้ไข ครั้งที่ n. -#}
{% macro dla_edition_kind(column) -%}
    case
        when regexp_matches({{ column }}, '^\s*ฉบับแรก') then 'first'
        when regexp_matches({{ column }}, '^\s*เพิ่มเติม') then 'addition'
        when regexp_matches({{ column }}, '^\s*เปลี่ยนแปลง') then 'change'
        when regexp_matches({{ column }}, '^\s*แก้ไข') then 'correction'
    end
{%- endmacro %}

{#- The n of `ครั้งที่ n` (Thai digits read); null for ฉบับแรก. -#}
{% macro dla_edition_number(column) -%}
    try_cast(regexp_extract({{ arabic_digits(column) }}, '(?:ครั้งที่|ฉบับที่)\s*([0-9]+)', 1) as integer)
{%- endmacro %}

{#- How editions of one project follow each other when their updated_at ties: a correction
    after a change after an addition after the first edition. -#}
{% macro dla_edition_rank(kind) -%}
    case {{ kind }}
        when 'first' then 0
        when 'addition' then 1
        when 'change' then 2
        when 'correction' then 3
    end
{%- endmacro %}

{#- Village numbers from a list such as `1-5,7`, `1, 3 และ 5` (Arabic digits, no prefix): sorted,
    distinct, ranges expanded, as INTEGER[]. Null unless every item is a number from 1 to 99 or an
    ascending range of them (a list that cannot be read is not half read). -#}
{% macro moo_numbers(list_text) -%}
    {%- set items -%}
        string_split(replace(regexp_replace(trim({{ list_text }}), '\s+', '', 'g'), 'และ', ','), ',')
    {%- endset -%}
    {%- set low -%}
        try_cast(split_part(moo_item, '-', 1) as integer)
    {%- endset -%}
    {%- set high -%}
        try_cast(coalesce(nullif(split_part(moo_item, '-', 2), ''), split_part(moo_item, '-', 1)) as integer)
    {%- endset -%}
    case
        when list_bool_and(list_transform(
            {{ items }},
            lambda moo_item: coalesce(
                regexp_matches(moo_item, '^[0-9]{1,2}(-[0-9]{1,2})?$') and {{ low }} between 1 and {{ high }},
                false
            )
        ))
            then list_sort(list_distinct(flatten(list_transform(
                {{ items }},
                lambda moo_item: cast(range({{ low }}, {{ high }} + 1) as integer[])
            ))))
    end
{%- endmacro %}

{#- ---- DLA plan targets (เป้าหมาย): the villages a target text names -------------------------- -#}

{#- The prefix that announces a village number, and a list of numbers after it. -#}
{% macro dla_moo_prefix() %}(?:หมู่ที่|หมู่|ม\.){% endmacro %}
{% macro dla_moo_list() %}[0-9]+(?:\s*-\s*[0-9]+)?(?:\s*(?:,|และ)\s*[0-9]+(?:\s*-\s*[0-9]+)?)*{% endmacro %}

{#- A target text cleaned for parsing: Arabic digits, no zero-width characters, single spaces,
    and a range or list that repeats its prefix (`ม.1-ม.4`, `หมู่ที่ 1 ถึงหมู่ที่ 4`, `ม.1, ม.3`)
    written once (`ม.1-4`, `ม.1,3`). -#}
{% macro dla_target_text(column) -%}
    {%- set spaced -%}
        trim(regexp_replace(
            regexp_replace({{ arabic_digits(column) }}, '[\x{200B}\x{200C}\x{200D}\x{2060}\x{FEFF}]', '', 'g'),
            '[\s\x{00A0}]+', ' ', 'g'
        ))
    {%- endset -%}
    {%- set ranged -%}
        regexp_replace({{ spaced }}, '([0-9]) ?(?:-|ถึง) ?{{ dla_moo_prefix() }}? ?([0-9])', '\1-\2', 'g')
    {%- endset -%}
    nullif(regexp_replace({{ ranged }}, '([0-9]) ?(,|และ) ?{{ dla_moo_prefix() }} ?([0-9])', '\1\2\3', 'g'), '')
{%- endmacro %}

{#- The village-number list a cleaned target names: the whole text when it is only a list
    (`หมู่ที่ 1-4,7`, `ม.2-4`, `1,3,5`), else every list that follows a prefix in free text
    (`ถนนสายบ้านนา-บ้านดง หมู่ที่ 4`: the dash in the road's name is not a range); null if none. -#}
{% macro dla_target_moo_text(text) -%}
    case
        when regexp_matches({{ text }}, '^{{ dla_moo_prefix() }}? ?({{ dla_moo_list() }})$')
            then regexp_extract({{ text }}, '^{{ dla_moo_prefix() }}? ?({{ dla_moo_list() }})$', 1)
        when regexp_matches({{ text }}, '{{ dla_moo_prefix() }} ?[0-9]')
            then array_to_string(regexp_extract_all({{ text }}, '{{ dla_moo_prefix() }} ?({{ dla_moo_list() }})', 1), ',')
    end
{%- endmacro %}

{#- What a cleaned target names (see _dla__models.yml for the rules):
    all | single | moo_list | named | unparsed. -#}
{% macro dla_target_kind(text, moo_text, moos) -%}
    case
        when {{ text }} is null then 'unparsed'
        when regexp_matches({{ text }}, '^(?:ทุกหมู่|ทั้งตำบล|ทุกชุมชน)') then 'all'
        when {{ moo_text }} is not null and {{ moos }} is null then 'unparsed'
        when len({{ moos }}) = 1 then 'single'
        when len({{ moos }}) > 1 then 'moo_list'
        when regexp_matches({{ text }}, '^(?:ชุมชน|หมู่บ้าน|บ้าน)') then 'named'
        else 'unparsed'
    end
{%- endmacro %}

{#- The name a cleaned target gives: a community or village named without a number (`ชุมชนตลาดเก่า`),
    or the village beside its number (`บ้านนา หมู่ที่ 3` → `บ้านนา`; a road is not a name). -#}
{% macro dla_target_name(text, kind) -%}
    case
        when {{ kind }} = 'named'
            then regexp_replace({{ text }}, '^(ชุมชน|หมู่บ้าน|บ้าน) ', '\1')
        when {{ kind }} = 'single'
            then nullif(regexp_extract(
                trim(regexp_replace({{ text }}, '{{ dla_moo_prefix() }} ?{{ dla_moo_list() }}', '', 'g')),
                '^((?:บ้าน|ชุมชน)\S+)$',
                1
            ), '')
    end
{%- endmacro %}
