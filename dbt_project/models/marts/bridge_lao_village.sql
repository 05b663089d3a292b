-- Which villages and municipal communities each LAO serves (latest DLA registry).
select distinct
    lao_code,
    unit_key as village_code,
    kind
from {{ ref('int_lao_villages') }}
