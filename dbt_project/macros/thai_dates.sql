{#- A BE date as delivered (d/m/yyyy, dd/mm/yyyy, "7 มี.ค. 2568", "7 มีนาคม 2568", or an ISO date
    from a workbook's date cell, which is CE) to a DATE; null when it is none of these. -#}
{% macro be_date(column) -%}
    {%- set text = "trim(" ~ arabic_digits(column) ~ ")" -%}
    case
        when regexp_matches({{ text }}, '^\d{4}-\d{2}-\d{2}$') then try_cast({{ text }} as date)
        when regexp_matches({{ text }}, '^\d{1,2}/\d{1,2}/\d{4}$')
            then try_cast(make_date(
                cast(split_part({{ text }}, '/', 3) as integer) - 543,
                cast(split_part({{ text }}, '/', 2) as integer),
                cast(split_part({{ text }}, '/', 1) as integer)
            ) as date)
        when regexp_matches({{ text }}, '^\d{1,2}\s+\S+\s+\d{4}$')
            then try_cast(make_date(
                cast(regexp_extract({{ text }}, '(\d{4})$', 1) as integer) - 543,
                {{ thai_month("regexp_extract(" ~ text ~ ", '^\\d{1,2}\\s+(\\S+)\\s+', 1)") }},
                cast(regexp_extract({{ text }}, '^(\d{1,2})', 1) as integer)
            ) as date)
    end
{%- endmacro %}

{% macro thai_month(column) -%}
    case {{ column }}
        when 'ม.ค.' then 1 when 'มกราคม' then 1
        when 'ก.พ.' then 2 when 'กุมภาพันธ์' then 2
        when 'มี.ค.' then 3 when 'มีนาคม' then 3
        when 'เม.ย.' then 4 when 'เมษายน' then 4
        when 'พ.ค.' then 5 when 'พฤษภาคม' then 5
        when 'มิ.ย.' then 6 when 'มิถุนายน' then 6
        when 'ก.ค.' then 7 when 'กรกฎาคม' then 7
        when 'ส.ค.' then 8 when 'สิงหาคม' then 8
        when 'ก.ย.' then 9 when 'กันยายน' then 9
        when 'ต.ค.' then 10 when 'ตุลาคม' then 10
        when 'พ.ย.' then 11 when 'พฤศจิกายน' then 11
        when 'ธ.ค.' then 12 when 'ธันวาคม' then 12
    end
{%- endmacro %}

{#- The fiscal year (BE) a date falls in: 1 Oct – 30 Sep, named by the BE year it ends. -#}
{% macro fiscal_year_of(date_column) -%}
    (year({{ date_column }}) + 543 + case when month({{ date_column }}) >= 10 then 1 else 0 end)
{%- endmacro %}
