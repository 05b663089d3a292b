-- Cross-agency reconciliation (issue 4 §4): which plan items are the same real-world project. One
-- row per plan item: its project, the rule and score that joined it, the partner the evidence is
-- about (_int_clustering.yml explains the rules). Candidates: two agencies, one year, one
-- village, one dimension, budgets within the tolerance; cores compared by IDF-weighted 3-gram
-- Jaccard once per distinct pair; DOPA matched with CDD, then DLA with those groups, one to one.
{% set title_min = var('clustering_title_min', 0.5) %}
{% set title_budget_min = var('clustering_title_budget_min', 0.15) %}
{% set budget_tolerance = var('clustering_budget_tolerance', 0.9) %}
{% set dla_budget_tolerance = var('clustering_dla_budget_tolerance', 0.88) %}
{% set rounds = 3 %}
{% set vetoing_lists = ['lane_numbers', 'lengths_m', 'phase_numbers', 'other_numbers', 'place_names'] %}

with

titles as (
    select * from {{ ref('int_plan_item_titles') }}
),

-- integer keys keep the joins cheap at national scale
cores as materialized (
    select
        core_key,
        row_number() over () as core_id
    from (
        select distinct titles.core_key from titles
        where titles.core_key is not null
    ) as distinct_cores
),

title_cores as materialized (
    select
        titles.title,
        titles.place_names,
        titles.lane_numbers,
        titles.lengths_m,
        titles.phase_numbers,
        titles.other_numbers,
        cores.core_id,
        row_number() over () as title_id
    from titles
    inner join cores on titles.core_key = cores.core_key
),

items as materialized (
    select
        plan_items.plan_item_id,
        plan_items.source,
        plan_items.fiscal_year,
        plan_items.village_code,
        plan_items.subdistrict_code,
        plan_items.dimension_code,
        plan_items.implementation,
        title_cores.title_id,
        title_cores.core_id,
        -- a dash (zero) or an empty amount says nothing about the cost (a double: only ratios)
        cast(nullif(plan_items.budget_thb, 0) as double) as budget_thb,
        row_number() over () as item_key,
        case plan_items.source when 'cdd' then 1 when 'dla' then 2 else 3 end as source_order,
        -- every village the item targets ([village_code] for one village)
        coalesce(
            nullif(plan_items.target_village_codes, []),
            case when plan_items.village_code is not null then [plan_items.village_code] end,
            []
        ) as target_village_codes,
        len(target_village_codes) > 1 as is_multi_village,
        -- an item in several blocks (villages, or unclassified) can meet a partner in more than one
        is_multi_village or plan_items.dimension_code is null as is_in_several_blocks
    from {{ ref('int_plan_items') }} as plan_items
    left join title_cores on plan_items.title = title_cores.title
),

dimension_codes as (
    select list(dimension_code order by dimension_code) as all_codes
    from {{ ref('dimensions') }}
),

-- each item in each (village, year, dimension) block it belongs to (an unclassified item is
-- compatible with every dimension), with only what the self-join needs
blocks as materialized (
    select
        item_villages.item_key,
        item_villages.source_order,
        item_villages.budget_thb,
        item_villages.village_code,
        item_villages.is_in_several_blocks,
        hash(
            item_villages.village_code, item_villages.fiscal_year, dimension_keys.dimension_key,
            item_villages.is_multi_village
        ) as block_key,
        -- amounts within the tolerance of each other lie in the same or neighbouring bands of
        -- width ln(1 / tolerance) on a log scale
        cast(
            floor(ln(item_villages.budget_thb) / ln(1 / {{ [budget_tolerance, dla_budget_tolerance] | min }}))
            as bigint
        ) as budget_band
    from (
        select
            item_key,
            source_order,
            budget_thb,
            fiscal_year,
            is_multi_village,
            is_in_several_blocks,
            dimension_code,
            unnest(target_village_codes) as village_code
        from items
        where core_id is not null
    ) as item_villages
    cross join lateral (
        select unnest(coalesce([item_villages.dimension_code], dimension_codes.all_codes)) as dimension_key
        from dimension_codes
    ) as dimension_keys
),

-- pairs in one block, in source order: amounts both known and near (each pair met once, from
-- the item in the lower band, or the lower source in one band), or one of them unknown
block_pairs as (
    select
        block_a.is_in_several_blocks or block_b.is_in_several_blocks as may_repeat,
        if(block_a.source_order < block_b.source_order, block_a.item_key, block_b.item_key) as item_a,
        if(block_a.source_order < block_b.source_order, block_b.item_key, block_a.item_key) as item_b
    from (
        select
            *,
            unnest([budget_band, budget_band + 1]) as near_band
        from blocks
        where budget_band is not null
    ) as block_a
    inner join blocks as block_b
        on
            block_a.block_key = block_b.block_key
            and block_a.near_band = block_b.budget_band
            and block_a.village_code = block_b.village_code
            and block_a.source_order != block_b.source_order
            and (block_a.budget_band < block_b.budget_band or block_a.source_order < block_b.source_order)
    union all
    select
        block_a.is_in_several_blocks or block_b.is_in_several_blocks as may_repeat,
        if(block_a.source_order < block_b.source_order, block_a.item_key, block_b.item_key) as item_a,
        if(block_a.source_order < block_b.source_order, block_b.item_key, block_a.item_key) as item_b
    from blocks as block_a
    inner join blocks as block_b
        on
            block_a.block_key = block_b.block_key
            and block_a.village_code = block_b.village_code
            and block_a.source_order != block_b.source_order
            and (block_b.budget_band is not null or block_a.source_order < block_b.source_order)
    where block_a.budget_band is null
),

-- candidate pairs (a before b: cdd, dla, dopa), with what they compare; an item in several
-- blocks (villages, or unclassified) may meet a partner twice
pairs as materialized (
    select
        candidates.item_a,
        candidates.item_b,
        items_a.source as source_a,
        items_b.source as source_b,
        items_a.core_id as core_id_a,
        items_b.core_id as core_id_b,
        items_a.title_id as title_id_a,
        items_b.title_id as title_id_b,
        -- (least and greatest skip a null: an unknown amount must stay unknown)
        case
            when items_a.budget_thb is not null and items_b.budget_thb is not null
                then least(items_a.budget_thb, items_b.budget_thb) / greatest(items_a.budget_thb, items_b.budget_thb)
        end as budget_ratio,
        if(items_a.dimension_code is null or items_b.dimension_code is null, 'unclassified', 'same')
            as dimension_agreement,
        -- ทำเอง / ทำร่วม / ขอสนับสนุน is decided once per project, at the village assembly
        coalesce(items_a.implementation != items_b.implementation, false) as implementation_differs
    from (
        select
            item_a,
            item_b
        from block_pairs
        where not may_repeat
        union all
        select distinct
            item_a,
            item_b
        from block_pairs
        where may_repeat
    ) as candidates
    inner join items as items_a on candidates.item_a = items_a.item_key
    inner join items as items_b on candidates.item_b = items_b.item_key
    where
        coalesce(
            budget_ratio
            >= if('dla' in (items_a.source, items_b.source), {{ dla_budget_tolerance }}, {{ budget_tolerance }}),
            true
        )
),

core_pairs as (
    select distinct
        core_id_a,
        core_id_b
    from pairs
),

-- 3-grams of code points (Thai vowels and tone marks count); a short core is one gram
core_grams as (
    select distinct
        core_id,
        unnest(
            if(
                length(core_key) <= 3,
                [core_key],
                list_transform(range(1, length(core_key) - 1), lambda gram_start: substring(core_key, gram_start, 3))
            )
        ) as gram
    from cores
),

-- how telling a 3-gram is: its inverse document frequency over the distinct cores
weighted_grams as materialized (
    select
        core_id,
        gram,
        ln((select count(*) from cores) / count(*) over (partition by gram)) as gram_weight
    from core_grams
),

core_weights as (
    select
        core_id,
        sum(gram_weight) as core_weight
    from weighted_grams
    group by core_id
),

shared_weights as (
    select
        core_pairs.core_id_a,
        core_pairs.core_id_b,
        sum(grams_a.gram_weight) as shared_weight
    from core_pairs
    inner join weighted_grams as grams_a on core_pairs.core_id_a = grams_a.core_id
    inner join weighted_grams as grams_b
        on core_pairs.core_id_b = grams_b.core_id and grams_a.gram = grams_b.gram
    group by core_pairs.core_id_a, core_pairs.core_id_b
),

core_similarity as (
    select
        core_pairs.core_id_a,
        core_pairs.core_id_b,
        case
            when core_pairs.core_id_a = core_pairs.core_id_b then 1.0
            else coalesce(
                shared_weights.shared_weight
                / nullif(weights_a.core_weight + weights_b.core_weight - shared_weights.shared_weight, 0),
                0
            )
        end as title_similarity
    from core_pairs
    left join shared_weights
        on core_pairs.core_id_a = shared_weights.core_id_a and core_pairs.core_id_b = shared_weights.core_id_b
    left join core_weights as weights_a on core_pairs.core_id_a = weights_a.core_id
    left join core_weights as weights_b on core_pairs.core_id_b = weights_b.core_id
),

scored as (
    select
        pairs.item_a,
        pairs.item_b,
        pairs.source_a,
        pairs.source_b,
        pairs.budget_ratio,
        pairs.dimension_agreement,
        core_similarity.title_similarity,
        -- a number or place both titles give and that differs, or the implementation
        (
            pairs.implementation_differs
            {% for kind in vetoing_lists %}
                or (
                    len(titles_a.{{ kind }}) > 0 and len(titles_b.{{ kind }}) > 0
                    and titles_a.{{ kind }} != titles_b.{{ kind }}
                )
            {% endfor %}
        ) as is_vetoed,
        round(
            0.7 * core_similarity.title_similarity
            + 0.2 * coalesce(pairs.budget_ratio, 0.5)
            + 0.1 * if(pairs.dimension_agreement = 'same', 1, 0.5),
            4
        ) as score,
        case
            when is_vetoed then null
            when core_similarity.title_similarity >= {{ title_min }} then 'title'
            when pairs.budget_ratio is not null and pairs.dimension_agreement = 'same' then 'title_budget'
        end as match_rule
    from pairs
    inner join core_similarity
        on pairs.core_id_a = core_similarity.core_id_a and pairs.core_id_b = core_similarity.core_id_b
    inner join title_cores as titles_a on pairs.title_id_a = titles_a.title_id
    inner join title_cores as titles_b on pairs.title_id_b = titles_b.title_id
    where core_similarity.title_similarity >= {{ title_budget_min }}
),

-- stage 1: DOPA with CDD, one to one (item_a is the CDD item, item_b the DOPA item); a best score
-- shared by two partners is ambiguous: no merge (a later round may settle it)
{{ mutual_best_rounds(
    'village_matched', 'scored', 'item_a', 'item_b', rounds,
    where="match_rule is not null and source_a = 'cdd' and source_b = 'dopa'",
) }}

-- the DOPA/CDD groups: a matched pair (keyed by its CDD item); an unmatched item is its own
village_groups as (
    select
        item_a as group_key,
        unnest([item_a, item_b]) as item_key
    from village_matched
),

-- every DLA pair with the DLA item first, the group of its partner, the group's vetoes and how
-- many members it is comparable with (title similar enough, budget within the tolerance)
dla_pairs as (
    select
        *,
        bool_or(is_vetoed) over (partition by dla_item, group_key) as is_group_vetoed,
        count(*) over (partition by dla_item, group_key) as n_comparable
    from (
        select
            scored.score,
            scored.match_rule,
            scored.is_vetoed,
            scored.title_similarity,
            scored.budget_ratio,
            scored.dimension_agreement,
            if(scored.source_a = 'dla', scored.item_a, scored.item_b) as dla_item,
            if(scored.source_a = 'dla', scored.item_b, scored.item_a) as partner_item,
            if(scored.source_a = 'dla', scored.source_b, scored.source_a) as partner_source,
            coalesce(village_groups.group_key, if(scored.source_a = 'dla', scored.item_b, scored.item_a))
                as group_key,
            if(village_groups.group_key is null, 1, 2) as group_size
        from scored
        left join village_groups
            on if(scored.source_a = 'dla', scored.item_b, scored.item_a) = village_groups.item_key
        where 'dla' in (scored.source_a, scored.source_b)
    ) as dla_scored
),

-- per DLA item and group comparable with all its members, the best accepted member is the evidence
dla_acceptable as materialized (
    select * exclude (member_rank)
    from (
        select
            *,
            row_number() over (partition by dla_item, group_key order by score desc, partner_source asc)
                as member_rank
        from dla_pairs
        where match_rule is not null and not is_group_vetoed and n_comparable = group_size
    ) as ranked
    where member_rank = 1
),

-- stage 2: DLA items with the groups, one to one, ambiguous best scores refused as in stage 1
{{ mutual_best_rounds('dla_matched', 'dla_acceptable', 'dla_item', 'group_key', rounds) }}

-- the evidence that joined each item to its project, and the partner it is about: both items of
-- a DOPA/CDD pair; a DLA item, and its partner when the partner had none before
evidence as (
    select
        match_rule,
        score,
        title_similarity,
        budget_ratio,
        dimension_agreement,
        unnest([item_a, item_b]) as item_key,
        unnest([item_b, item_a]) as matched_item
    from village_matched
    union all
    select
        match_rule,
        score,
        title_similarity,
        budget_ratio,
        dimension_agreement,
        unnest(if(is_lone_partner, [dla_item, partner_item], [dla_item])) as item_key,
        unnest(if(is_lone_partner, [partner_item, dla_item], [partner_item])) as matched_item
    from (
        select
            *,
            group_key not in (select village_groups.item_key from village_groups) as is_lone_partner
        from dla_matched
    ) as flagged
),

clustered as (
    select
        items.plan_item_id,
        items.source,
        items.fiscal_year,
        items.village_code,
        items.subdistrict_code,
        items.item_key,
        evidence.score as cluster_score,
        evidence.matched_item,
        evidence.title_similarity,
        evidence.budget_ratio,
        evidence.dimension_agreement,
        coalesce(dla_matched.group_key, village_groups.group_key, items.item_key) as cluster_key,
        coalesce(evidence.match_rule, 'singleton') as cluster_rule
    from items
    left join village_groups on items.item_key = village_groups.item_key
    left join dla_matched on items.item_key = dla_matched.dla_item
    left join evidence on items.item_key = evidence.item_key
),

-- the plan_item_id of every item another one refers to: its partner, or its project's anchor
referenced_items as (
    select
        items.item_key,
        items.plan_item_id
    from items
    where items.item_key in (
        select clustered.cluster_key from clustered
        where clustered.cluster_key != clustered.item_key
        union all
        select clustered.matched_item from clustered
    )
),

final as (
    select
        clustered.plan_item_id,
        clustered.source,
        clustered.fiscal_year,
        clustered.village_code,
        clustered.subdistrict_code,
        clustered.cluster_rule,
        clustered.dimension_agreement,
        partner.plan_item_id as matched_plan_item_id,
        cast(clustered.cluster_score as decimal(5, 4)) as cluster_score,
        cast(clustered.title_similarity as decimal(5, 4)) as title_similarity,
        cast(clustered.budget_ratio as decimal(5, 4)) as budget_ratio,
        -- stable across reruns: named after the project's anchor item, the one its cluster is keyed
        -- by (its CDD item, else its DOPA item, else its DLA item)
        'ip-' || coalesce(anchor.plan_item_id, clustered.plan_item_id) as integrated_project_id
    from clustered
    left join referenced_items as anchor
        on clustered.cluster_key = anchor.item_key and clustered.cluster_key != clustered.item_key
    left join referenced_items as partner on clustered.matched_item = partner.item_key
)

select * from final
