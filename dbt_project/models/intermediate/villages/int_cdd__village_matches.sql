-- The village (or municipal community) of each place CDD names by hand: district, subdistrict,
-- หมู่ที่ and name, with typos, look-alike letters and missing numbers. One row per distinct
-- place, with how it was matched (match_method), how sure (match_confidence, 0–1) and, when
-- unresolved or inconsistent, the closest candidates for the agency's report. Matching never
-- leaves the subdistrict found for the place (int_cdd__areas).
with

places as (
    select distinct
        province_code,
        district_name,
        subdistrict_name,
        moo,
        village_name
    from {{ ref('stg_cdd__community_plans') }}
    union
    select distinct
        province_code,
        district_name,
        subdistrict_name,
        moo,
        village_name
    from {{ ref('stg_cdd__certification') }}
),

located as (
    select
        {{ cdd_place_id('places') }} as place_id,
        places.*,
        areas.subdistrict_code,
        areas.area_method,
        {{ place_match_columns(place_key('places.village_name')) }}
    from places
    left join {{ ref('int_cdd__areas') }} as areas
        on
            places.province_code = areas.province_code
            and coalesce(places.district_name, '∅') = coalesce(areas.district_name, '∅')
            and coalesce(places.subdistrict_name, '∅') = coalesce(areas.subdistrict_name, '∅')
),

-- most places name their village exactly as the registry does, with its number: settled
-- by an equi-join, without scoring every candidate
exact as (
    select
        located.place_id,
        any_value(candidates.unit_key) as unit_key
    from located
    inner join {{ ref('int_village_candidates') }} as candidates
        on
            located.subdistrict_code = candidates.subdistrict_code
            and located.moo = candidates.moo
            and located.name_key = candidates.name_key
    group by located.place_id
    having count(distinct candidates.unit_key) = 1
),

pending as (
    select located.*
    from located
    anti join exact on located.place_id = exact.place_id
),

-- the rest: each candidate of the subdistrict, scored on its best-matching name
pair_scores as (
    select
        pending.place_id,
        pending.moo,
        candidates.unit_key,
        candidates.kind,
        candidates.moo as candidate_moo,
        candidates.is_current,
        candidates.name_th,
        coalesce({{ place_similarity_of('pending', 'candidates') }}, 0) as similarity
    from pending
    inner join {{ ref('int_village_candidates') }} as candidates
        on pending.subdistrict_code = candidates.subdistrict_code
),

scored as (
    select
        place_id,
        unit_key,
        any_value(kind) as kind,
        any_value(candidate_moo) as candidate_moo,
        bool_or(is_current) as is_current,
        coalesce(bool_or(moo = candidate_moo), false) as same_moo,
        max(similarity) as similarity,
        arg_max(name_th, similarity) as candidate_name
    from pair_scores
    group by place_id, unit_key
),

by_number as (
    select *
    from scored
    where same_moo
    qualify row_number() over (partition by place_id order by is_current desc, similarity desc, unit_key asc) = 1
),

by_name as (
    select
        *,
        row_number() over (partition by place_id order by similarity desc, is_current desc, unit_key asc) as rank
    from scored
),

closest as (
    select
        place_id,
        -- the three closest names, for the agency's report
        string_agg(
            candidate_name || coalesce(' หมู่ที่ ' || candidate_moo, '') || ' (' || unit_key || ')', '; '
            order by rank
        ) filter (where rank <= 3) as candidates
    from by_name
    group by place_id
),

evidence as (
    select
        located.*,
        exact.unit_key as exact_unit,
        by_number.unit_key as number_unit,
        by_number.similarity as number_similarity,
        best.unit_key as name_unit,
        best.kind as name_kind,
        best.similarity as name_similarity,
        closest.candidates,
        coalesce(runner_up.similarity, 0) as second_similarity
    from located
    left join exact on located.place_id = exact.place_id
    left join by_number on located.place_id = by_number.place_id
    left join by_name as best on located.place_id = best.place_id and best.rank = 1
    left join by_name as runner_up on located.place_id = runner_up.place_id and runner_up.rank = 2
    left join closest on located.place_id = closest.place_id
),

decided as (
    select
        *,
        case
            when subdistrict_code is null then 'area_unresolved'
            when exact_unit is not null then 'moo_and_name'
            -- the name is another village's, clearly more than the one the number points to
            -- (names repeat within a subdistrict, so the name need not be unique to say so)
            when
                number_unit is not null and name_unit != number_unit and name_similarity >= 0.95
                and name_similarity - coalesce(number_similarity, 0) >= 0.1
                then 'inconsistent'
            -- the number finds a village and the name agrees with it (or is missing)
            when number_unit is not null and (name_key is null or number_similarity >= 0.85) then 'moo_and_name'
            when number_unit is not null and name_unit != number_unit and name_similarity >= 0.93 then 'inconsistent'
            when number_unit is not null then 'moo_name_differs'
            -- no number (or one the subdistrict does not have): a name that stands clear of the rest
            when moo is null and name_similarity >= 0.9 and name_similarity - second_similarity >= 0.05 then 'name'
            else 'unresolved'
        end as decision
    from evidence
)

select
    place_id,
    province_code,
    district_name,
    subdistrict_name,
    moo,
    village_name,
    subdistrict_code,
    area_method,
    decision as match_method,
    number_unit,
    number_similarity,
    name_unit,
    name_similarity,
    second_similarity,
    candidates,
    case
        when exact_unit is not null then exact_unit
        when decision in ('moo_and_name', 'moo_name_differs') then number_unit
        when decision = 'name' then name_unit
    end as unit_key,
    case when decision = 'name' then name_kind when decision like 'moo%' then 'village' end as unit_kind,
    round(case decision
        when 'moo_and_name'
            then case
                when exact_unit is not null then 1.0
                when name_key is null then 0.9
                else 0.5 + 0.5 * number_similarity
            end
        when 'moo_name_differs' then 0.5 + 0.5 * number_similarity
        when 'name' then name_similarity - 0.05
        else 0
    end, 3) as match_confidence
from decided
