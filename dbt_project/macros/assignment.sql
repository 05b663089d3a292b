{#- One-to-one assignment by mutual best score, in `rounds` rounds: CTEs `<name>_1` … and `<name>`
    (their union). A pair of `relation` (filtered by `where`) is kept when its score is the best of
    both its `left` and its `right` key and no other pair ties it there (a shared best score is
    ambiguous: no match); each later round looks only at keys no earlier round matched, so a
    key whose best partner was taken can still meet its next best. -#}
{% macro mutual_best_rounds(name, relation, left, right, rounds, where='true') -%}
{% for round in range(1, rounds + 1) %}
    {{ name }}_{{ round }} as materialized (
        select * exclude (best_left, best_right, ties_left, ties_right)
        from (
            select
                *,
                max(score) over (partition by {{ left }}) as best_left,
                max(score) over (partition by {{ right }}) as best_right,
                count(*) over (partition by {{ left }}, score) as ties_left,
                count(*) over (partition by {{ right }}, score) as ties_right
            from {{ relation }}
            where
                {{ where }}
                {% for earlier in range(1, round) %}
                    and {{ left }} not in (select {{ name }}_{{ earlier }}.{{ left }} from {{ name }}_{{ earlier }})
                    and {{ right }} not in (select {{ name }}_{{ earlier }}.{{ right }} from {{ name }}_{{ earlier }})
                {% endfor %}
        ) as ranked
        where score = best_left and score = best_right and ties_left = 1 and ties_right = 1
    ),
{% endfor %}

{{ name }} as (
    {% for round in range(1, rounds + 1) %}
        {{ "union all" if not loop.first }}
        select * from {{ name }}_{{ round }}
    {% endfor %}
),
{%- endmacro %}
