-- The seven canonical development dimensions (sources.md), from the reviewable seed.
select
    dimension_code,
    name_th,
    name_en,
    covers
from {{ ref('dimensions') }}
