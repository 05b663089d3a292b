{#- Place names as CDD's typists enter them in the community-plan workbook (both sheets). Each
    macro takes a name already normalised (th_normalize), so prefixes are found after spaces and
    zero-width characters are gone. -#}

{#- อำเภอเมืองแพร่, อ.เมืองแพร่ → เมืองแพร่ -#}
{% macro cdd_district_name(column) -%}
    {{ strip_prefix(column, ['อำเภอ', 'อ\\.']) }}
{%- endmacro %}

{#- ตำบล แม่ยม, ต.แม่ยม → แม่ยม -#}
{% macro cdd_subdistrict_name(column) -%}
    {{ strip_prefix(column, ['ตำบล', 'ต\\.']) }}
{%- endmacro %}

{#- The village name without an anchored บ้าน, for matching: half the typists leave it out.
    A name that is only บ้าน keeps it. -#}
{% macro cdd_village_name_key(column) -%}
    coalesce({{ strip_prefix(column, ['บ้าน']) }}, {{ column }})
{%- endmacro %}

{#- Whether a district or subdistrict (normalised) or a village number (as delivered) carried a
    place prefix that was removed: the repair `place_prefix`. -#}
{% macro cdd_has_place_prefix(district, subdistrict, moo) -%}
    (
        coalesce(regexp_matches({{ district }}, '^\s*(อำเภอ|อ\.)'), false)
        or coalesce(regexp_matches({{ subdistrict }}, '^\s*(ตำบล|ต\.)'), false)
        or coalesce(regexp_matches({{ moo }}, '^\s*(หมู่ที่|หมู่|ม\.)'), false)
    )
{%- endmacro %}

{#- The workbook's title row that names the province (`จังหวัดแพร่`), from the manifest's notes
    (raw.deliveries.notes -> title_rows); null when no title row names one. -#}
{% macro cdd_province_title(notes) -%}
    list_filter(
        json_extract_string({{ notes }}, '$.title_rows[*]'),
        lambda title_row: regexp_matches(title_row, '^\s*(จังหวัด|จ\.)')
    )[1]
{%- endmacro %}

{#- The province name from that title row: normalised, prefix removed (a look-alike such as แพะ
    is kept as delivered; resolving it is matching's job). -#}
{% macro cdd_province_name(title_row) -%}
    {{ strip_prefix(normalised(title_row), ['จังหวัด', 'จ\\.']) }}
{%- endmacro %}
