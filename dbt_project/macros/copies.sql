{#- The rows that repeat an earlier row of their delivery cell for cell in `columns` (a re-export),
    with their copy number (2, 3, ...; the first copy, by source row, stands and is not listed).
    A 64-bit hash of the columns finds the few groups that repeat; the exact row_number() then runs
    on those rows only (a hash collision adds a candidate, never a copy). A window over every row
    would carry each row's whole width through a sort: seconds at national scale. -#}
{% macro later_copies(relation, columns, delivery_column='delivery_id', row_column='source_row', where='true') -%}
    {%- set row_hash = 'hash(' ~ delivery_column ~ ', ' ~ columns | join(', ') ~ ')' -%}
    select
        delivery_id,
        source_row,
        copy_number
    from (
        select
            {{ delivery_column }} as delivery_id,
            {{ row_column }} as source_row,
            row_number() over (
                partition by {{ delivery_column }}, {{ columns | join(', ') }}
                order by try_cast({{ row_column }} as bigint), {{ row_column }}
            ) as copy_number
        from {{ relation }}
        where
            {{ where }}
            and {{ row_hash }} in (
                select {{ row_hash }} from {{ relation }}
                where {{ where }}
                group by all
                having count(*) > 1
            )
    ) as candidates
    where copy_number > 1
{%- endmacro %}
